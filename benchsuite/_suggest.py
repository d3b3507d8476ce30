"""'did you mean' hints for unknown names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_match(name: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """Return the choice closest to ``name``, or None if nothing is close enough."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    if name.lower() in lowered:
        return lowered[name.lower()]
    matches = difflib.get_close_matches(name, choices, n=1, cutoff=cutoff)
    return matches[0] if matches else None


def did_you_mean(name: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""``."""
    match = close_match(name, choices, cutoff=cutoff)
    return f" (did you mean '{match}'?)" if match else ""
