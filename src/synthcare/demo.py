"""A short side-by-side summary of a real and a synthetic table, for the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

if TYPE_CHECKING:
    import pandas as pd

    from synthcare.data.schema import Schema


def summary_table(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema) -> Table:
    """Per column: how it was handled, and real vs synthetic mean (or most common value)."""
    import pandas as pd

    table = Table("column", "kind", "handling", "real", "synthetic", title="real vs synthetic")
    for col in schema.columns:
        if col.action != "synthesize":
            overlap = 0
            if col.name in synthetic:
                overlap = int(synthetic[col.name].astype(str).isin(set(real[col.name].astype(str))).sum())
            note = "dropped" if col.action == "drop" else f"{col.action} ({overlap} real values kept)"
            table.add_row(col.name, col.kind, note, "-", "-")
            continue
        r, s = real[col.name], synthetic[col.name]
        if col.kind in {"integer", "float"} and not col.discrete:
            fmt = lambda x: "-" if pd.isna(x) else f"{x:,.2f}"  # noqa: E731
            table.add_row(col.name, col.kind, "synthesized", f"mean {fmt(r.mean())}", f"mean {fmt(s.mean())}")
        else:
            top = r.mode(dropna=True)
            value = top.iloc[0] if len(top) else None
            real_share = (r.astype(str) == str(value)).mean()
            syn_share = (s.astype(str) == str(value)).mean()
            table.add_row(
                col.name, col.kind, "synthesized", f"{value}: {real_share:.0%}", f"{value}: {syn_share:.0%}"
            )
    return table
