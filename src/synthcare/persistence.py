"""Saving and loading fitted models: a versioned folder of JSON and arrays, never a pickle.

Layout of a model folder::

    manifest.json   format name and version, synthcare version, engine, parameters, the
                    source fingerprint, and the size and SHA-256 of every other file
    schema.json     the table schema
    engine.json     the engine's learnt metadata
    codec.json      column codec state (fake-name pools)
    arrays.npz      the engine's learnt arrays (loaded with allow_pickle=False)

Loading checks the format version and every file's size and checksum before reading it, so a
truncated or edited file fails with a clear error. The checksums detect corruption and casual
edits; they do not authenticate the author of a model.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from synthcare._version import MODEL_FORMAT_VERSION, __version__
from synthcare.engines.base import BaseSynthesizer
from synthcare.errors import ModelFileError, NotFittedError

FORMAT_NAME = "synthcare-model"
_FILES = ("schema.json", "engine.json", "codec.json", "arrays.npz")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _json_params(model: BaseSynthesizer) -> dict[str, Any]:
    params = {}
    for key, value in model.get_params().items():
        params[key] = value if isinstance(value, (int, float, str, bool, type(None))) else None
    return params


def save_model(model: BaseSynthesizer, path: str | Path) -> Path:
    """Write the fitted ``model`` to the folder ``path`` (created; existing files replaced)."""
    if not hasattr(model, "schema_"):
        raise NotFittedError("Only a fitted model can be saved. Call 'fit' first.")
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise ModelFileError(f"'{folder}' exists and is not a folder; choose another path for the model.")
    folder.mkdir(parents=True, exist_ok=True)
    meta, arrays = model._get_state()
    (folder / "schema.json").write_text(model.schema_.to_json(), encoding="utf-8")
    (folder / "engine.json").write_text(json.dumps(meta, allow_nan=False), encoding="utf-8")
    (folder / "codec.json").write_text(json.dumps(model.codec_.state()), encoding="utf-8")
    with (folder / "arrays.npz").open("wb") as fh:
        np.savez_compressed(fh, **arrays)
    manifest = {
        "format": FORMAT_NAME,
        "format_version": MODEL_FORMAT_VERSION,
        "synthcare_version": __version__,
        "engine": model.engine_name,
        "params": _json_params(model),
        "n_rows": model.n_rows_,
        "source_fingerprint": model.fingerprint_,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "files": {
            name: {"bytes": (folder / name).stat().st_size, "sha256": _sha256(folder / name)}
            for name in _FILES
        },
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return folder


def read_manifest(path: str | Path) -> dict[str, Any]:
    folder = Path(path)
    if not folder.is_dir():
        raise ModelFileError(
            f"No model folder at '{folder}'. Create one with 'synthcare fit DATA --out {folder}'."
        )
    file = folder / "manifest.json"
    if not file.is_file():
        raise ModelFileError(f"'{folder}' is not a synthcare model: it has no manifest.json.")
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"The manifest of '{folder}' is damaged ({exc}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ModelFileError(f"'{folder}' is not a synthcare model (unknown manifest format).")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > MODEL_FORMAT_VERSION:
        raise ModelFileError(
            f"The model in '{folder}' has format version {version!r}, written by synthcare "
            f"{manifest.get('synthcare_version', '?')}; this synthcare ({__version__}) reads format "
            f"versions up to {MODEL_FORMAT_VERSION}. Upgrade synthcare to load it."
        )
    return manifest


def load_model(path: str | Path) -> BaseSynthesizer:
    """Load a model saved by :func:`save_model`, after checking its integrity."""
    from synthcare.columns.table import TableCodec
    from synthcare.data.schema import Schema
    from synthcare.engines.registry import get_engine

    folder = Path(path)
    manifest = read_manifest(folder)
    files = manifest.get("files", {})
    for name in _FILES:
        entry = files.get(name)
        file = folder / name
        if not isinstance(entry, dict) or not file.is_file():
            raise ModelFileError(f"The model in '{folder}' is incomplete: '{name}' is missing.")
        size = file.stat().st_size
        if size != entry.get("bytes"):
            raise ModelFileError(
                f"'{file}' has {size} bytes, but the manifest says {entry.get('bytes')}: the model is "
                "truncated or was changed after saving. Re-create it with 'synthcare fit'."
            )
        if _sha256(file) != entry.get("sha256"):
            raise ModelFileError(
                f"'{file}' does not match its checksum in the manifest: the model was changed after "
                "saving or is damaged. Re-create it with 'synthcare fit'."
            )
    try:
        cls = get_engine(manifest["engine"])
        params = {k: v for k, v in manifest.get("params", {}).items() if k in cls._param_names()}
        model = cls(**params)
        schema = Schema.load(folder / "schema.json")
        meta = json.loads((folder / "engine.json").read_text(encoding="utf-8"))
        codec_state = json.loads((folder / "codec.json").read_text(encoding="utf-8"))
        with np.load(folder / "arrays.npz", allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        model._set_state(meta, arrays)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, zipfile.BadZipFile, OSError) as exc:
        raise ModelFileError(f"The model in '{folder}' cannot be read: {exc}") from None
    model.schema_ = schema
    model.codec_ = TableCodec(
        schema, codec_state.get("pools", {}), codec_state.get("supports", {}), codec_state.get("offsets", {})
    )
    model.n_rows_ = int(manifest.get("n_rows", 0))
    model.fingerprint_ = manifest.get("source_fingerprint", {})
    return model
