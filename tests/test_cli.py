from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from synthcare.cli import app

from .conftest import DATA_DIR

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_schema_fit_sample_end_to_end(tmp_path):
    data = DATA_DIR / "mgus2.csv"
    result = run("schema", data, "--out", tmp_path / "schema.json")
    assert result.exit_code == 0, result.output
    schema = json.loads((tmp_path / "schema.json").read_text())
    schema["columns"][1]["action"] = "drop"  # the user edits the schema: leave out 'age'
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    result = run("fit", data, "--out", tmp_path / "model", "--schema", tmp_path / "schema.json",
                 "--engine", "cart", "--seed", 1)
    assert result.exit_code == 0, result.output
    for suffix in ("csv", "parquet"):
        out = tmp_path / f"syn.{suffix}"
        result = run("sample", tmp_path / "model", "--rows", 250, "--out", out, "--seed", 3)
        assert result.exit_code == 0, result.output
        frame = pd.read_csv(out) if suffix == "csv" else pd.read_parquet(out)
        assert len(frame) == 250 and "age" not in frame.columns
        card = json.loads((tmp_path / "syn.card.json").read_text())
        assert card["synthetic"] is True and card["seed"] == 3 and card["rows"] == 250
        assert card["generator"]["engine"] == "cart" and card["generator"]["version"]
        assert len(card["source_fingerprint"]["sha256"]) == 64 and card["created"]
        assert card["column_handling"] == {"id": "surrogate", "age": "drop"}


def test_schema_table_never_rounds_a_missing_rate_onto_none_or_all(tmp_path):
    frame = pd.DataFrame({"few": [None] + list(range(249)), "most": [None] * 249 + [1.0],
                          "half": [None, 1.0] * 125, "none": range(250)})
    frame.to_csv(tmp_path / "t.csv", index=False)
    result = run("schema", tmp_path / "t.csv", "--out", tmp_path / "schema.json")
    assert result.exit_code == 0, result.output
    rows = {line.split()[1]: line.split()[-2] for line in result.output.splitlines() if line.count("│") == 5}
    assert rows == {"few": "0.4%", "most": "99.6%", "half": "50%", "none": "0%"}


def test_a_european_csv_is_read_and_the_cli_says_how(tmp_path):
    lung = pd.read_csv(DATA_DIR / "lung_ncctg.csv")
    lung.to_csv(tmp_path / "lung.csv", sep=";", decimal=",", index=False)
    result = run("fit", tmp_path / "lung.csv", "--out", tmp_path / "model", "--seed", 1)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # rich wraps lines at the terminal's width
    assert "semicolon-separated, decimal commas" in said and "228 rows x 10 columns" in said
    for name, marks in (("plain.csv", []), ("eu.csv", ["--sep", ";", "--decimal", ","])):
        result = run("sample", tmp_path / "model", "--rows", 50, "--out", tmp_path / name, "--seed", 2, *marks)
        assert result.exit_code == 0, result.output
    assert (tmp_path / "eu.csv").read_text().splitlines()[0] == ";".join(lung.columns)
    from synthcare.data.io import read_table

    pd.testing.assert_frame_equal(read_table(tmp_path / "eu.csv"), pd.read_csv(tmp_path / "plain.csv"))
    result = run("sample", tmp_path / "model", "--rows", 5, "--out", tmp_path / "x.csv", "--sep", ",", "--decimal", ",")
    assert result.exit_code == 2 and "cannot both be ','" in result.output
    result = run("schema", tmp_path / "lung.csv", "--out", tmp_path / "s.json", "--sep", ",")
    said = " ".join(result.output.split())
    assert result.exit_code == 2 and "Read as comma-separated" in said and "--sep ';'" in said


def test_a_column_of_many_codes_gets_a_draft_schema_and_a_way_through(tmp_path):
    """1,200 diagnosis codes: more than the default 1,000 categories."""
    import numpy as np

    rng = np.random.default_rng(0)
    codes = [f"{chr(65 + i % 26)}{i // 26:02d}.{i % 7}" for i in range(1200)]
    frame = pd.DataFrame({"icd10": rng.permutation(np.resize(codes, 3000)), "age": rng.integers(18, 90, 3000)})
    frame.to_csv(tmp_path / "dx.csv", index=False)
    result = run("fit", tmp_path / "dx.csv", "--out", tmp_path / "m")
    assert result.exit_code == 2 and "--max-categories" in " ".join(result.output.split())
    result = run("schema", tmp_path / "dx.csv", "--out", tmp_path / "s.json")
    assert result.exit_code == 0 and "set to 'drop' in this schema" in " ".join(result.output.split())
    draft = json.loads((tmp_path / "s.json").read_text())
    assert [(c["name"], c["action"]) for c in draft["columns"]] == [("icd10", "drop"), ("age", "synthesize")]
    result = run("fit", tmp_path / "dx.csv", "--out", tmp_path / "m", "--max-categories", 2000, "--seed", 0)
    assert result.exit_code == 0, result.output
    result = run("sample", tmp_path / "m", "--rows", 500, "--out", tmp_path / "out.csv", "--seed", 0)
    out = pd.read_csv(tmp_path / "out.csv")
    assert out["icd10"].isin(codes).all() and out["icd10"].nunique() > 300


def test_fit_reads_the_named_sheet_of_an_excel_workbook(tmp_path):
    lung = pd.read_csv(DATA_DIR / "lung_ncctg.csv")
    with pd.ExcelWriter(tmp_path / "clinic.xlsx", engine="openpyxl") as book:
        pd.DataFrame({"note": ["read me"]}).to_excel(book, sheet_name="Info", index=False)
        lung.to_excel(book, sheet_name="Patienten", index=False)
    result = run("fit", tmp_path / "clinic.xlsx", "--sheet", "Patienten", "--out", tmp_path / "m", "--seed", 0)
    assert result.exit_code == 0 and "228 rows x 10 columns" in " ".join(result.output.split()), result.output


def test_demo_writes_table_card_and_model(tmp_path):
    result = run("demo", "--out-dir", tmp_path)
    assert result.exit_code == 0, result.output
    assert "real vs synthetic" in result.output
    frame = pd.read_csv(tmp_path / "breast_rotterdam_synthetic.csv")
    assert frame.shape == (2982, 15)
    assert (tmp_path / "breast_rotterdam_synthetic.card.json").is_file()
    assert (tmp_path / "model" / "manifest.json").is_file()


@pytest.mark.parametrize(
    "args, message",
    [
        (["schema", "missing.csv"], "No such file"),
        (["fit", "missing.csv", "--out", "m"], "No such file"),
        (["fit", DATA_DIR / "lung_ncctg.csv", "--out", "m", "--engine", "gan"], "no engine named 'gan'"),
        (["sample", "nomodel", "--rows", 5, "--out", "x.csv"], "No model folder"),
    ],
)
def test_errors_are_messages_not_tracebacks(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_rows_and_bad_files(tmp_path):
    assert run("fit", DATA_DIR / "lung_ncctg.csv", "--out", tmp_path / "m").exit_code == 0
    for rows in (0, -5):
        result = run("sample", tmp_path / "m", "--rows", rows, "--out", tmp_path / "x.csv")
        assert result.exit_code == 2 and "positive int" in result.output
    header_only = tmp_path / "h.csv"
    header_only.write_text("a,b,c\n")
    result = run("fit", header_only, "--out", tmp_path / "m2")
    assert result.exit_code == 2 and "no rows" in result.output
    result = run("sample", tmp_path / "m", "--rows", 5, "--out", tmp_path / "x.xlsx")
    assert result.exit_code == 2 and "not supported" in result.output


def test_every_command_has_help():
    for command in ([], ["schema"], ["fit"], ["sample"], ["demo"], ["engines"]):
        result = run(*command, "--help")
        assert result.exit_code == 0 and "Usage" in result.output
