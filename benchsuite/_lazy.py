"""Lazy re-exports: a package names its public objects, and each is imported on first use.

``import benchsuite`` must not import scikit-learn, torch or pandas (``benchsuite --help``
stays instant), yet ``benchsuite.run_plan`` should just work: a module-level ``__getattr__``
(PEP 562) imports the defining module when a name is first asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose names load on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__`` (for the error message).
    exports : mapping of str to str
        Public name -> the module that defines it.
    namespace : dict
        The package's ``globals()``: ``__dir__`` lists what it holds, ``__all__`` included.

    Returns
    -------
    (__getattr__, __dir__)
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:
        return sorted({*namespace, *namespace.get("__all__", ()), *exports})

    return __getattr__, __dir__
