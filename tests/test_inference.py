from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthcare.data.inference import infer_schema
from synthcare.data.schema import Schema
from synthcare.errors import DataError, ParameterError, SchemaError, SynthcareWarning

from .conftest import DATASETS, load

# What a careful data steward would say each column is (kind, or kind/action).
EXPECTED = {
    "alzheimers_ad_data": {"male": "boolean", "Genotype": "categorical", "Class": "categorical",
                           "ACE_CD143_Angiotensin_Converti": "float"},
    "breast_rotterdam": {"pid": "identifier", "year": "integer", "age": "integer", "meno": "boolean",
                         "size": "categorical", "nodes": "integer", "rtime": "integer", "death": "boolean"},
    "breast_wdbc": {"mean radius": "float", "worst area": "float", "target": "boolean"},
    "cgd_recurrent": {"id": "identifier", "center": "categorical", "random": "datetime",
                      "treat": "categorical", "height": "float", "tstart": "integer", "status": "boolean"},
    "colon": {"id": "identifier", "rx": "categorical", "age": "integer", "nodes": "integer",
              "status": "boolean", "time": "integer"},
    "covid_testing": {"subject_id": "identifier", "fake_first_name": "direct_identifier",
                      "fake_last_name": "direct_identifier", "test_id": "categorical",
                      "clinic_name": "categorical", "result": "categorical", "age": "float",
                      "payor_group": "categorical", "ct_result": "float"},
    "diabetes_pima": {"npreg": "integer", "glu": "integer", "bmi": "float", "ped": "float",
                      "type": "categorical"},
    "flchain": {"age": "integer", "sex": "categorical", "kappa": "float", "creatinine": "float",
                "futime": "integer", "death": "boolean", "chapter": "categorical"},
    "lung_ncctg": {"inst": "integer", "time": "integer", "status": "integer", "ph.ecog": "integer",
                   "meal.cal": "integer", "wt.loss": "integer"},
    "mgus2": {"id": "identifier", "sex": "categorical", "hgb": "float", "ptime": "integer",
              "pstat": "boolean"},
    "pbcseq_longitudinal": {"id": "identifier", "age": "float", "sex": "categorical", "day": "integer",
                            "ascites": "boolean", "chol": "integer", "stage": "integer"},
}


@pytest.mark.parametrize("name", DATASETS)
def test_inference_is_right_on_every_dataset(name):
    frame = load(name)
    schema = infer_schema(frame)
    assert schema.names == list(frame.columns)
    assert name in EXPECTED, f"add expectations for the new dataset {name}"
    for column, kind in EXPECTED[name].items():
        assert schema[column].kind == kind, (column, schema[column].kind)
    for col in schema.columns:
        assert col.missing_rate == pytest.approx(frame[col.name].isna().mean())
        if col.kind in {"integer", "float"}:
            assert col.minimum == pytest.approx(frame[col.name].min())
            assert col.maximum == pytest.approx(frame[col.name].max())
        if col.kind == "identifier":
            assert col.action == "surrogate"
        if col.kind == "float" and col.precision is not None:
            # rounding output to the inferred precision must not change a real value (beyond
            # the float noise that some sources carry, such as 6.699999999999999)
            values = frame[col.name].dropna().to_numpy()
            assert np.allclose(values.round(col.precision), values, rtol=1e-12, atol=0), col.name
    # the schema survives a JSON round trip unchanged
    assert Schema.from_dict(Schema.model_validate_json(schema.to_json()).model_dump()) == schema


def test_names_and_emails_and_phones_are_direct_identifiers():
    frame = pd.DataFrame({
        "patient_name": [f"Name {i}" for i in range(30)],
        "contact": [f"p{i}@clinic.example" for i in range(30)],
        "tel": [f"+44 20 7946 {i:04d}" for i in range(30)],
        "mrn": [f"MRN{i:05d}" for i in range(30)],
        "record_number": list(range(1000, 1030)),
    })
    schema = infer_schema(frame)
    assert schema["patient_name"].fake_provider == "name"
    assert schema["contact"].fake_provider == "email"
    assert schema["tel"].kind == "direct_identifier"
    assert schema["mrn"].kind == "identifier"
    assert schema["record_number"].kind == "identifier"


def test_problems_are_collected_into_one_error():
    n = 200
    frame = pd.DataFrame({
        "lab": ["1.5"] * (n - 5) + ["high"] * 5,
        "visit": ["2020-01-01"] * (n - 10) + ["not a date"] * 10,
        "code": [f"C{i} x" for i in range(n)],
    })
    with pytest.raises(DataError) as info:
        infer_schema(frame, max_categories=50)
    message = str(info.value)
    assert "'lab' mixes numbers" in message and "high" in message
    assert "'visit' looks like dates" in message and "not a date" in message
    assert "'code' has 200 distinct values" in message


def test_a_100k_category_column_errors_with_advice():
    codes = np.array([f"K{i}" for i in range(100_000)] * 2)
    with pytest.raises(DataError, match="100,000 distinct values.*identifier"):
        infer_schema(pd.DataFrame({"code": codes, "x": np.arange(200_000) % 7}))


def test_all_missing_column_is_kept_with_a_warning():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "empty": [np.nan] * 3})
    with pytest.warns(SynthcareWarning, match="'empty' has no values"):
        schema = infer_schema(frame)
    assert schema["empty"].action == "synthesize" and schema["empty"].missing_rate == 1.0


def test_free_text_is_left_out_with_a_warning():
    notes = [f"Patient seen on visit {i}; reports mild pain and fatigue after treatment." for i in range(40)]
    with pytest.warns(SynthcareWarning, match="free text"):
        schema = infer_schema(pd.DataFrame({"note": notes, "x": range(40)}))
    assert schema["note"].kind == "text" and schema["note"].action == "drop"


def test_schema_validation_errors_say_what_is_wrong(tmp_path):
    schema = infer_schema(load("lung_ncctg")).model_dump()
    schema["columns"][0]["action"] = "fake"
    with pytest.raises(SchemaError, match="action 'fake' is not allowed"):
        Schema.from_dict(schema)
    schema["columns"][0]["action"] = "synthesize"
    schema["schema_version"] = 99
    with pytest.raises(SchemaError, match="newer"):
        Schema.from_dict(schema)
    schema["schema_version"] = 1
    schema["columns"][3].update(minimum=100, maximum=10)  # age, bounds typed the wrong way round
    with pytest.raises(SchemaError, match="column 'age': minimum 100 is above maximum 10"):
        Schema.from_dict(schema)
    schema["columns"][3].update(minimum="young", maximum=10)
    with pytest.raises(SchemaError, match="are not both numbers"):
        Schema.from_dict(schema)
    bad = tmp_path / "s.json"
    bad.write_text("{not json")
    with pytest.raises(SchemaError, match="not a valid JSON"):
        Schema.load(bad)


def test_a_single_text_marker_in_numbers_is_named_in_the_error():
    frame = pd.DataFrame({"dose": [1.5, 2.0, 3.25, 4.0, 5.0] * 20 + ["."]})
    with pytest.raises(DataError, match=r"mixes numbers \(99\.0% of values\).*--na '\.'"):
        infer_schema(frame)


def test_european_dates_are_dates_and_come_back_written_the_same_way():
    import warnings

    import synthcare

    rng = np.random.default_rng(0)
    days = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 700, 300), unit="D")
    stamps = days + pd.to_timedelta(rng.integers(0, 1440, 300), unit="min")
    formats = {"german": "%d.%m.%Y", "german_time": "%d.%m.%Y %H:%M", "dutch": "%d-%m-%Y",
               "us_time": "%m/%d/%Y %H:%M"}
    frame = pd.DataFrame({name: (stamps if "time" in name else days).strftime(fmt) for name, fmt in formats.items()})
    frame["version"] = "1.2.10"  # dotted, but no date
    schema = infer_schema(frame)
    assert {c.name: c.datetime_format for c in schema.columns if c.kind == "datetime"} == formats
    assert schema.columns[1].minimum == stamps.min().isoformat()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and nothing from inside the trees about many distinct values
        out = synthcare.get_engine("cart")(random_state=0).fit(frame).sample(200, random_state=0)
    for name, fmt in formats.items():
        parsed = pd.to_datetime(out[name], format=fmt)  # raises unless written as the source was
        assert days.min() <= parsed.min() and parsed.max() <= stamps.max()


def test_a_draft_schema_keeps_problem_columns_as_drop_and_says_why():
    frame = pd.DataFrame({"dose": [1.5, 2.0, "high", 4.0, 5.0] * 4, "site": list("abcde") * 4})
    with pytest.warns(SynthcareWarning, match="column 'dose' mixes numbers.*set to 'drop' in this schema"):
        draft = infer_schema(frame, strict=False)
    assert [(c.name, c.action) for c in draft.columns] == [("dose", "drop"), ("site", "synthesize")]
    with pytest.raises(DataError, match="column 'dose' mixes numbers"):
        infer_schema(frame)
    with pytest.raises(ParameterError, match="max_categories must be an int of at least 2"):
        infer_schema(frame, max_categories=1)


def test_a_semi_quantitative_result_with_few_values_is_categorical_as_written():
    frame = pd.DataFrame({"crp": [1.2, 3.4, "<0.5", 5.0, 1.0, 2.2, 8.1, "< 0,5", 4.4, 0.9] * 5})
    spec = infer_schema(frame)["crp"]
    assert spec.kind == "categorical" and {"<0.5", "< 0,5", "1.2"} <= set(spec.categories)


def test_text_beside_numbers_that_is_not_a_detection_limit_still_stops_fit():
    frame = pd.DataFrame({"crp": [f"{v:.1f}" for v in range(40)] + ["<0.5", "pending"]})
    with pytest.raises(DataError, match="column 'crp' mixes numbers"):
        infer_schema(frame)
