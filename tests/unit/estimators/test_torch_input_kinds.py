"""The registry's input requirements of the torch.* aliases (what one sample must be, how
small an image may be) agree with the real networks; the planner trusts them to skip pairs
without importing torch."""

from __future__ import annotations

import inspect

import pytest

from benchsuite.estimators import ESTIMATOR_ALIASES
from benchsuite.estimators._introspect import import_class

torch = pytest.importorskip("torch")

TORCH_ALIASES = sorted(name for name in ESTIMATOR_ALIASES if name.startswith("torch."))


@pytest.mark.parametrize("name", TORCH_ALIASES)
def test_input_kind_is_the_networks_layout(name):
    from benchsuite.estimators.torch import _modules

    alias = ESTIMATOR_ALIASES[name]
    layouts = {_modules.FLAT: "flat", _modules.IMAGE: "image", _modules.SEQUENCE: "sequence"}
    for path in (alias.classifier, alias.regressor):
        assert layouts[import_class(path)._layout] == alias.input_kind, path
    assert bool(alias.min_image_side) == (alias.input_kind == "image")


def _sides(name: str) -> list[tuple[dict, int]]:
    alias = ESTIMATOR_ALIASES[name]
    return [
        ({} if padding is None else {"padding": padding}, side)
        for padding, side in alias.min_image_side.items()
    ]


IMAGE_CASES = [
    (name, params, side)
    for name in TORCH_ALIASES
    if ESTIMATOR_ALIASES[name].input_kind == "image"
    for params, side in _sides(name)
]


@pytest.mark.parametrize(("name", "params", "side"), IMAGE_CASES)
def test_min_image_side_is_the_smallest_image_the_network_builds_on(name, params, side):
    alias = ESTIMATOR_ALIASES[name]
    estimator = import_class(alias.classifier)(**params)
    assert alias.min_side(params) == side
    estimator._build_network((1, side, side), 3)  # builds
    for shape in ((1, side - 1, side), (1, side, side - 1)):
        with pytest.raises(ValueError, match="too small"):
            estimator._build_network(shape, 3)


PADDED = [name for name in TORCH_ALIASES if "padding" in ESTIMATOR_ALIASES[name].known_params]


@pytest.mark.parametrize("name", PADDED)
def test_padding_default_is_valid_as_the_registry_assumes(name):
    alias = ESTIMATOR_ALIASES[name]
    for path in (alias.classifier, alias.regressor):
        default = inspect.signature(import_class(path)).parameters["padding"].default
        assert default == "valid"
    assert alias.min_side({}) == alias.min_image_side["valid"]
