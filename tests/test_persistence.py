from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import synthcare
from synthcare.errors import ModelFileError

from .conftest import load


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    real = load("breast_rotterdam")
    model = synthcare.CARTSynthesizer(random_state=0).fit(real)
    folder = synthcare.save_model(model, tmp_path_factory.mktemp("m") / "model")
    return real, model, folder


def _copy(folder, tmp_path):
    import shutil

    return shutil.copytree(folder, tmp_path / "copy")


def test_model_folder_is_json_and_arrays_without_pickle(saved):
    _, _, folder = saved
    assert sorted(p.name for p in folder.iterdir()) == [
        "arrays.npz", "codec.json", "engine.json", "manifest.json", "schema.json"
    ]
    with np.load(folder / "arrays.npz", allow_pickle=False) as npz:
        assert all(npz[key].dtype != object for key in npz.files)
    with zipfile.ZipFile(folder / "arrays.npz") as zf:
        assert all(name.endswith(".npy") for name in zf.namelist())


def test_model_holds_no_training_rows(saved):
    real, _, folder = saved
    rows = {tuple(r) for r in real.drop(columns=["pid"]).select_dtypes("number").to_numpy(float)}
    width = len(next(iter(rows)))
    with np.load(folder / "arrays.npz", allow_pickle=False) as npz:
        for key in npz.files:
            arr = npz[key]
            if arr.ndim == 2 and arr.shape[1] == width:
                assert not any(tuple(r) in rows for r in arr.astype(float)), key
    text = "".join(p.read_text() for p in folder.glob("*.json"))
    assert '"pid"' in text  # the column name is there...
    assert json.loads((folder / "codec.json").read_text())["offsets"]["pid"] == 10_000  # ...not its values


@pytest.mark.parametrize("victim", ["arrays.npz", "engine.json", "schema.json", "codec.json"])
def test_tampered_or_truncated_files_are_refused(saved, tmp_path, victim):
    _, _, folder = saved
    copy = _copy(folder, tmp_path)
    data = (copy / victim).read_bytes()
    (copy / victim).write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(ModelFileError, match="checksum"):
        synthcare.load_model(copy)
    (copy / victim).write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="truncated"):
        synthcare.load_model(copy)
    (copy / victim).unlink()
    with pytest.raises(ModelFileError, match="missing"):
        synthcare.load_model(copy)


def test_newer_format_and_foreign_folders_are_refused(saved, tmp_path):
    _, _, folder = saved
    copy = _copy(folder, tmp_path)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["format_version"] = 99
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelFileError, match="format version 99.*Upgrade synthcare"):
        synthcare.load_model(copy)
    (copy / "manifest.json").write_text("{broken")
    with pytest.raises(ModelFileError, match="damaged"):
        synthcare.load_model(copy)
    (copy / "manifest.json").unlink()
    with pytest.raises(ModelFileError, match="no manifest"):
        synthcare.load_model(copy)
    with pytest.raises(ModelFileError, match="No model folder"):
        synthcare.load_model(tmp_path / "absent")


def test_unfitted_models_cannot_be_saved(tmp_path):
    with pytest.raises(synthcare.NotFittedError):
        synthcare.save_model(synthcare.CARTSynthesizer(), tmp_path / "m")
