"""A seeded synthetic sequence-classification task for recurrent and attention models."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# features that carry the class signal; the others are pure noise
_SIGNAL_FEATURES = 3


def make_sequences(
    n_samples: int = 2000,
    n_steps: int = 100,
    n_features: int = 10,
    n_classes: int = 2,
    noise: float = 1.0,
    random_state: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Generate labelled multivariate sequences whose class is in their rhythm.

    In the first ``min(3, n_features)`` features, every sequence of class ``c`` is a sine
    wave of ``2 * (c + 1)`` cycles per sequence, with a phase offset per (class, feature)
    shared by the class. Each sequence gets its own random start phase (so the class is
    in the frequency and in the phase pattern across features, not at fixed time steps)
    and amplitude (0.75 to 1.25). Gaussian noise of standard deviation ``noise`` is added
    to every value; the remaining features are noise only. A model has to integrate over
    time to tell the classes apart, which a recurrent network learns readily.

    Parameters
    ----------
    n_samples : int, default=2000
        Number of sequences; classes are balanced (sizes differ by at most one).
    n_steps : int, default=100
        Time steps per sequence; must exceed ``4 * n_classes`` so that every class
        frequency is below the Nyquist limit.
    n_features : int, default=10
        Values per time step.
    n_classes : int, default=2
        Number of classes.
    noise : float, default=1.0
        Standard deviation of the Gaussian noise (the signal's amplitude is about 1).
    random_state : int or None, default=None
        Seed; the suite's seed when not set in the suite.

    Returns
    -------
    X : numpy.ndarray of float32, shape (n_samples, n_steps, n_features)
        The sequences.
    y : numpy.ndarray of int64, shape (n_samples,)
        Class codes ``0..n_classes-1``.

    Raises
    ------
    ValueError
        If a size is too small or ``noise`` is negative.
    """
    import numpy as np

    for label, value, low in (
        ("n_samples", n_samples, n_classes),
        ("n_features", n_features, 1),
        ("n_classes", n_classes, 2),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{label} must be an integer >= {low}, got {value!r}")
    if isinstance(n_steps, bool) or not isinstance(n_steps, int) or n_steps <= 4 * n_classes:
        raise ValueError(
            f"n_steps must be an integer > 4 * n_classes = {4 * n_classes}, got {n_steps!r}"
        )
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")

    rng = np.random.default_rng(random_state)
    n_signal = min(_SIGNAL_FEATURES, n_features)
    y = rng.permutation(np.arange(n_samples) % n_classes).astype(np.int64)
    cycles = 2.0 * (y + 1)  # per sequence; the highest stays below n_steps / 2
    class_phase = rng.uniform(0, 2 * np.pi, size=(n_classes, n_signal))
    start = rng.uniform(0, 2 * np.pi, size=n_samples)
    amplitude = rng.uniform(0.75, 1.25, size=n_samples)
    t = np.arange(n_steps) / n_steps
    # angle[i, step, feature] for the signal features
    angle = (
        2 * np.pi * cycles[:, None, None] * t[None, :, None]
        + start[:, None, None]
        + class_phase[y][:, None, :]
    )
    X = rng.normal(0.0, noise, size=(n_samples, n_steps, n_features))
    X[:, :, :n_signal] += amplitude[:, None, None] * np.sin(angle)
    return X.astype(np.float32), y
