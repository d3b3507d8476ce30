"""Plain-JSON values from whatever a parameter or metric can be (numpy scalars, tuples)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any


def jsonable(value: Any) -> Any:
    """``value`` as JSON types: numpy scalars unwrapped, tuples/sets as lists, else repr."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if value is None or type(value) in (bool, int, float, str):
        return value
    item = getattr(value, "item", None)  # numpy scalars (np.float64 is a float subclass)
    if callable(item):
        with contextlib.suppress(TypeError, ValueError):
            return jsonable(item())
    tolist = getattr(value, "tolist", None)  # numpy arrays
    if callable(tolist):
        with contextlib.suppress(TypeError, ValueError):
            return jsonable(tolist())
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return repr(value)
