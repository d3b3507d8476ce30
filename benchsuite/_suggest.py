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
    # like difflib.get_close_matches, but ties go to the earlier choice (difflib picks the
    # alphabetically last: 'SVX' would suggest 'SVR' over 'SVC')
    best, best_score = None, cutoff
    matcher = difflib.SequenceMatcher(b=name)
    for choice in choices:
        matcher.set_seq1(choice)
        if matcher.real_quick_ratio() < best_score or matcher.quick_ratio() < best_score:
            continue
        score = matcher.ratio()
        if score > best_score or (score == best_score and best is None):
            best, best_score = choice, score
    return best


def did_you_mean(name: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""``."""
    match = close_match(name, choices, cutoff=cutoff)
    return f" (did you mean '{match}'?)" if match else ""
