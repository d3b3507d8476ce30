"""Parameter value constraints of benchsuite's torch estimators, importable without torch.

scikit-learn estimators declare what values each constructor parameter takes in
``_parameter_constraints`` and check them in ``fit``; ``benchsuite validate`` checks a
suite's values against those declarations before anything runs. The torch estimators
check theirs in ``fit`` too (``TorchEstimator._train_config``), but validating a suite
must import neither torch nor scikit-learn for a ``torch.*`` entry (scikit-learn's import
alone takes seconds), so their constraints are declared here as plain data:

- :func:`torch_constraints` gives the rules of one torch estimator class by name;
- :func:`check_value` checks a value against rules, with scikit-learn's wording
  (``must be an int in the range [1, inf)``);
- :func:`sklearn_constraints` turns rules into scikit-learn constraint objects; the torch
  classes set them as their ``_parameter_constraints``, so tools that read that attribute
  see the same rules. A unit test checks that these rules, scikit-learn's reading of them
  and the torch estimators' own fit-time checks agree.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

# the choices of the torch estimators' string parameters (benchsuite.estimators.torch
# imports them from here: one list for fit-time and validate-time checks)
OPTIMIZERS = ("sgd", "adam", "adamw")
CLASSIFIER_LOSSES = ("cross_entropy", "bce", "mse", "huber")
REGRESSOR_LOSSES = ("mse", "huber")
LR_SCHEDULES = ("none", "cosine", "onecycle")
AMP_MODES = ("none", "bf16", "fp16")
# torch.compile's modes (``compile: true`` is "default")
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")
PADDINGS = ("valid", "same")

_DEVICE_RE = re.compile(r"^(auto|cpu|cuda|cuda:\d+|mps)$")


@dataclass(frozen=True)
class Rule:
    """One form a parameter value may take.

    Parameters
    ----------
    kind : {"int", "real", "options", "bool", "none", "sizes", "device", "seed", "verbose"}
        ``int``/``real``: a number (not a bool) in ``[low, high]`` (``None`` bounds are
        infinite; ``real`` must also be finite); ``options``: one of ``options``;
        ``bool``: True or False; ``none``: None; ``sizes``: a list of positive ints
        (non-empty unless ``low == 0``); ``device``: ``auto``, ``cpu``, ``cuda``,
        ``cuda:N`` or ``mps``; ``seed``: an int in ``[0, 2**32)``; ``verbose``: a bool or
        an int >= 0.
    low, high : float or None
        Bounds of ``int`` and ``real``.
    closed : {"both", "left", "right", "neither"}, default="left"
        Which bounds belong to the range (scikit-learn's ``Interval``).
    options : tuple of str
        The choices of ``options``.
    """

    kind: str
    low: float | None = None
    high: float | None = None
    closed: str = "left"
    options: tuple[str, ...] = ()

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` has this form."""
        if self.kind == "none":
            return value is None
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "options":
            return isinstance(value, str) and value in self.options
        if self.kind == "device":
            return isinstance(value, str) and _DEVICE_RE.match(value) is not None
        if self.kind == "verbose":
            return isinstance(value, bool) or _is_int(value) and value >= 0
        if self.kind == "seed":
            return _is_int(value) and 0 <= value < 2**32
        if self.kind == "sizes":
            return (
                isinstance(value, (list, tuple))
                and (bool(value) or self.low == 0)
                and all(_is_int(v) and v > 0 for v in value)
            )
        if self.kind == "int":
            return _is_int(value) and self._in_range(value)
        if self.kind == "real":
            return (
                isinstance(value, numbers.Real)
                and not isinstance(value, bool)
                and math.isfinite(value)
                # cast, not float(): mypy cannot compare numbers.Real with a float, Python
                # can, exactly (float() would round an int past 2**53 or a Fraction)
                and self._in_range(cast(float, value))
            )
        raise ValueError(f"unknown rule kind {self.kind!r}")

    def _in_range(self, value: float) -> bool:
        left_ok = self.low is None or (
            value >= self.low if self.closed in ("both", "left") else value > self.low
        )
        right_ok = self.high is None or (
            value <= self.high if self.closed in ("both", "right") else value < self.high
        )
        return left_ok and right_ok

    def describe(self) -> str:
        """What the rule allows, in scikit-learn's words (``an int in the range [1, inf)``)."""
        if self.kind in _FIXED_KINDS:
            return _FIXED_KINDS[self.kind][0]
        if self.kind == "options":
            return "a str among {" + ", ".join(repr(o) for o in sorted(self.options)) + "}"
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        low = "-inf" if self.low is None else self.low
        high = "inf" if self.high is None else self.high
        what = "an int" if self.kind == "int" else "a float"
        return f"{what} in the range {left}{low}, {high}{right}"


# the kinds without bounds or options: (scikit-learn's words for them in messages,
# their scikit-learn constraint); a device is a str here, its patterns are checked at fit
_FIXED_KINDS: dict[str, tuple[str, Any]] = {
    "none": ("None", None),
    "bool": ("an instance of 'bool'", "boolean"),
    "device": ("'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'", str),
    "verbose": ("an int in the range [0, inf) or a bool", "verbose"),
    "seed": ("an int in the range [0, 4294967295]", "random_state"),
    "sizes": ("a list of ints >= 1", "array-like"),
}


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _at_least(low: int) -> Rule:
    return Rule("int", low, None, "left")


_UNIT = Rule("real", 0.0, 1.0, "left")  # [0, 1): dropout, momentum, validation_fraction
_NON_NEGATIVE = Rule("real", 0.0, None, "left")


def _common(losses: tuple[str, ...]) -> dict[str, tuple[Rule, ...]]:
    """Rules of the parameters every torch estimator takes (as ``_train_config`` checks)."""
    return {
        "epochs": (_at_least(1),),
        "batch_size": (_at_least(1),),
        "lr": (_NON_NEGATIVE,),
        "optimizer": (Rule("options", options=OPTIMIZERS),),
        "momentum": (_UNIT,),
        "weight_decay": (_NON_NEGATIVE,),
        "dropout": (_UNIT,),
        "loss": (Rule("options", options=losses),),
        "lr_schedule": (Rule("options", options=LR_SCHEDULES),),
        "early_stopping": (Rule("bool"),),
        "validation_fraction": (_UNIT,),
        "n_iter_no_change": (_at_least(1),),
        "device": (Rule("device"),),
        "amp": (Rule("options", options=AMP_MODES),),
        "channels_last": (Rule("bool"),),
        # tf32 and cudnn_benchmark act on CUDA only; elsewhere accepted and recorded as
        # not applicable (None in ``settings_``)
        "cudnn_benchmark": (Rule("bool"),),
        "deterministic": (Rule("bool"),),
        "tf32": (Rule("bool"), Rule("none")),
        "predict_batch_size": (_at_least(1),),
        "compile": (Rule("bool"), Rule("options", options=COMPILE_MODES)),
        "threads": (_at_least(1), Rule("none")),
        "input_shape": (Rule("sizes"), Rule("none")),
        "random_state": (Rule("seed"), Rule("none")),
        "verbose": (Rule("verbose"),),
    }


# the network's own parameters, per family (the class name without Torch/Classifier)
_ARCHITECTURE: dict[str, dict[str, tuple[Rule, ...]]] = {
    # an int is one hidden layer; an empty list none (as scikit-learn's MLP reads them)
    "MLP": {"hidden_layer_sizes": (_at_least(1), Rule("sizes", low=0))},
    "CNN": {},
    "KerasCNN": {"padding": (Rule("options", options=PADDINGS),)},
    "LeNet": {"padding": (Rule("options", options=PADDINGS),)},
    "LSTM": {"hidden_size": (_at_least(1),)},
    "GRU": {"hidden_size": (_at_least(1),)},
    # n_heads must also divide d_model: that pair is checked when fitting
    "Transformer": {
        "d_model": (_at_least(1),),
        "n_heads": (_at_least(1),),
        "n_layers": (_at_least(1),),
    },
}

TORCH_MODULE = "benchsuite.estimators.torch"


def torch_constraints(class_name: str) -> dict[str, tuple[Rule, ...]] | None:
    """The value rules of a benchsuite torch estimator, by class name.

    Parameters
    ----------
    class_name : str
        E.g. ``"TorchCNNClassifier"``.

    Returns
    -------
    dict of str to tuple of Rule, or None
        Parameter name -> the forms its value may take (any one will do); None for a
        name that is not one of benchsuite's torch estimators.
    """
    for kind, losses in (("Classifier", CLASSIFIER_LOSSES), ("Regressor", REGRESSOR_LOSSES)):
        family = class_name.removeprefix("Torch").removesuffix(kind)
        if class_name.startswith("Torch") and class_name.endswith(kind) and family in _ARCHITECTURE:
            return {**_ARCHITECTURE[family], **_common(losses)}
    return None


def check_value(name: str, value: Any, rules: Sequence[Rule], owner: str) -> str | None:
    """Why ``value`` is not allowed for parameter ``name``, or None if it is.

    Parameters
    ----------
    name : str
        The parameter.
    value : object
        The value from the suite.
    rules : sequence of Rule
        The forms the value may take.
    owner : str
        The estimator class, for the message.

    Returns
    -------
    str or None
        ``"must be an int in the range [1, inf) for TorchCNNClassifier; got 0"``.
    """
    if any(rule.accepts(value) for rule in rules):
        return None
    forms = [rule.describe() for rule in rules]
    allowed = forms[0] if len(forms) == 1 else ", ".join(forms[:-1]) + " or " + forms[-1]
    return f"must be {allowed} for {owner}; got {value!r}"


def sklearn_constraints(rules: Mapping[str, Sequence[Rule]]) -> dict[str, list[Any]]:
    """The same rules as scikit-learn constraint objects (for ``_parameter_constraints``).

    Imports scikit-learn's private ``sklearn.utils._param_validation``; raises
    ImportError when it is missing or changed, so callers can do without.
    """
    from sklearn.utils._param_validation import Interval, StrOptions

    def convert(rule: Rule) -> Any:
        if rule.kind in _FIXED_KINDS:
            return _FIXED_KINDS[rule.kind][1]
        if rule.kind == "options":
            return StrOptions(set(rule.options))
        kind = numbers.Integral if rule.kind == "int" else numbers.Real
        return Interval(kind, rule.low, rule.high, closed=rule.closed)

    return {name: [convert(rule) for rule in forms] for name, forms in rules.items()}
