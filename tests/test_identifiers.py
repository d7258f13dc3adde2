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
