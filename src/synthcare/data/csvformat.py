"""How a CSV file writes its fields and numbers: found from its first lines, or named.

European spreadsheets save ';'-separated files with decimal commas (and points between
thousands); tab and pipe separators also occur. Reading such a file as comma-separated either
fails or, worse, reads it wrong, so the format is found before pandas reads the file.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from synthcare.errors import DataError, ParameterError

if TYPE_CHECKING:
    import pandas as pd

#: Field separators tried when a CSV does not split evenly on its default one.
_SEPARATORS = (",", ";", "\t", "|")
_SNIFF_BYTES = 65536
_SEP_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_COMMA_DECIMAL = re.compile(r"[-+]?(\d{1,3}(\.\d{3})+|\d*),\d+")
_DOT_THOUSANDS = re.compile(r"[-+]?\d{1,3}(\.\d{3})+(,\d+)?")
_GROUPED_OR_PLAIN = re.compile(r"[-+]?(\d{1,3}(\.\d{3})+|\d*)(,\d+)?")
_DOT_DECIMAL = re.compile(r"[-+]?\d*\.\d+([eE][-+]?\d+)?")


class CsvFormat(NamedTuple):
    """How a CSV file writes its fields and numbers."""

    sep: str = ","
    decimal: str = "."
    thousands: str | None = None

    @property
    def sep_name(self) -> str:
        return _SEP_NAMES.get(self.sep, repr(self.sep))

    def describe(self) -> str:
        marks = "decimal commas" if self.decimal == "," else "decimal points"
        if self.thousands:
            marks += f" and '{self.thousands}' between thousands"
        return f"{self.sep_name}-separated, {marks}"


def sniff_csv(
    path: str | Path, *, encoding: str = "utf-8", sep: str | None = None, decimal: str | None = None
) -> CsvFormat:
    """The field separator and number marks of a CSV file, from its first 64 KB.

    The separator is the file's default (tab for ``.tsv``, else comma) when every line splits
    into the header's number of fields (more than one) on it, else the first of ``, ; tab |``
    on which every line does, with the most fields; the default when none does. A file not
    separated by commas whose numbers are written ``3,5`` (and none ``3.5``) has decimal commas,
    and then ``1.175,5`` has a point between thousands. ``sep`` and ``decimal`` override what is
    found.
    """
    check_marks(sep, decimal)
    path = Path(path)
    default = default_sep(path)
    text, cut = _head_text(path, encoding)
    if sep is None:
        sep = default
        rows = {candidate: _split_evenly(text, candidate, cut) for candidate in _SEPARATORS}
        if rows[default] is None:
            even = [c for c in _SEPARATORS if rows[c] is not None]
            if even:
                sep = max(even, key=lambda c: len(rows[c][0]))
    thousands = None
    if decimal is None:
        decimal = "."
        if sep != ",":
            fields = [f.strip() for row in (_split_evenly(text, sep, cut) or [])[1:] for f in row]
            if any(_COMMA_DECIMAL.fullmatch(f) for f in fields) and not any(
                _DOT_DECIMAL.fullmatch(f) and not _DOT_THOUSANDS.fullmatch(f) for f in fields
            ):
                decimal = ","
                if any(_DOT_THOUSANDS.fullmatch(f) for f in fields):
                    thousands = "."
    if sep == decimal:
        raise DataError(f"The field separator and the decimal mark of '{path}' cannot both be {sep!r}.")
    return CsvFormat(sep, decimal, thousands)


def default_sep(path: str | Path) -> str:
    """The separator a file's name implies: tab for ``.tsv`` (``.tsv.gz``), else comma."""
    return "\t" if Path(path).name.lower().endswith((".tsv", ".tsv.gz")) else ","


def check_marks(sep: str | None, decimal: str | None) -> None:
    """Raise ParameterError unless ``sep`` is one character (not a quote or line break), ``decimal``
    is '.' or ',', and they differ (None: not said)."""
    if sep is not None and (not isinstance(sep, str) or len(sep) != 1 or sep in "\"\r\n"):
        raise ParameterError(f"sep must be one character other than a quote or line break, such as ';'. Got {sep!r}.")
    if decimal not in (None, ".", ","):
        raise ParameterError(f"decimal must be '.' or ','. Got {decimal!r}.")
    if sep is not None and sep == decimal:
        raise ParameterError(f"The field separator and the decimal mark cannot both be {sep!r}.")


def _head_text(path: Path, encoding: str) -> tuple[str, bool]:
    """The first 64 KB of a (possibly compressed) text file up to its last line break, and
    whether the file goes on after them."""
    import bz2
    import gzip
    import lzma
    import zipfile

    suffix = path.suffix.lower()
    try:
        if suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                raw = archive.open(names[0]).read(_SNIFF_BYTES) if names else b""
        else:
            opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(suffix, open)
            with opener(path, "rb") as handle:
                raw = handle.read(_SNIFF_BYTES)
    except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError) as exc:
        raise DataError(f"'{path}' cannot be read as a {suffix} file: {exc}") from exc
    text = raw.decode(encoding, errors="ignore")
    cut = len(raw) == _SNIFF_BYTES
    if cut and "\n" in text:
        text = text[: text.rindex("\n") + 1]
    return text, cut


def _split_evenly(text: str, sep: str, cut: bool = False) -> list[list[str]] | None:
    """The lines of ``text`` split on ``sep`` if each non-blank one has the header's number of
    fields (or one more, left empty) and that is more than one, else None. With ``cut`` (the
    file goes on), the last record is left out: a quoted field may have been cut in two."""
    try:
        rows = [row for row in csv.reader(io.StringIO(text), delimiter=sep) if row]
    except csv.Error:
        return None
    if cut and len(rows) > 2:
        rows = rows[:-1]
    if rows:  # a line that ends in a separator the header lacks (as spreadsheets export) is still even
        rows = [row[:-1] if len(row) == len(rows[0]) + 1 and row[-1] == "" else row for row in rows]
    if not rows or len(rows[0]) < 2 or any(len(row) != len(rows[0]) for row in rows):
        return None
    return rows


def grouped_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns all of whose values are numbers with points between thousands (1.175,5)
    become numbers. Column by column, never by pandas' ``thousands``, which would read a date
    written 01.02.2020 as the number 1022020."""
    import pandas as pd

    for col in frame.columns:
        values = frame[col].dropna()
        if frame[col].dtype != object or values.empty:
            continue
        text = values.astype(str).str.strip()
        if text.str.fullmatch(_DOT_THOUSANDS).any() and text.str.fullmatch(_GROUPED_OR_PLAIN).all():
            digits = frame[col].astype(str).str.strip().str.replace(".", "", regex=False)
            frame[col] = pd.to_numeric(digits.str.replace(",", ".", regex=False).where(frame[col].notna()))
    return frame
