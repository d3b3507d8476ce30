"""The pins `nox -s lowest` installs are exactly the floors pyproject.toml declares.

`nox -s lowest` runs the tests with tests/requirements-min.txt as pip constraints; this test
keeps that file and pyproject.toml in step, so a floor raised (or lowered) in one place and
not the other fails here, in the ordinary test run, not only in the slow lowest session.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

ROOT = Path(__file__).resolve().parents[2]
PINS = ROOT / "tests" / "requirements-min.txt"
# the extras whose floors the lowest session installs (nox: `-e .[test,parquet]`); `dask`
# names the same requirement as `test`
EXTRAS = ("test", "parquet", "dask")


def _floors() -> dict[str, str]:
    """Package -> the version of its ``>=`` floor, for every declared requirement."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in EXTRAS:
        requirements += project["optional-dependencies"][extra]
    floors: dict[str, str] = {}
    for text in requirements:
        req = Requirement(text)
        lower = [s.version for s in req.specifier if s.operator == ">="]
        assert len(lower) == 1, f"{text!r}: every dependency needs exactly one '>=' floor"
        floors[canonicalize_name(req.name)] = lower[0]
        # an extra's packages (dask[distributed] -> distributed) share the floor's version
        for name in req.extras:
            floors[canonicalize_name(name)] = lower[0]
    return floors


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in PINS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==", f"{line!r}: pins must be exact (==)"
        assert not req.extras, f"{line!r}: pip constraints cannot have extras"
        pins[canonicalize_name(req.name)] = spec.version
    return pins


def test_every_floor_is_pinned_at_exactly_that_version():
    # compared as versions: the floor ">=1.3" is the release "1.3.0" the pin file installs
    floors = {name: Version(v) for name, v in _floors().items()}
    pins = {name: Version(v) for name, v in _pins().items()}
    assert pins == floors
