"""Identifier columns: fresh surrogate keys, and fake values for direct personal identifiers.

No value of these columns is ever learnt or copied. For first and last names the fake values
come from the public name lists of the Faker package for the column's locale (German names for
a German table, see ``ColumnSchema.fake_locale``), minus every name that occurs in the training
data, so that no real name can appear in the output even by chance. Fake e-mail addresses and
postal addresses are built from the same pools (a street is named after a person), so they
cannot carry a real patient's name either. The remaining pool is stored with the model; note
that the pool's complement reveals which common names occur in the source (never which row had
them).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from synthcare.data.schema import ColumnSchema

DEFAULT_LOCALE = "en_US"
_NAME_PARTS = ("first_name", "last_name")
#: Fake values that Faker builds from people's names: they draw those names from the pools too.
_BUILT_FROM_NAMES = {"email", "address"}


def _words(value: str) -> list[str]:
    """The lower-cased words of a value, split at spaces, commas and hyphens ('Hans-Otto')."""
    return [w for w in re.split(r"[\s,\-]+", value.strip().lower()) if w]


def seen_values(columns: list[pd.Series]) -> set[str]:
    """Every value (and every word of it) in ``columns``, lower-cased."""
    seen: set[str] = set()
    for series in columns:
        for value in series.dropna().astype(str).unique():
            seen.add(value.strip().lower())
            seen.update(_words(value))
    return seen


def name_pool(spec: ColumnSchema, seen: set[str]) -> dict[str, list[str]]:
    """The fake-name pools for ``spec``, with every name in ``seen`` taken out."""
    from synthcare.data.personal import locale_names

    provider = spec.fake_provider
    wanted = _NAME_PARTS if provider == "name" or provider in _BUILT_FROM_NAMES else [provider]
    lists = dict(zip(_NAME_PARTS, locale_names(spec.fake_locale or DEFAULT_LOCALE), strict=True))
    # every word of a seen value is seen too, so a name sharing a word with one is out
    return {part: [n for n in lists[part] if not seen.intersection(_words(n))] for part in wanted if part in lists}


def key_offset(series: pd.Series) -> int:
    """A power of ten above every numeric key in ``series``, so fresh keys never equal a real one."""
    numbers = pd.to_numeric(series, errors="coerce").dropna()
    top = int(numbers.abs().max()) if len(numbers) else 0
    return 10 ** len(str(top))


def surrogate(n: int, spec: ColumnSchema, offset: int = 1) -> pd.Series:
    """Fresh keys ``offset .. offset+n-1`` (``SYN000001``... for text keys), unrelated to the source."""
    keys = np.arange(offset, offset + n, dtype=np.int64)
    if spec.dtype.lower().startswith(("int", "uint", "float")):
        return pd.Series(keys.astype(spec.dtype.lower() if spec.dtype[0] in "iuf" else "int64"))
    width = max(6, len(str(n)))
    return pd.Series([f"SYN{k:0{width}d}" for k in keys], dtype="str" if spec.dtype == "str" else object)


def fake(n: int, spec: ColumnSchema, pools: dict[str, list[str]], rng: np.random.Generator) -> pd.Series:
    """``n`` fake values of the kind ``spec.fake_provider`` names."""
    provider = spec.fake_provider
    if provider in pools:
        return pd.Series(_draw(pools[provider], n, rng), dtype="str")
    if provider == "name":
        first = _draw(pools["first_name"], n, rng)
        last = _draw(pools["last_name"], n, rng)
        return pd.Series([f"{a} {b}" for a, b in zip(first, last, strict=True)], dtype="str")
    from faker import Faker

    faker = Faker(spec.fake_locale or DEFAULT_LOCALE)
    faker.seed_instance(int(rng.integers(2**31)))
    if provider in _BUILT_FROM_NAMES and pools:
        _names_from_pools(faker, pools, rng)
    make = getattr(faker, provider)
    values = [make() for _ in range(n)]
    if provider == "address":  # one line, as a table cell: 'Hauptstr. 5, 10115 Berlin'
        values = [v.replace("\n", ", ") for v in values]
    return pd.Series(values, dtype="str")


def _names_from_pools(faker, pools: dict[str, list[str]], rng: np.random.Generator) -> None:  # noqa: ANN001
    """Make ``faker`` take every first and last name it puts into an address or e-mail from the
    pools (public names minus those in the data): 'Becker Street' cannot name a real Becker."""
    generator = faker.factories[0]
    for part in _NAME_PARTS:
        pool = pools.get(part)
        if pool is None:
            continue
        draw = _one_from(pool, rng)
        for method in (part, f"{part}_male", f"{part}_female", f"{part}_nonbinary"):
            if hasattr(generator, method):
                setattr(generator, method, draw)


def _one_from(pool: list[str], rng: np.random.Generator):  # noqa: ANN202 - a Faker method
    return lambda: _draw(pool, 1, rng)[0]


def _draw(pool: list[str], n: int, rng: np.random.Generator) -> list[str]:
    if not pool:
        return [f"Person{i}" for i in rng.integers(1, 10**6, size=n)]
    idx = rng.integers(0, len(pool), size=n)
    return [pool[i] for i in idx]
