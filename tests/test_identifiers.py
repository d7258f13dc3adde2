"""Direct identifiers never reach synthetic output."""

from __future__ import annotations

import pytest

import synthcare

from .conftest import load


@pytest.mark.parametrize("engine", synthcare.engine_names())
def test_covid_round_trip_copies_no_name_or_id(engine, tmp_path):
    real = load("covid_testing")
    model = synthcare.get_engine(engine)(random_state=0).fit(real)
    synthcare.save_model(model, tmp_path / "m")
    out = synthcare.load_model(tmp_path / "m").sample(len(real), random_state=0)
    assert list(out.columns) == list(real.columns)
    real_names = set(real["fake_first_name"].str.lower()) | set(real["fake_last_name"].str.lower())
    out_names = set(out["fake_first_name"].str.lower()) | set(out["fake_last_name"].str.lower())
    assert len(out_names) > 50  # realistic variety, not one placeholder
    assert not out_names & real_names
    assert not set(out["subject_id"]) & set(real["subject_id"])
    assert out["subject_id"].is_unique
    # and nothing of them is stored in the model files
    stored = "".join(p.read_text() for p in (tmp_path / "m").glob("*.json")).lower()
    for name in ["jhezane", "targaryen", "westerling", "melisandre"]:
        assert name not in stored


def test_emails_and_phones_are_faked():
    import pandas as pd

    n = 40
    real = pd.DataFrame({
        "email": [f"patient{i}@hospital.example" for i in range(n)],
        "phone": [f"+31 20 555 {i:04d}" for i in range(n)],
        "age": list(range(30, 30 + n)),
    })
    out = synthcare.CARTSynthesizer(random_state=0).fit(real).sample(n, random_state=0)
    assert not set(out["email"]) & set(real["email"])
    assert out["email"].str.contains("@").all()
    assert not set(out["phone"]) & set(real["phone"])


FIRST = ["Anna", "Lukas", "Marie", "Jonas", "Sophie", "Elias", "Emma", "Noah", "Mia", "Ben", "Lena", "Paul",
         "Hanna", "Felix", "Clara", "Julia"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Jansen", "Bakker",
        "Visser", "Dubois", "Bernard", "Rossi", "Kowalski", "Nowak", "Wiśniewski", "Nielsen"]


def _european_patients(n: int = 300):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "Vorname": rng.choice(FIRST, n), "Nachname": rng.choice(LAST, n),
        "Patientenname": [f"{a} {b}" for a, b in zip(rng.choice(FIRST, n), rng.choice(LAST, n), strict=True)],
        "prénom": rng.choice(FIRST, n), "nom": rng.choice(LAST, n), "voornaam": rng.choice(FIRST, n),
        "achternaam": rng.choice(LAST, n), "Imię": rng.choice(FIRST, n), "Förnamn": rng.choice(FIRST, n),
        "kontakt": [f"{b}, {a}" for a, b in zip(rng.choice(FIRST, n), rng.choice(LAST, n), strict=True)],
        "Telefonnummer": [f"030 {x}" for x in rng.integers(1_000_000, 9_999_999, n)],
        "Versichertennummer": [f"A{x}" for x in rng.integers(10**8, 10**9, n)],
        "BSN": rng.integers(10**8, 10**9, n), "Adresse": [f"Hauptstraße {x}" for x in rng.integers(1, 200, n)],
        "nom_medicament": rng.choice(["Metformin", "Insulin", "Ramipril"], n),
        "nombre_visites": rng.integers(0, 10, n), "colour": rng.choice(["Brown", "Green", "White", "Black"], n),
        "Alter": rng.integers(18, 95, n),
    })


def test_identifiers_are_found_by_european_column_names_and_by_their_values():
    """A German, French, Dutch, Polish or Swedish header, or none that says anything ('kontakt'
    holding 'Müller, Anna'), must not let a patient's name through as a category."""
    with pytest.warns(synthcare.SynthcareWarning, match="'kontakt' holds personal names"):
        schema = synthcare.infer_schema(_european_patients())
    found = {c.name: c.fake_provider or c.action for c in schema.columns}
    assert found == {
        "Vorname": "first_name", "Nachname": "last_name", "Patientenname": "name", "prénom": "first_name",
        "nom": "last_name", "voornaam": "first_name", "achternaam": "last_name", "Imię": "first_name",
        "Förnamn": "first_name", "kontakt": "name", "Telefonnummer": "phone_number",
        "Versichertennummer": "surrogate", "BSN": "surrogate", "Adresse": "address",
        "nom_medicament": "synthesize", "nombre_visites": "synthesize", "colour": "synthesize",
        "Alter": "synthesize",
    }


def test_no_real_name_reaches_output_under_any_european_header():
    real = _european_patients()
    with pytest.warns(synthcare.SynthcareWarning):
        out = synthcare.get_engine("cart")(random_state=0).fit(real).sample(600, random_state=1)
    names = {n.lower() for n in FIRST + LAST}
    for col in ["Vorname", "Nachname", "Patientenname", "prénom", "nom", "voornaam", "achternaam", "Imię",
                "Förnamn", "kontakt"]:
        words = {w.strip(",").lower() for value in out[col] for w in value.split()}
        assert len(words) > 20 and not words & names, col
    assert not set(out["BSN"]) & set(real["BSN"])


def _people(locale: str, n: int = 200, seed: int = 0):
    """A table of ``n`` patients with names drawn from one locale's public lists."""
    import numpy as np
    import pandas as pd

    from synthcare.data.personal import locale_names

    first, last = locale_names(locale)
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"first": rng.choice(first[::2], n), "last": rng.choice(last[::2], n),
                         "address": [f"Street {i}" for i in range(n)],
                         "email": [f"p{i}@klinik.example" for i in range(n)], "age": rng.integers(20, 90, n)})


@pytest.mark.parametrize("locale", ["de_DE", "fr_FR", "nl_NL", "pl_PL", "it_IT", "en_US"])
def test_fake_names_come_from_the_locale_of_the_real_ones(locale):
    """A German hospital's table gets German fake names, not American ones, and none of them real."""
    import re

    from synthcare.data.personal import locale_names

    real = _people(locale)
    with pytest.warns(synthcare.SynthcareWarning, match=f"follow the locale {locale}" if locale != "en_US" else "."):
        schema = synthcare.infer_schema(real)
    assert {c.name: c.fake_locale for c in schema.columns if c.action == "fake"} == dict.fromkeys(
        ["first", "last", "address", "email"], None if locale == "en_US" else locale)
    out = synthcare.CARTSynthesizer(random_state=0).fit(real, schema=schema).sample(400, random_state=1)
    first, last = locale_names(locale)
    assert out["first"].isin(first).all() and out["last"].isin(last).all()
    assert out["first"].nunique() > 50 and out["last"].nunique() > 50
    assert not set(out["first"]) & set(real["first"]) and not set(out["last"]) & set(real["last"])
    # nor as part of a compound: a real 'Otto' rules out a fake 'Hans-Otto'
    real_words = {w for col in ("first", "last") for v in real[col] for w in re.split(r"[\s\-]+", v.lower())}
    out_words = {w for col in ("first", "last") for v in out[col] for w in re.split(r"[\s\-]+", v.lower())}
    assert not out_words & real_words, sorted(out_words & real_words)[:5]


def test_the_header_language_sets_the_locale_when_the_values_do_not():
    import pandas as pd

    real = pd.DataFrame({"Telefonnummer": [f"+49 30 {i:07d}" for i in range(30)], "Alter": range(30, 60),
                         "Vorname": ["Xq" + "ab" * (i % 7) + str(i) for i in range(30)]})
    with pytest.warns(synthcare.SynthcareWarning, match="de_DE \\(from the header 'Telefonnummer'|header 'Vorname'"):
        schema = synthcare.infer_schema(real)
    assert schema["Vorname"].fake_locale == "de_DE" and schema["Telefonnummer"].fake_locale == "de_DE"


def test_fake_addresses_and_emails_carry_no_real_name():
    """Faker names streets and mailboxes after people; those people come from the pools too, so a
    real patient's surname cannot turn up as 'Becker Street' or 'becker@...'."""
    import re

    from faker.providers.address.en_US import Provider

    real = _people("en_US", n=400)
    out = synthcare.CARTSynthesizer(random_state=0).fit(real).sample(2000, random_state=1)
    # words of the address grammar itself ('Green', 'Hill' as street suffixes) are not names put in
    grammar = {w.lower() for value in vars(Provider).values() if isinstance(value, (tuple, list))
               for item in value if isinstance(item, str) for w in re.split(r"[^A-Za-z]+", item)}
    real_words = {w.lower() for w in pd_words(real["first"]) | pd_words(real["last"])} - grammar
    assert len(real_words) > 300
    for col in ("address", "email"):
        words = {w.lower() for value in out[col] for w in re.split(r"[^A-Za-z]+", value) if len(w) > 2}
        assert len(words) > 100 and not words & real_words, (col, sorted(words & real_words)[:5])


def pd_words(series) -> set[str]:
    return {w for value in series for w in str(value).split()}


def test_a_locale_outside_the_known_ones_is_refused():
    from synthcare.data.schema import ColumnSchema

    with pytest.raises(ValueError, match="fake_locale 'xx_XX' is not one of"):
        ColumnSchema(name="n", kind="direct_identifier", action="fake", dtype="str", missing_rate=0.0,
                     fake_provider="first_name", fake_locale="xx_XX")
