"""The suites that come with benchsuite, found by name, and the starter suite of ``init``.

The suite files live in the repository's top-level ``suites/`` folder. A built wheel ships
them as the package ``benchsuite.suites`` (``pyproject.toml`` maps that package onto the
folder), so they sit in ``benchsuite/suites/`` next to this module; in a clone (an editable
install, or the checkout on ``sys.path``) they are read from the checkout's ``suites/``.
Only YAML is read here (``yaml.safe_load`` of the header keys), so ``benchsuite list
suites`` stays as light as ``--help``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from benchsuite.errors import BenchsuiteError

_SUFFIXES = (".yaml", ".yml")
STARTER_NAME = "my-suite"


@dataclass(frozen=True)
class BundledSuite:
    """A suite shipped with benchsuite.

    Attributes
    ----------
    name : str
        What to type: ``benchsuite run <name>`` (the file name without ``.yaml``).
    path : Path
        The file, a path the user can open (and copy to start their own).
    description : str
        The suite's ``description`` ("" when it has none or cannot be read).
    """

    name: str
    path: Path
    description: str


def suites_dir() -> Path | None:
    """The folder holding the bundled suites, or None when it cannot be found.

    Returns
    -------
    Path or None
        ``benchsuite/suites`` of an installed wheel, else the ``suites/`` folder of the
        checkout this package was imported from.
    """
    installed = resources.files("benchsuite") / "suites"
    # A wheel installs into a plain folder, where files() gives a real Path; a package
    # imported from a zip has no file a user could open, so it is not looked at.
    if isinstance(installed, Path) and installed.is_dir():
        return installed
    checkout = Path(__file__).resolve().parent.parent
    # Only a benchsuite checkout: a site-packages that happens to hold a 'suites' folder
    # is not ours.
    if (checkout / "suites").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout / "suites"
    return None


def bundled_suites() -> list[BundledSuite]:
    """Every bundled suite, sorted by name.

    Returns
    -------
    list of BundledSuite
        Empty when no suite folder is found.
    """
    return [BundledSuite(p.stem, p, _description(p)) for p in _bundled_paths()]


def _bundled_paths() -> list[Path]:
    """The bundled suite files, sorted by name; nothing of them read."""
    folder = suites_dir()
    if folder is None:
        return []
    paths = [p for p in folder.iterdir() if p.suffix in _SUFFIXES and p.is_file()]
    paths.sort(key=lambda p: p.stem)  # by the name typed: 'tabular' before 'tabular-full'
    return paths


def _description(path: Path) -> str:
    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return ""  # 'benchsuite validate NAME' says what is wrong with it
    description = doc.get("description") if isinstance(doc, dict) else None
    return description if isinstance(description, str) else ""


def bundled_suite(name: str) -> BundledSuite | None:
    """The bundled suite called ``name`` (``quickstart`` or ``quickstart.yaml``), or None."""
    stem = name
    for suffix in _SUFFIXES:
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    # only the named file is read (for its description), not every bundled suite
    path = next((p for p in _bundled_paths() if p.stem == stem), None)
    return BundledSuite(path.stem, path, _description(path)) if path is not None else None


def resolve_suite(arg: str) -> Path:
    """The suite file that ``benchsuite run ARG`` / ``validate ARG`` means.

    Parameters
    ----------
    arg : str
        A path, or the name of a bundled suite.

    Returns
    -------
    Path
        ``arg`` itself when it is an existing file; else, for a bare name (no folder in
        it), the bundled suite of that name; else ``arg`` when it is an existing folder (so
        that loading it gives the usual "is a directory" error).

    Raises
    ------
    BenchsuiteError
        When ``arg`` is neither an existing file nor a bundled suite's name: one line that
        lists the bundled names.
    """
    path = Path(arg)
    if path.is_file():
        return path  # a path that exists always wins over a bundled name
    found = bundled_suite(arg) if os.sep not in arg and "/" not in arg else None
    if found is not None:
        return found.path
    if path.exists():
        return path  # a folder: load_suite says it is not a suite file
    same_name = bundled_suite(path.name)
    if same_name is not None:  # e.g. the README's 'suites/quickstart.yaml' outside a clone
        raise BenchsuiteError(
            f"{arg}: no such file; the bundled suite '{same_name.name}' runs from any folder"
            f" with 'benchsuite run {same_name.name}'"
        )
    names = [s.name for s in bundled_suites()]
    available = (
        f"bundled suites: {', '.join(names)} ('benchsuite list suites')"
        if names
        else "and no bundled suite was found in this installation"
    )
    raise BenchsuiteError(f"{arg}: no such file or bundled suite; {available}")


def starter_text(name: str = STARTER_NAME) -> str:
    """The commented starter suite that ``benchsuite init`` writes, named ``name``.

    Parameters
    ----------
    name : str
        The suite's name (its ``name:`` line).

    Returns
    -------
    str
        YAML text that validates as it is.
    """
    text = (resources.files("benchsuite") / "_starter.yaml").read_text(encoding="utf-8")
    # the template's name appears in its 'name:' line and in the commands of its header
    return text.replace(STARTER_NAME, name)


def write_starter(target: str | None, *, force: bool = False) -> Path:
    """Write the starter suite for ``benchsuite init [NAME]``.

    Parameters
    ----------
    target : str or None
        ``NAME`` (written as ``NAME.yaml`` in the current folder), a file name ending in
        ``.yaml``/``.yml``, or None for ``my-suite.yaml``.
    force : bool
        Overwrite an existing file.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    BenchsuiteError
        The file exists (without ``force``), or cannot be written.
    """
    target = target or STARTER_NAME
    path = Path(target if target.endswith(_SUFFIXES) else f"{target}.yaml")
    from benchsuite.suite._checks import NAME_RE as _NAME_RE

    if not _NAME_RE.match(path.stem):
        # the file name becomes the suite's name, which is also a results folder
        raise BenchsuiteError(
            f"init: {path.stem!r} cannot name a suite: use letters, digits, '_', '-', '.'"
            " (e.g. 'benchsuite init my-suite')"
        )
    if path.is_dir():
        raise BenchsuiteError(f"{path}: is a folder; give a file name, e.g. {path}/suite.yaml")
    if path.exists() and not force:
        raise BenchsuiteError(f"{path}: already exists; pick another NAME or add --force")
    try:
        path.write_text(starter_text(path.stem), encoding="utf-8")
    except OSError as exc:
        raise BenchsuiteError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path
