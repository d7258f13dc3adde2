from __future__ import annotations

import pandas as pd
import pytest

from synthcare.data.io import read_table, write_table
from synthcare.errors import DataError, DataFileNotFoundError

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
    other = tmp_path / "data.xlsx"
    other.write_bytes(b"xx")
    with pytest.raises(DataError, match="extension"):
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
