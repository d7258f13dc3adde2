"""Which columns hold direct personal identifiers: by their name, in the languages of European
health data, and by their values (personal names whatever the header says).

A column found here is never learnt: the schema marks it ``direct_identifier`` with a fake-data
provider, or ``identifier`` for record and national numbers (fresh surrogate keys).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: A column whose name's first or last word is one of these holds record or national numbers:
#: English, then Dutch citizen service number, French social security number, Spanish national
#: identity and tax numbers, Polish PESEL, Danish CPR, Finnish personal identity code, Swiss AHV,
#: Austrian social insurance number.
ID_TOKENS = {"id", "pid", "uid", "mrn", "ssn", "nhs", "uuid", "guid", "bsn", "nir", "insee", "dni", "nif",
             "nie", "pesel", "cpr", "hetu", "ahv", "avs", "svnr", "vsnr", "kvnr"}
#: Such numbers written as one word (German, Swedish, Norwegian, Italian compounds).
ID_WORDS = ("versichertennummer", "sozialversicherungsnummer", "personnummer", "fodselsnummer",
            "codicefiscale", "burgerservicenummer", "patientennummer", "fallnummer", "krankenversichertennummer")
RECORD_TOKENS = {"record", "patient", "subject", "case", "chart", "medical", "patienten", "dossier"}
NUMBER_TOKENS = {"number", "no", "nr", "num", "nummer", "numero"}

#: Whole words (after folding accents) that name a first name, a last name or a full name.
_NAME_WORDS = {
    # English
    "surname": "last_name", "lastname": "last_name", "familyname": "last_name",
    "forename": "first_name", "firstname": "first_name", "givenname": "first_name", "fullname": "name",
    # German, Dutch, French, Spanish, Italian, Portuguese, Polish, Scandinavian, Finnish
    "nachname": "last_name", "familienname": "last_name", "geburtsname": "last_name",
    "vorname": "first_name", "rufname": "first_name", "vollstandigername": "name",
    "achternaam": "last_name", "familienaam": "last_name", "voornaam": "first_name", "roepnaam": "first_name",
    "nomdefamille": "last_name", "nomdenaissance": "last_name", "prenom": "first_name",
    "apellido": "last_name", "apellidos": "last_name", "nombrecompleto": "name",
    "cognome": "last_name", "sobrenome": "last_name", "nomecompleto": "name",
    "nazwisko": "last_name", "imie": "first_name",
    "efternamn": "last_name", "efternavn": "last_name", "etternavn": "last_name", "fornamn": "first_name",
    "fornavn": "first_name", "sukunimi": "last_name", "etunimi": "first_name",
}
#: Words for "name" that say nothing of which name by themselves.
_NAME_TOKENS = {"name", "naam", "namn", "navn", "nimi", "nome", "nombre", "nom"}
#: Words that, beside a name word or joined to it, make it a person's name ("patient name",
#: "Patientenname", "nom du patient"); "first"/"last" and their kin say which name.
_PERSON = {"full", "patient", "patienten", "patients", "person", "personen", "client", "klient", "kunden",
           "mother", "father", "mutter", "vater", "contact", "kontakt", "doctor", "physician", "arzt",
           "paciente", "paziente", "patiente", "voll", "completo", "complet", "middle"}
_FIRST = {"first", "given", "vor", "voor"}
_LAST = {"last", "family", "familie", "nach", "achter", "famille"}
_EMAIL_WORDS = {"email", "mail", "courriel", "correo"}
_PHONE_WORDS = {"phone", "telephone", "tel", "mobile", "fax", "telefon", "telefoon", "telefono", "telefone",
                "mobil", "handy", "gsm", "portable", "cellulare", "movil", "telefonnummer"}
_ADDRESS_WORDS = ("address", "adresse", "adres", "anschrift", "strasse", "straat", "street", "direccion",
                  "indirizzo", "endereco", "ulica")


def fold(text: str) -> str:
    """Lower case without accents: 'Prénom' -> 'prenom', 'Straße' -> 'strasse', 'Imię' -> 'imie'."""
    text = text.replace("ß", "ss").replace("ẞ", "SS").replace("ł", "l").replace("Ł", "L")
    text = text.replace("ø", "o").replace("Ø", "O").replace("æ", "ae").replace("Æ", "AE")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def tokens(name: str) -> list[str]:
    """The words of a column name: split at anything but letters and digits and at camelCase."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [t for t in re.split(r"[^a-z0-9]+", fold(spaced)) if t]


def identifier_name(name: str) -> bool:
    """Whether a column's name says it holds record or national identity numbers."""
    words = tokens(name)
    if not words:
        return False
    if words[-1] in ID_TOKENS or words[0] in ID_TOKENS or any(w in "".join(words) for w in ID_WORDS):
        return True
    return any(t in RECORD_TOKENS for t in words) and any(t in NUMBER_TOKENS for t in words)


def _named_by(name: str, table: dict[str, str]) -> str | None:
    """What ``table`` says of a column name: of a whole word of it, else of a long word within a
    compound ('Patientenvorname', 'lastName2')."""
    words = tokens(name)
    joined = "".join(words)
    for word in words:
        if word in table:
            return table[word]
    for word, value in table.items():
        if len(word) >= 7 and word in joined:
            return value
    return None


def person_field(name: str) -> str | None:
    """The fake-data provider for a column whose name says it holds direct identifiers."""
    found = _named_by(name, _NAME_WORDS)
    if found is not None:
        return found
    words = tokens(name)
    joined = "".join(words)
    named = [w for w in words if w in _NAME_TOKENS]
    # 'Patientenname': a person word joined to a name word
    joined_to = next((w[: -len(t)] for w in words for t in _NAME_TOKENS
                      if w.endswith(t) and w[: -len(t)] in _PERSON), None)
    if named or joined_to:
        rest = set(words) - set(named) | ({joined_to} if joined_to else set())
        if rest & _FIRST:
            return "first_name"
        if rest & _LAST:
            return "last_name"
        if words == ["nom"]:  # French forms: 'Nom' is the family name, beside 'Prénom'
            return "last_name"
        if rest & _PERSON or len(words) == 1:
            return "name"
    if _EMAIL_WORDS & set(words) or "e-mail" in name.lower():
        return "email"
    if _PHONE_WORDS & set(words) or any(w.startswith(("telefon", "telephon", "handynummer")) for w in words):
        return "phone_number"
    if any(word in joined for word in _ADDRESS_WORDS):
        return "address"
    return None


#: The locales whose public name lists (Faker's) value-based detection knows, and fake names
#: and other fake values can come from: English, then the main European languages.
LOCALES = ("en_US", "en_GB", "de_DE", "de_AT", "de_CH", "fr_FR", "nl_NL", "it_IT", "es_ES", "pt_PT",
           "pl_PL", "sv_SE", "da_DK", "no_NO", "fi_FI", "cs_CZ")
#: The locale a name column's header language points to, where its values do not say.
_HEADER_LOCALES = {
    "nachname": "de_DE", "familienname": "de_DE", "geburtsname": "de_DE", "vorname": "de_DE", "rufname": "de_DE",
    "vollstandigername": "de_DE", "patientenname": "de_DE",
    "achternaam": "nl_NL", "familienaam": "nl_NL", "voornaam": "nl_NL", "roepnaam": "nl_NL", "naam": "nl_NL",
    "nomdefamille": "fr_FR", "nomdenaissance": "fr_FR", "prenom": "fr_FR",
    "apellido": "es_ES", "apellidos": "es_ES", "nombrecompleto": "es_ES", "nombre": "es_ES",
    "cognome": "it_IT", "sobrenome": "pt_PT", "nomecompleto": "pt_PT",
    "nazwisko": "pl_PL", "imie": "pl_PL",
    "efternamn": "sv_SE", "fornamn": "sv_SE", "namn": "sv_SE", "efternavn": "da_DK", "etternavn": "no_NO",
    "sukunimi": "fi_FI", "etunimi": "fi_FI", "nimi": "fi_FI",
}
_FIRST_ATTRIBUTES = ("first_names", "first_names_male", "first_names_female")
_LAST_ATTRIBUTES = ("last_names", "last_names_male", "last_names_female", "male_last_names", "female_last_names",
                    "unisex_last_names")


@cache
def locale_names(locale: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The first and last names of Faker's public lists for one locale, as written, sorted."""
    import importlib

    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    lists = []
    for attributes in (_FIRST_ATTRIBUTES, _LAST_ATTRIBUTES):
        names: set[str] = set()
        for attribute in attributes:
            names.update(str(n) for n in getattr(provider, attribute, ()) or ())
        lists.append(tuple(sorted(names)))
    return lists[0], lists[1]


@cache
def _folded_names(locale: str) -> tuple[frozenset[str], frozenset[str]]:
    first, last = locale_names(locale)
    return frozenset(fold(n) for n in first), frozenset(fold(n) for n in last)


@lru_cache(maxsize=1)
def _known_names() -> tuple[frozenset[str], frozenset[str]]:
    """First and last names of Faker's public lists for European locales and English, folded."""
    first: set[str] = set()
    last: set[str] = set()
    for locale in LOCALES:
        f, la = _folded_names(locale)
        first |= f
        last |= la
    return frozenset(first), frozenset(last)


def name_locale(columns: list[pd.Series]) -> str | None:
    """The locale whose name lists hold the most of the distinct names (and words of full names)
    in ``columns``, when it holds at least half of them and more than the English list does;
    else None. German names point to de_DE, Dutch ones to nl_NL, and so on."""
    words: set[str] = set()
    for series in columns:
        for value in series.dropna().astype(str).unique()[:2000]:
            words.update(w for w in re.split(r"[\s,]+", fold(value)) if len(w) > 1)
    if not words:
        return None
    share = {}
    for locale in LOCALES:
        first, last = _folded_names(locale)
        share[locale] = sum(w in first or w in last for w in words) / len(words)
    best = max(LOCALES, key=lambda loc: share[loc])  # the first of equals: English before the others
    return best if share[best] >= 0.5 and share[best] > share["en_US"] else None


def header_locale(name: str) -> str | None:
    """The locale a column name's language points to ('Vorname' -> de_DE), if it names a name."""
    return _named_by(name, _HEADER_LOCALES)


#: Value-based detection looks at columns with at least this many distinct values, and calls
#: them names when at least this share of those values are known names.
MIN_DISTINCT_NAMES = 10
NAME_SHARE = 0.7


def names_in_values(text: pd.Series) -> str | None:
    """'first_name', 'last_name' or 'name' when most distinct values of a text column are
    personal names (or first and last name together), whatever the column is called."""
    distinct = text.dropna().astype(str).str.strip().value_counts().index[:2000]
    if len(distinct) < MIN_DISTINCT_NAMES or text.astype(str).str.len().mean() > 60:
        return None
    first, last = _known_names()
    folded = [fold(v) for v in distinct]
    parts = [[p for p in re.split(r"[\s,]+", v) if p] for v in folded]
    full = sum(len(p) >= 2 and any(w in first for w in p) and any(w in last for w in p) for p in parts)
    if full >= NAME_SHARE * len(parts):
        return "name"
    firsts = sum(v in first for v in folded)
    lasts = sum(v in last for v in folded)
    if max(firsts, lasts) < NAME_SHARE * len(folded):
        return None
    return "first_name" if firsts >= lasts else "last_name"
