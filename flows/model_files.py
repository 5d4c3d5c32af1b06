"""The isolation forest's files: saved, found again and loaded, never loaded unchecked.

A fitted forest (:class:`models.forest.LedgerForest`) is saved in the data directory's models
folder as ``<version>-<sha256>.skops``, beside a JSON file of its metadata, and named as the
county's current one in ``current.json`` (the next run reuses it when ``model.reuse`` is on, and
the worker processes start with it loaded, :mod:`flows.preload`).

Two checks stand between a file and the program (on shared storage, as in a Dask cluster,
whoever can write the models folder could otherwise run code in every worker):

- **skops, not pickle.** The file is written with ``skops.io``, whose loader builds only the
  types it is told to trust (:data:`TRUSTED_TYPES` besides its own defaults: NumPy arrays,
  scikit-learn's estimators) and runs no code from the file. A foreign or replaced file
  holding anything else is refused, whoever wrote it.
- **Its SHA-256, kept apart from the file.** The digest of the saved bytes is in the file's
  name, and a run passes that name from the stage that fitted or found the forest to every
  task that loads it in memory (:class:`flows.stages.model.ModelPart`), never through the
  models folder. The bytes are read once, checked against the name, and those same bytes are
  loaded: a file altered after it was saved is refused. (Between runs, ``current.json`` names
  the file; someone who can rewrite both could point it at another forest of trusted types,
  which could change scores but run nothing, as could rewriting the run's parts on the same
  storage.)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from checks.params import AuditParams
from models.features.entry import FEATURES
from models.forest import LedgerForest

CURRENT_MODEL_FILE = "current.json"
# Bumped when a saved model lacks what scoring now needs (2: the training scores' percentiles;
# 3: saved with skops under its SHA-256, no longer pickled; 4: trees on the features declared
# in_forest only).
MODEL_FORMAT = 4
# What a saved forest may hold besides skops's trusted defaults (builtins, NumPy, scikit-learn's
# estimators): the forest's own class and scikit-learn's tree structure.
TRUSTED_TYPES = ["models.forest.LedgerForest", "sklearn.tree._tree.Tree"]
SUFFIX = ".skops"
_NAME = re.compile(r"(?P<version>[0-9a-f]{12})-(?P<digest>[0-9a-f]{64})")


class ModelFileRefused(ValueError):
    """A model file that is not loaded, and why (in Chinese, naming the file)."""


def save_forest(forest: LedgerForest, model_dir: Path) -> Path:
    """Save ``forest`` in ``model_dir`` as ``<version>-<sha256 of the bytes>.skops`` with its
    metadata beside it (written whole, then renamed into place); the files of an earlier fit
    of the same version are removed. Returns the model file's path."""
    import skops.io

    data = skops.io.dumps(forest)
    path = model_dir / f"{forest.version}-{hashlib.sha256(data).hexdigest()}{SUFFIX}"
    model_dir.mkdir(parents=True, exist_ok=True)
    _write_whole(path, data)
    _write_whole(path.with_suffix(".json"), json.dumps(
        forest.metadata(), ensure_ascii=False, indent=2).encode())
    for earlier in model_dir.glob(f"{forest.version}-*{SUFFIX}"):
        if earlier != path:
            earlier.unlink(missing_ok=True)
            earlier.with_suffix(".json").unlink(missing_ok=True)
    return path


def _write_whole(path: Path, data: bytes) -> None:
    """``data`` at ``path``, which never holds part of it: written beside, then renamed."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def load_forest(path: Path) -> LedgerForest:
    """The forest saved at ``path`` by :func:`save_forest`, after checking its bytes against
    the SHA-256 in its name; loaded by skops with :data:`TRUSTED_TYPES` only.

    Raises :class:`ModelFileRefused` for a file named otherwise, altered since it was saved,
    holding other types, or fitted with another scikit-learn."""
    import sklearn
    import skops.io
    from skops.io.exceptions import UntrustedTypesFoundException

    named = _NAME.fullmatch(path.name.removesuffix(SUFFIX)) if path.suffix == SUFFIX else None
    if named is None:
        raise ModelFileRefused(
            f"模型文件 {path} 不是本程序保存的模型（文件名应为“版本-SHA-256{SUFFIX}”），拒绝载入")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ModelFileRefused(f"模型文件 {path} 无法读取：{error}") from error
    if hashlib.sha256(data).hexdigest() != named["digest"]:
        raise ModelFileRefused(
            f"模型文件 {path} 保存后被改动过（内容的 SHA-256 与文件名中的不符），拒绝载入；"
            "请删除该文件，下次运行将重新训练模型")
    try:
        forest = skops.io.loads(data, trusted=TRUSTED_TYPES)
    except UntrustedTypesFoundException as error:
        raise ModelFileRefused(
            f"模型文件 {path} 含有模型中不应有的类型（{error}），拒绝载入") from error
    except Exception as error:  # not a skops file at all
        raise ModelFileRefused(
            f"模型文件 {path} 不是可读的模型文件（{error}），拒绝载入") from error
    if not isinstance(forest, LedgerForest):
        raise ModelFileRefused(
            f"模型文件 {path} 存的不是审计模型（而是 {type(forest).__name__}），拒绝载入")
    fitted_with = forest.metadata()["sklearn_version"]
    if fitted_with != sklearn.__version__:
        raise ModelFileRefused(
            f"模型 {path} 由 scikit-learn {fitted_with} 训练，当前为 {sklearn.__version__}，"
            "请重新训练")
    return forest


@cache
def saved_forest(path: str) -> LedgerForest:
    """The forest saved at ``path`` (:func:`load_forest`), loaded once per process: a model
    file is never rewritten, its name is its content's digest."""
    return load_forest(Path(path))


def preload_current_forest(model_dir: Path) -> str | None:
    """Load the forest ``model_dir`` holds as current into :func:`saved_forest`'s memory, so
    that a rerun reusing it does not load it again (about half a second in each worker
    process); returns its path, or None when there is none or it is refused (the run that
    wants it then says why)."""
    import skops.io  # noqa: F401  (and scikit-learn): imported once, before any model is loaded

    try:
        current = json.loads((model_dir / CURRENT_MODEL_FILE).read_text(encoding="utf-8"))
        path = str(model_dir / current["file"])
        saved_forest(path)
    except Exception:
        return None
    return path


def obtain_forest(training: Callable[[], pd.DataFrame], training_period: tuple[str, str],
                  params: AuditParams, model_dir: Path | None, *, reuse: bool
                  ) -> tuple[LedgerForest, dict[str, Any]]:
    """The forest to score with, and how it was obtained (reused, or fitted and why).

    ``training()`` gives the features a new forest is fitted on (a run's entries, or a sample
    of them); it is not called when a saved forest is reused.
    With ``reuse``, a saved forest with the same settings and features in ``model_dir``
    is reused instead; a fitted forest is saved there as the current one.
    """
    settings = params.model
    wanted = [settings.n_estimators, settings.max_samples, settings.seed, list(FEATURES),
              MODEL_FORMAT]
    why = ("未指定模型目录，本次训练" if model_dir is None
           else "模型目录中没有模型，本次训练" if reuse
           else "本次训练（未要求沿用已保存的模型）")
    if reuse and model_dir is not None and (model_dir / CURRENT_MODEL_FILE).exists():
        current = json.loads((model_dir / CURRENT_MODEL_FILE).read_text(encoding="utf-8"))
        why = "模型参数或特征已变化，重新训练"
        if current.get("settings") == wanted:
            try:
                forest = saved_forest(str(model_dir / current["file"]))
            except Exception as error:  # a refused or unreadable model file: retrain, say why
                why = f"已保存的模型不可用（{error}），重新训练"
            else:
                return forest, {"reused": True, "how": "沿用已保存的模型",
                                "file": str(model_dir / current["file"])}
    forest = LedgerForest(
        n_estimators=settings.n_estimators, max_samples=settings.max_samples, seed=settings.seed
    ).fit(training(), training_period=training_period)
    obtained = {"reused": False, "how": why}
    if model_dir is not None:
        path = save_forest(forest, model_dir)
        _write_whole(model_dir / CURRENT_MODEL_FILE, json.dumps(
            {"file": path.name, "settings": wanted}, ensure_ascii=False).encode())
        obtained["file"] = str(path)
    return forest, obtained
