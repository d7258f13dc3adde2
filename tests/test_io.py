from __future__ import annotations

import pandas as pd
import pytest

from synthcare.data.csvformat import CsvFormat, sniff_csv
from synthcare.data.io import read_table, write_table
from synthcare.errors import DataError, DataFileNotFoundError, ParameterError, SynthcareWarning

from .conftest import DATA_DIR


def test_reads_csv_parquet_and_frames_identically(tmp_path):
    csv = DATA_DIR / "lung_ncctg.csv"
    frame = read_table(csv)
    parquet = write_table(frame, tmp_path / "lung.parquet")
    pd.testing.assert_frame_equal(read_table(parquet), frame)
    pd.testing.assert_frame_equal(read_table(frame), frame)
    assert frame.shape == (228, 10)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"a,b,c\n", "no rows"),
        (b"a,b,a\n1,2,3\n", "duplicate column names"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        (b"name,age\n\xff\xfe\xfa,3\n", "not valid utf-8"),
        (b"a,b\n1,2\n3,4,5,6\n", "not a well-formed table"),
        (b"a,b\n1,2,3\n4,5,6\n", "more fields than its header"),  # pandas would shift values silently
    ],
)
def test_bad_files_get_clear_errors(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=f"(?i){message}"):
        read_table(path)


def test_missing_file_and_folder_and_extension(tmp_path):
    with pytest.raises(DataFileNotFoundError, match="No such file"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(FileNotFoundError):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="folder"):
        read_table(tmp_path)
    other = tmp_path / "data.docx"
    other.write_bytes(b"xx")
    with pytest.raises(DataError, match="extension"):
        read_table(other)
    other = tmp_path / "data.xlsx"
    other.write_bytes(b"xx")
    with pytest.raises(DataError, match="not a readable Excel workbook"):
        read_table(other)
    with pytest.raises(DataError, match="DataFrame or the path"):
        read_table(42)


def test_duplicate_columns_in_a_frame_are_refused():
    frame = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(DataError, match="duplicate"):
        read_table(frame)


def test_other_encodings_can_be_named(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("name,city\nJos\xe9,M\xe1laga\n".encode("latin-1"))
    assert read_table(path, encoding="latin-1").iloc[0, 1] == "Málaga"


def test_european_csv_reads_like_the_plain_one(tmp_path):
    """Spreadsheets in most of Europe save ';'-separated files with decimal commas."""
    lung = read_table(DATA_DIR / "lung_ncctg.csv")
    for name in ("lung.csv", "lung.csv.gz", "lung.txt"):
        lung.to_csv(tmp_path / name, sep=";", decimal=",", index=False)
        assert sniff_csv(tmp_path / name) == CsvFormat(";", ",")
        pd.testing.assert_frame_equal(read_table(tmp_path / name), lung)
    lung.to_csv(tmp_path / "pipes.csv", sep="|", index=False)
    pd.testing.assert_frame_equal(read_table(tmp_path / "pipes.csv"), lung)
    lung.to_csv(tmp_path / "tabs.txt", sep="\t", index=False)
    pd.testing.assert_frame_equal(read_table(tmp_path / "tabs.txt"), lung)


def test_points_between_thousands_and_named_formats(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("patient;dose;date\n1;1.175,5;01.02.2020\n2;3,25;03.04.2021\n")
    frame = read_table(path)
    assert frame["dose"].tolist() == [1175.5, 3.25] and frame["date"].tolist() == ["01.02.2020", "03.04.2021"]
    # named by the user: read as said, even where that is not what the file is
    assert read_table(path, sep=";", decimal=".")["dose"].tolist() == ["1.175,5", "3,25"]
    with pytest.raises(DataError, match="more fields than its header.*--sep"):
        read_table(path, sep=",")
    with pytest.raises(ParameterError, match="decimal must be"):
        read_table(path, decimal=";")


def test_a_comma_csv_stays_one_whatever_its_text_holds(tmp_path):
    """Text with semicolons, and quoted line breaks across the 64 KB the format is found from."""
    notes = [f"seen; stable\nnext visit in {i % 9} weeks; no change" for i in range(3000)]
    frame = pd.DataFrame({"id": range(3000), "note": notes, "dose": [i / 4 for i in range(3000)]})
    frame.to_csv(tmp_path / "notes.csv", index=False)
    assert (tmp_path / "notes.csv").stat().st_size > 65536
    assert sniff_csv(tmp_path / "notes.csv") == CsvFormat()
    pd.testing.assert_frame_equal(read_table(tmp_path / "notes.csv"), frame)


def test_lines_ending_in_a_separator_keep_their_values_in_place(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("a;b\n1;2;\n4;5;\n")
    frame = read_table(path)
    assert list(frame.columns) == ["a", "b"] and frame.to_numpy().tolist() == [[1, 2], [4, 5]]


def test_named_missing_markers_read_as_missing_from_any_source(tmp_path):
    """SAS exports write a missing number as '.'; without saying so the column is mixed text."""
    lung = read_table(DATA_DIR / "lung_ncctg.csv")
    marked = lung.astype(object).where(lung.notna(), " . ")
    marked.to_csv(tmp_path / "sas.csv", index=False)
    pd.testing.assert_frame_equal(read_table(tmp_path / "sas.csv", na_values=["."]), lung)
    assert read_table(tmp_path / "sas.csv")["wt.loss"].dtype == object  # not said: left as it is
    from_frame = read_table(marked, na_values=["."])
    pd.testing.assert_frame_equal(from_frame, lung, check_dtype=False)
    codes = pd.DataFrame({"zip": ["01234", "."], "site": ["a", "b"]})
    assert read_table(codes, na_values=["x"])["zip"].tolist() == ["01234", "."]  # no marker, untouched


def test_excel_workbooks_read_like_csv_with_a_sheet_chosen(tmp_path):
    lung = read_table(DATA_DIR / "lung_ncctg.csv")
    path = tmp_path / "clinic.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as book:
        lung.to_excel(book, sheet_name="Patienten", index=False)
        lung.head(20).to_excel(book, sheet_name="Notizen", index=False)
    with pytest.warns(SynthcareWarning, match=r"2 sheets \['Patienten', 'Notizen'\]; reading the first"):
        first = read_table(path)
    pd.testing.assert_frame_equal(first, lung, check_dtype=False)
    assert len(read_table(path, sheet="Notizen")) == 20 and len(read_table(path, sheet=1)) == 20
    with pytest.raises(DataError, match="no sheet 'Labor'"):
        read_table(path, sheet="Labor")
    twice = tmp_path / "twice.xlsx"
    pd.DataFrame([[1, 2]], columns=["age", "age "]).to_excel(twice, index=False)
    with pytest.raises(DataError, match="duplicate column names: 'age'"):
        read_table(twice)
