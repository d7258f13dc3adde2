"""Reading and writing tables: CSV, Parquet and pandas DataFrames, with clear errors."""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Union

from synthcare.data.csvformat import check_marks, default_sep, grouped_numbers, sniff_csv
from synthcare.errors import DataError, DataFileNotFoundError

if TYPE_CHECKING:
    import pandas as pd

TableLike = Union["pd.DataFrame", str, Path]

_PARQUET = {".parquet", ".pq"}
_EXCEL = {".xlsx", ".xlsm"}
_CSV = {".csv", ".tsv", ".txt", ".gz", ".bz2", ".zip", ".xz"}


def read_table(
    source: TableLike,
    *,
    encoding: str = "utf-8",
    sep: str | None = None,
    decimal: str | None = None,
    na_values: Sequence[str] = (),
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read a table from a CSV, Parquet or Excel (.xlsx) file, or copy a DataFrame, checking it
    is usable. An Excel workbook is read from ``sheet`` (a name or 0-based position), by default
    its first sheet, with a warning naming the others when it has more.

    A CSV's field separator and decimal mark are found from its first lines (see
    :func:`sniff_csv`) unless ``sep`` or ``decimal`` say them. ``na_values`` are more markers of
    a missing value besides an empty field and pandas' usual ones (``NA``, ``NaN``, ``null``...),
    such as ``"."`` in SAS exports; a text value equal to one (surrounding spaces aside) is
    read as missing, whatever the source.

    Raises :class:`~synthcare.errors.DataError` (or its ``FileNotFoundError`` subclass) with a
    message that says what was wrong, what was received and how to fix it.
    """
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        _check_columns([str(c) for c in frame.columns], "the DataFrame")
        frame.columns = [str(c) for c in frame.columns]
        where = "the DataFrame"
    elif isinstance(source, (str, Path)):
        path = Path(source)
        frame = _read_file(path, encoding, sep, decimal, na_values, sheet)
        where = f"'{path}'"
    else:
        raise DataError(
            f"Cannot read a table from an object of type {type(source).__name__}. "
            "Pass a pandas DataFrame or the path of a .csv or .parquet file."
        )
    if frame.shape[1] == 0:
        raise DataError(f"{where} has no columns. Check the file is a table with a header row.")
    if frame.shape[0] == 0:
        raise DataError(
            f"{where} has a header ({frame.shape[1]} columns) but no rows. "
            "A synthetic table needs real rows to learn from."
        )
    return _as_missing(frame, na_values) if na_values else frame


def _as_missing(frame: pd.DataFrame, markers: Sequence[str]) -> pd.DataFrame:
    """Text values equal to a marker, spaces aside, become missing; a text column that then holds
    only numbers becomes a number column."""
    import pandas as pd

    markers = {str(m).strip() for m in markers}
    for col in frame.columns:
        if frame[col].dtype != object:
            continue
        marked = frame[col].notna() & frame[col].astype(str).str.strip().isin(markers)
        if marked.any():
            values = frame[col].where(~marked)
            numbers = pd.to_numeric(values, errors="coerce")
            frame[col] = numbers if numbers.notna().sum() == values.notna().sum() else values
    return frame


def _read_excel(path: Path, sheet: str | int | None, na_values: Sequence[str]) -> pd.DataFrame:
    """The first sheet of a workbook (or ``sheet``), warning when there are more."""
    import pandas as pd

    from synthcare._optional import require
    from synthcare.errors import SynthcareWarning

    require("openpyxl", "Reading Excel files")
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise DataError(f"'{path}' is not a readable Excel workbook: {exc}") from exc
    with book:
        names = [str(n) for n in book.sheet_names]
        if sheet is None and len(names) > 1:
            warnings.warn(f"'{path.name}' has {len(names)} sheets {names}; reading the first, '{names[0]}'. "
                          "Name another with --sheet (sheet= in read_table).", SynthcareWarning, stacklevel=4)
        chosen = 0 if sheet is None else sheet
        if (isinstance(chosen, str) and chosen not in names) or (
                isinstance(chosen, int) and not 0 <= chosen < len(names)):
            raise DataError(f"'{path.name}' has no sheet {chosen!r}; its sheets are {names}.")
        header = book.parse(chosen, header=None, nrows=1)
        # pandas renames a repeated name 'a' to 'a.1': check the names as the sheet has them
        _check_columns(["" if pd.isna(h) else str(h).strip() for h in header.iloc[0]] if len(header) else [],
                       f"'{path}'")
        frame = book.parse(chosen, na_values=list(na_values) or None)
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _read_file(
    path: Path,
    encoding: str,
    sep: str | None = None,
    decimal: str | None = None,
    na_values: Sequence[str] = (),
    sheet: str | int | None = None,
) -> pd.DataFrame:
    import pandas as pd

    if not path.exists():
        raise DataFileNotFoundError(f"No such file: '{path}'. Check the path and try again.")
    if path.is_dir():
        raise DataError(f"'{path}' is a folder, not a table file. Pass a .csv or .parquet file.")
    if path.stat().st_size == 0:
        raise DataError(f"'{path}' is empty (0 bytes). Pass a CSV with a header row and data.")
    suffix = path.suffix.lower()
    if suffix in _EXCEL:
        return _read_excel(path, sheet, na_values)
    if suffix in _PARQUET:
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many unrelated types for a bad file
            raise DataError(f"'{path}' is not a readable Parquet file: {exc}") from exc
        _check_columns([str(c) for c in frame.columns], f"'{path}'")
        return frame
    if suffix not in _CSV:
        raise DataError(
            f"'{path}' has the extension '{suffix or '(none)'}', which synthcare does not read. "
            "Use .csv (or .tsv, optionally compressed), .parquet or .xlsx."
        )
    compressed = suffix in {".gz", ".bz2", ".zip", ".xz"}
    if not compressed:
        head = path.read_bytes()[:8192]
        if b"\x00" in head:
            raise DataError(f"'{path}' looks like a binary file, not a text table (CSV).")
        try:
            head.decode(encoding)
        except UnicodeDecodeError as exc:
            raise _decode_error(path, encoding, exc) from exc
    form = sniff_csv(path, encoding=encoding, sep=sep, decimal=decimal)
    if not compressed:
        header = next(csv.reader(io.StringIO(head.decode(encoding, errors="ignore")), delimiter=form.sep), [])
        _check_columns([h.strip() for h in header], f"'{path}'")
    try:
        with warnings.catch_warnings():
            # index_col=False: lines ending in a separator the header lacks are read as they stand
            # (pandas would otherwise shift every value one column left); lines with more values
            # than the header has names warn, and that is an error here
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(path, sep=form.sep, decimal=form.decimal, encoding=encoding,
                                na_values=list(na_values) or None, index_col=False, low_memory=False)
        return frame if form.thousands is None else grouped_numbers(frame)
    except pd.errors.ParserWarning as exc:
        raise DataError(
            f"'{path}' has lines with more fields than its header has column names, so values would be "
            f"lost. Read as {form.describe()}. Give every column a name in the header, or, if the file "
            "uses another separator, name it (sep=';', or --sep ';' on the command line)."
        ) from exc
    except UnicodeDecodeError as exc:
        raise _decode_error(path, encoding, exc) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"'{path}' has no header and no data. Pass a CSV with a header row.") from exc
    except pd.errors.ParserError as exc:
        raise DataError(
            f"'{path}' is not a well-formed table: {str(exc).strip()}. Read as {form.describe()}: every "
            f"line must have the same number of {form.sep_name}-separated fields as the header. If the file uses "
            "another separator, name it (sep=';', or --sep ';' on the command line)."
        ) from exc


def _decode_error(path: Path, encoding: str, exc: UnicodeDecodeError) -> DataError:
    return DataError(
        f"'{path}' is not valid {encoding} text (byte {exc.object[exc.start:exc.start + 1]!r} at "
        f"position {exc.start}). Re-save it as UTF-8, or pass the file's encoding "
        "(for example encoding='latin-1', or --encoding latin-1 on the command line)."
    )


def _check_columns(names: list[str], where: str) -> None:
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    dupes = sorted(n for n, k in seen.items() if k > 1)
    if dupes:
        raise DataError(
            f"{where} has duplicate column names: {', '.join(repr(d) for d in dupes)}. "
            "Rename the columns so that each name is unique."
        )
    blank = [i for i, n in enumerate(names) if n == "" or n.startswith("Unnamed: ")]
    if blank and len(names) > 1 and blank != [0]:
        raise DataError(
            f"{where} has columns without a name at positions {blank}. Give every column a name."
        )


def write_table(frame: pd.DataFrame, path: str | Path, *, sep: str | None = None, decimal: str = ".") -> Path:
    """Write ``frame`` as CSV or Parquet, chosen by the file extension. A CSV is comma-separated
    (tab for ``.tsv``) with decimal points unless ``sep`` / ``decimal`` say otherwise (``';'``
    and ``','`` for spreadsheets in most of Europe)."""
    path = Path(path)
    suffix = path.suffix.lower()
    sep = default_sep(path) if sep is None else sep
    check_marks(sep, decimal)
    if suffix in _PARQUET:
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path, index=False)
    elif suffix in {".csv", ".tsv", ".gz"}:
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False, sep=sep, decimal=decimal)
    else:
        raise DataError(
            f"Cannot write '{path}': the extension '{suffix or '(none)'}' is not supported. "
            "Use .csv or .parquet."
        )
    return path
