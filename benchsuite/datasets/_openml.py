"""OpenML datasets and tasks (``openml:<data id>``, ``openml:task:<task id>``).

OpenML's REST API (v1, JSON) is read directly: the data description, the features and the
ARFF data file of a dataset; the description and fold file of a task. Every answer is kept
gzip-compressed in ``<cache dir>/openml/openml.org/<URL path>.gz``, scikit-learn's
``fetch_openml`` cache layout (so either can fill it for the other), and read from there
ever after: a filled cache works offline. The server is ``BENCHSUITE_OPENML_URL`` (default
``https://www.openml.org/``: a mirror, or a test server); ``BENCHSUITE_OFFLINE=1`` forbids
requests; every failure is a one-line error naming the dataset. The data file's md5 is
checked against the description's. Reading the data and fold files is
:mod:`benchsuite.datasets._load_openml`'s.

A task brings its target and its official folds: ``evaluation: {split: openml}`` runs
every (repeat, fold) of the task's estimation procedure, numbered
``repeat * n_folds + fold``; a holdout task's single split is also its ``official``
split.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from benchsuite.errors import ConfigError, DataError, one_line

OPENML_URL = "https://www.openml.org/"
# supervised task types benchsuite can run (OpenML's task_type_id)
_TASK_TYPES = {"1": "classification", "2": "regression"}
_SHORT = re.compile(r"^openml:(?:(task):)?(\d+)$")


def openml_url() -> str:
    """The OpenML server: ``BENCHSUITE_OPENML_URL``, default ``https://www.openml.org/``."""
    url = os.environ.get("BENCHSUITE_OPENML_URL") or OPENML_URL
    return url if url.endswith("/") else url + "/"


def openml_home() -> Path:
    """The OpenML cache folder, ``<cache dir>/openml`` (scikit-learn's ``fetch_openml``
    uses ``<data_home>/openml``: the same files with ``data_home=<cache dir>``)."""
    from benchsuite.datasets._env import cache_dir

    return cache_dir() / "openml"


def parse_shorthand(text: str) -> dict[str, int] | None:
    """``"openml:31"`` -> ``{"data_id": 31}``; ``"openml:task:59"`` -> ``{"task_id": 59}``.

    Returns None when ``text`` is not such a shorthand.
    """
    match = _SHORT.match(text.strip())
    if match is None:
        return None
    return {"task_id" if match.group(1) else "data_id": int(match.group(2))}


def shorthand_name(params: dict[str, int]) -> str:
    """The entry name a shorthand gets: ``openml-31`` or ``openml-task-59``."""
    if "task_id" in params:
        return f"openml-task-{params['task_id']}"
    return f"openml-{params['data_id']}"


def check_params(params: dict[str, Any]) -> None:
    """Check ``params`` of an ``openml`` entry: exactly one of ``data_id``, ``task_id``."""
    for key in params:
        if key not in ("data_id", "task_id"):
            from benchsuite._suggest import did_you_mean

            hint = did_you_mean(str(key), ["data_id", "task_id"])
            raise ConfigError(
                f"unknown parameter {key!r} for openml{hint}; "
                "it takes data_id (a dataset) or task_id (a task and its folds)",
                ("params", key),
            )
        value = params[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{key} must be a positive integer, got {value!r}", ("params", key))
    if len(params) != 1:
        raise ConfigError(
            "openml needs one of params.data_id (a dataset) or params.task_id (a task), "
            "e.g. source: openml:31 or openml:task:59",
            ("params",),
        )


# -- the HTTP cache --------------------------------------------------------------------------


def _local(path: str) -> Path:
    # scikit-learn's layout: <data_home>/openml.org/<url path>.gz
    return openml_home() / "openml.org" / (path + ".gz")


def _fetch(path: str, *, name: str, missing: str) -> Path:
    """The cached (gzip) copy of the OpenML resource at ``path``, downloaded if needed.

    ``missing`` says what a 404/412 answer means (``"no OpenML dataset with id 7"``).
    """
    local = _local(path)
    if local.is_file():
        return local
    from benchsuite.datasets._env import is_offline

    url = openml_url() + path
    if is_offline():
        task = re.match(r"api/v1/json/task/(\d+)", path)
        data = re.match(r"api/v1/json/data/(?:features/|qualities/)?(\d+)", path)
        ref = (
            f"openml:task:{task.group(1)}"
            if task
            else f"openml:{data.group(1)}"
            if data
            else "openml:<id>"
        )
        raise DataError(
            f"{name}: {url} is not in the OpenML cache {openml_home()} and downloads are off "
            f"(BENCHSUITE_OFFLINE=1); unset BENCHSUITE_OFFLINE, or run "
            f"'benchsuite data fetch {ref}' where the network is reachable"
        )
    import http.client
    import urllib.error
    import urllib.request

    from benchsuite import __version__
    from benchsuite.datasets._download import DOWNLOAD_TIMEOUT_S

    request = urllib.request.Request(
        url, headers={"Accept-Encoding": "gzip", "User-Agent": f"benchsuite/{__version__}"}
    )
    local.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{local.name}.", suffix=".part", dir=local.parent)
    try:
        with (
            os.fdopen(fd, "wb") as raw,
            urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response,
        ):
            zipped = response.headers.get("Content-Encoding", "") == "gzip"
            # stored compressed either way, as scikit-learn expects
            out = raw if zipped else gzip.GzipFile(fileobj=raw, mode="wb", mtime=0)
            with out if out is not raw else contextlib.nullcontext():
                while chunk := response.read(1 << 20):
                    out.write(chunk)
        os.replace(tmp, local)
    except urllib.error.HTTPError as exc:
        _unlink(tmp)
        if exc.code in (404, 412):
            detail = _server_message(exc)
            raise DataError(
                f"{name}: {missing} (OpenML answered {exc.code}{': ' + detail if detail else ''})"
            ) from None
        raise DataError(f"{name}: cannot download {url}: {one_line(exc)}") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        _unlink(tmp)
        raise DataError(f"{name}: cannot download {url}: {one_line(exc)}") from None
    except BaseException:
        _unlink(tmp)
        raise
    return local


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _server_message(exc: Any) -> str:
    """OpenML's own error message from an error response body, if it has one."""
    try:
        body = exc.read()
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        error = json.loads(body)["error"]
        return str(error.get("message", "")).strip()
    except Exception:  # noqa: BLE001 (any unreadable body: no detail)
        return ""


def _json(path: str, *, name: str, missing: str) -> dict[str, Any]:
    local = _fetch(path, name=name, missing=missing)
    try:
        with gzip.open(local, "rt", encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError, EOFError) as exc:
        local.unlink(missing_ok=True)  # a damaged cache entry is fetched again next time
        raise DataError(f"{name}: unreadable OpenML answer for {path}: {one_line(exc)}") from None


# -- metadata ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenMLTask:
    """What benchsuite uses of an OpenML task.

    Attributes
    ----------
    task_id, data_id : int
    target : str
        The task's target feature.
    kind : {"classification", "regression"}
    procedure : str
        The estimation procedure, e.g. ``"crossvalidation"`` or ``"holdout"``.
    n_repeats, n_folds : int
    splits_path : str
        URL path of the fold file (ARFF: type, rowid, repeat, fold).
    """

    task_id: int
    data_id: int
    target: str
    kind: str
    procedure: str
    n_repeats: int
    n_folds: int
    splits_path: str

    @property
    def n_splits(self) -> int:
        return self.n_repeats * self.n_folds


def _key() -> tuple[str, str]:
    # what the metadata caches below depend on besides the id
    return openml_url(), str(openml_home())


@functools.lru_cache(maxsize=64)
def _task(task_id: int, key: tuple[str, str], name: str) -> OpenMLTask:
    doc = _json(f"api/v1/json/task/{task_id}", name=name, missing=f"no OpenML task {task_id}")
    try:
        task = doc["task"]
        inputs = {item["name"]: item for item in task["input"]}
        kind = _TASK_TYPES.get(str(task["task_type_id"]))
        if kind is None:
            raise DataError(
                f"{name}: OpenML task {task_id} is a {task.get('task_type', 'non-supervised')} "
                "task; benchsuite runs supervised classification and regression tasks"
            )
        data = inputs["source_data"]["data_set"]
        procedure = inputs["estimation_procedure"]["estimation_procedure"]
        parameters = {
            p["name"]: p.get("value") for p in procedure.get("parameter", []) if "name" in p
        }
        splits_url = procedure["data_splits_url"]
    except (KeyError, TypeError) as exc:
        raise DataError(f"{name}: OpenML task {task_id} has no {exc} in its description") from None
    return OpenMLTask(
        task_id=task_id,
        data_id=int(data["data_set_id"]),
        target=str(data["target_feature"]),
        kind=kind,
        procedure=str(procedure.get("type", "")),
        n_repeats=int(parameters.get("number_repeats") or 1),
        n_folds=int(parameters.get("number_folds") or 1),
        splits_path=urlparse(splits_url).path.lstrip("/"),
    )


@functools.lru_cache(maxsize=64)
def _description(data_id: int, key: tuple[str, str], name: str) -> dict[str, Any]:
    doc = _json(f"api/v1/json/data/{data_id}", name=name, missing=f"no OpenML dataset {data_id}")
    try:
        return doc["data_set_description"]
    except (KeyError, TypeError):
        raise DataError(f"{name}: OpenML dataset {data_id} has no description") from None


@functools.lru_cache(maxsize=64)
def _features(data_id: int, key: tuple[str, str], name: str) -> tuple[dict[str, Any], ...]:
    doc = _json(
        f"api/v1/json/data/features/{data_id}",
        name=name,
        missing=f"no features for OpenML dataset {data_id}",
    )
    try:
        return tuple(doc["data_features"]["feature"])
    except (KeyError, TypeError):
        raise DataError(f"{name}: OpenML dataset {data_id} lists no features") from None


def task_of(params: dict[str, Any], name: str) -> OpenMLTask | None:
    """The OpenML task of an entry's params, or None for a plain dataset."""
    if "task_id" not in params:
        return None
    return _task(int(params["task_id"]), _key(), name)


def data_id_of(params: dict[str, Any], name: str) -> int:
    """The OpenML dataset id of an entry (its task's dataset for a task)."""
    task = task_of(params, name)
    return task.data_id if task is not None else int(params["data_id"])


def resolve_target(params: dict[str, Any], target: str | None, name: str) -> str:
    """The target column: the task's, the entry's ``target``, or the dataset's default."""
    task = task_of(params, name)
    if task is not None:
        if target is not None and target != task.target:
            raise ConfigError(
                f"OpenML task {task.task_id} predicts {task.target!r}; 'target' cannot change "
                "it (use the dataset, openml:<data id>, to predict another column)",
                ("target",),
            )
        return task.target
    data_id = int(params["data_id"])
    _description(data_id, _key(), name)  # an unknown id is reported as such
    features = _features(data_id, _key(), name)
    names = [str(f["name"]) for f in features]
    if target is not None:
        if target not in names:
            from benchsuite._suggest import did_you_mean

            raise ConfigError(
                f"OpenML dataset {data_id} has no column {target!r}{did_you_mean(target, names)}",
                ("target",),
            )
        return target
    default = [str(f["name"]) for f in features if str(f.get("is_target")) == "true"]
    if len(default) != 1:
        what = "no default target" if not default else f"{len(default)} default targets"
        raise ConfigError(
            f"OpenML dataset {data_id} has {what}; name the column to predict with 'target'",
            ("target",),
        )
    return default[0]


def openml_task_kind(params: dict[str, Any], target: str | None, name: str) -> str:
    """``"binary"``, ``"multiclass"`` or ``"regression"``, from OpenML's metadata only."""
    column = resolve_target(params, target, name)
    data_id = data_id_of(params, name)
    feature = next(f for f in _features(data_id, _key(), name) if str(f["name"]) == column)
    task = task_of(params, name)
    if (task is not None and task.kind == "regression") or feature["data_type"] == "numeric":
        if task is not None and task.kind == "classification":
            raise DataError(f"{name}: classification task on numeric target {column!r}")
        return "regression"
    if feature["data_type"] != "nominal":
        raise DataError(
            f"{name}: target {column!r} of OpenML dataset {data_id} is a "
            f"{feature['data_type']} column; it must be nominal (classes) or numeric"
        )
    values = feature.get("nominal_value")
    if values is not None:
        n_classes = len(values) if isinstance(values, list) else 1
    else:  # some descriptions omit the values: the qualities count the classes
        n_classes = _n_classes(data_id, name)
    if n_classes < 2:
        raise ConfigError(
            f"target {column!r} of OpenML dataset {data_id} has {n_classes} class; "
            "classification needs two or more",
            ("target",),
        )
    return "binary" if n_classes == 2 else "multiclass"


def _n_classes(data_id: int, name: str) -> int:
    doc = _json(
        f"api/v1/json/data/qualities/{data_id}",
        name=name,
        missing=f"no qualities for OpenML dataset {data_id}",
    )
    try:
        qualities = {q["name"]: q.get("value") for q in doc["data_qualities"]["quality"]}
        return int(float(qualities["NumberOfClasses"]))
    except (KeyError, TypeError, ValueError):
        raise DataError(
            f"{name}: OpenML dataset {data_id} tells neither the classes of its target nor "
            "their number; set 'task' in the suite entry"
        ) from None


def fold_count(params: dict[str, Any], name: str) -> int | None:
    """Number of (repeat, fold) splits of an entry's OpenML task; None without a task."""
    task = task_of(params, name)
    return None if task is None else task.n_splits


def description_of(data_id: int, name: str) -> dict[str, Any]:
    """The description of OpenML dataset ``data_id`` (read once per process and server)."""
    return _description(data_id, _key(), name)


def features_of(data_id: int, name: str) -> tuple[dict[str, Any], ...]:
    """The feature list of OpenML dataset ``data_id`` (read once per process and server)."""
    return _features(data_id, _key(), name)


def clear_metadata() -> None:
    """Forget the metadata read in this process (the files stay cached on disk)."""
    for fn in (_task, _description, _features):
        fn.cache_clear()


# -- data ----------------------------------------------------------------------------------


def ensure_data_files(params: dict[str, Any], name: str) -> tuple[Path, Path | None]:
    """Cache what loading an entry needs; return its data file and fold file (or None)."""
    task = task_of(params, name)
    data_id = data_id_of(params, name)
    description = _description(data_id, _key(), name)
    _features(data_id, _key(), name)
    url = description.get("url")
    if not url:
        raise DataError(f"{name}: OpenML dataset {data_id} has no data file URL")
    data = _fetch(
        urlparse(str(url)).path.lstrip("/"),
        name=name,
        missing=f"the data file of OpenML dataset {data_id} is not on the server",
    )
    splits = None
    if task is not None:
        splits = _fetch(
            task.splits_path, name=name, missing=f"no fold file for OpenML task {task.task_id}"
        )
    return data, splits


def fetch_files(params: dict[str, Any], name: str) -> list[Path]:
    """Put everything an entry needs into the OpenML cache (``benchsuite data fetch``).

    Returns
    -------
    list of Path
        The cached files: descriptions, features, data file and, for a task, its folds.
    """
    task = task_of(params, name)
    data_id = data_id_of(params, name)
    data, splits = ensure_data_files(params, name)
    meta = [f"api/v1/json/data/{data_id}", f"api/v1/json/data/features/{data_id}"]
    with contextlib.suppress(DataError):  # only needed where features omit the classes
        _fetch(f"api/v1/json/data/qualities/{data_id}", name=name, missing="no qualities")
        meta.append(f"api/v1/json/data/qualities/{data_id}")
    if task is not None:
        meta.append(f"api/v1/json/task/{task.task_id}")
    return [_local(p) for p in meta] + [data] + ([splits] if splits is not None else [])
