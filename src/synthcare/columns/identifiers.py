"""Identifier columns: fresh surrogate keys, and fake values for direct personal identifiers.

No value of these columns is ever learnt or copied. For first and last names the fake values
come from the public name lists of the Faker package, minus every name that occurs in the
training data, so that no real name can appear in the output even by chance. The remaining
pool is stored with the model; note that the pool's complement reveals which common names
occur in the source (never which row had them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthcare.data.schema import ColumnSchema

_POOL_PROVIDERS = {"first_name": "first_names", "last_name": "last_names"}


def _faker_names(attribute: str) -> list[str]:
    from faker.providers.person.en_US import Provider

    names = getattr(Provider, attribute)
    return sorted(set(names))


def seen_values(columns: list[pd.Series]) -> set[str]:
    """Every value (and every word of it) in ``columns``, lower-cased."""
    seen: set[str] = set()
    for series in columns:
        for value in series.dropna().astype(str).unique():
            value = value.strip().lower()
            seen.add(value)
            seen.update(value.split())
    return seen


def name_pool(spec: ColumnSchema, seen: set[str]) -> dict[str, list[str]]:
    """The fake-name pools for ``spec``, with every name in ``seen`` taken out."""
    pools: dict[str, list[str]] = {}
    wanted = ["first_name", "last_name"] if spec.fake_provider == "name" else [spec.fake_provider]
    for provider in wanted:
        if provider in _POOL_PROVIDERS:
            names = _faker_names(_POOL_PROVIDERS[provider])
            pools[provider] = [n for n in names if n.lower() not in seen]
    return pools


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

    faker = Faker("en_US")
    faker.seed_instance(int(rng.integers(2**31)))
    make = getattr(faker, provider)
    return pd.Series([make() for _ in range(n)], dtype="str")


def _draw(pool: list[str], n: int, rng: np.random.Generator) -> list[str]:
    if not pool:
        return [f"Person{i}" for i in rng.integers(1, 10**6, size=n)]
    idx = rng.integers(0, len(pool), size=n)
    return [pool[i] for i in idx]
