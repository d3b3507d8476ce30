"""History: every run of a suite as series per case and quantity, with change points.

:func:`build_history` reads the runs below a folder (through an index rebuilt
incrementally from the run folders, which stay the source of truth), groups them by suite
and machine, orders them by start time (or commit order), and gives a :class:`History`:
one :class:`Series` per case x quantity, with the :class:`Change` points found on it.
"""

from __future__ import annotations

from benchsuite.history._model import Change, History, Point, Series
from benchsuite.history._series import build_history

__all__ = ["Change", "History", "Point", "Series", "build_history"]
