"""scikit-learn plumbing shared by every torch estimator: fit, predict, tags.

skorch's rule: ``__init__`` only stores its arguments; everything learned ends in ``_``
and is made in ``fit``, which is "initialise, then the epoch loop". ``get_params``,
``set_params`` and ``clone`` then work as for any scikit-learn estimator.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d
from torch import nn

# the choices live with the torch-free constraint table that `benchsuite validate` reads
from benchsuite.estimators._constraints import (
    AMP_MODES,
    CLASSIFIER_LOSSES,
    COMPILE_MODES,
    LR_SCHEDULES,
    OPTIMIZERS,
    REGRESSOR_LOSSES,
)
from benchsuite.estimators.torch import _modules, _training
from benchsuite.estimators.torch._params import (
    as_shape,
    check_bool,
    check_choice,
    check_int,
    check_real,
    seed_of,
)

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _sk_validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    _sk_validate_data = None

# scikit-learn < 1.6 reads estimator tags from ``_more_tags`` and ignores
# ``__sklearn_tags__``; the estimators below declare theirs both ways. Only defined there:
# 1.6 warns about (and later versions ignore) the old method.
_OLD_TAGS = _sk_validate_data is None


def _host_array(X: np.ndarray) -> np.ndarray:
    # torch.from_numpy shares memory and warns on read-only arrays (memmaps); copy those
    return X if X.flags.writeable else X.copy()


class TorchEstimator(BaseEstimator):
    """What every torch estimator shares. Subclasses set the network and the task.

    Subclasses provide ``_layout`` (how flat rows are shaped), ``_build_network`` and
    optionally ``_check_architecture``; :class:`TorchClassifier` and
    :class:`TorchRegressor` provide the target handling.
    """

    _layout: ClassVar[str] = _modules.FLAT
    _is_conv: ClassVar[bool] = False
    _is_classifier: ClassVar[bool] = False

    # -- hooks -------------------------------------------------------------------------
    def _check_architecture(self) -> None:
        """Validate the network's own parameters (ValueError)."""

    def _build_network(self, input_shape: tuple[int, ...], n_out: int) -> nn.Module:
        raise NotImplementedError

    def _encode_targets(self, y: np.ndarray) -> tuple[np.ndarray, int]:
        raise NotImplementedError

    def _encode_eval_targets(self, y: Any) -> np.ndarray:
        """Targets of ``eval_set`` encoded as the training targets were (after fit's)."""
        raise NotImplementedError

    # -- validation ----------------------------------------------------------------------
    def _train_config(self) -> _training.TrainConfig:
        """Check every common parameter; return them resolved. Raises ValueError."""
        losses = CLASSIFIER_LOSSES if self._is_classifier else REGRESSOR_LOSSES
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        where = " for a classifier" if self._is_classifier else " for a regressor"
        check_choice("loss", self.loss, losses, where)
        check_choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        check_choice("amp", self.amp, AMP_MODES)
        check_real("dropout", self.dropout, 0.0, 1.0, high_open=True)
        if not isinstance(self.device, str):
            raise ValueError(
                f"device must be a string such as 'cpu' or 'cuda'; got {self.device!r}"
            )
        if self.threads is not None:
            check_int("threads", self.threads, 1)
        check_bool("cudnn_benchmark", self.cudnn_benchmark)
        check_bool("deterministic", self.deterministic)
        if self.tf32 is not None:
            check_bool("tf32", self.tf32)
        compile_mode = self.compile
        if isinstance(compile_mode, (bool, np.bool_)):
            compile_mode = bool(compile_mode)
        elif not isinstance(compile_mode, str) or compile_mode not in COMPILE_MODES:
            choices = ", ".join(repr(c) for c in COMPILE_MODES)
            raise ValueError(
                f"compile must be True, False or one of {choices}; got {compile_mode!r}"
            )
        if self.input_shape is not None:
            as_shape(self.input_shape)
        check_bool("early_stopping", self.early_stopping)
        check_real("validation_fraction", self.validation_fraction, 0.0, 1.0, high_open=True)
        if self.early_stopping and self.validation_fraction == 0:
            raise ValueError("validation_fraction must be > 0 with early_stopping=True")
        if not isinstance(self.verbose, bool):  # verbose=True is common sklearn usage
            check_int("verbose", self.verbose, 0)
        return _training.TrainConfig(
            epochs=check_int("epochs", self.epochs, 1),
            batch_size=check_int("batch_size", self.batch_size, 1),
            lr=check_real("lr", self.lr, 0.0, math.inf, high_open=True),
            optimizer=self.optimizer,
            momentum=check_real("momentum", self.momentum, 0.0, 1.0, high_open=True),
            weight_decay=check_real(
                "weight_decay", self.weight_decay, 0.0, math.inf, high_open=True
            ),
            loss=self.loss,
            lr_schedule=self.lr_schedule,
            n_iter_no_change=check_int("n_iter_no_change", self.n_iter_no_change, 1),
            amp=self.amp,
            channels_last=check_bool("channels_last", self.channels_last) and self._is_conv,
            classifier=self._is_classifier,
            verbose=self.verbose,
            predict_batch_size=check_int("predict_batch_size", self.predict_batch_size, 1),
            compile=compile_mode,
        )

    def _resolve_input_shape(self, n_features: int) -> tuple[int, ...]:
        name = type(self).__name__
        if self.input_shape is None:
            if self._layout == _modules.FLAT:
                return (n_features,)
            inferred = _modules.infer_input_shape(n_features)
            if inferred is None:
                raise ValueError(
                    f"{name} cannot infer an image shape from {n_features} features (neither "
                    "s*s nor 3*s*s); set input_shape, e.g. (1, 28, 28) for grey images, "
                    "(3, 32, 32) for colour ones, or (steps, features) for sequences"
                )
            return inferred
        shape = as_shape(self.input_shape)
        if math.prod(shape) != n_features:
            raise ValueError(
                f"input_shape {shape} holds {math.prod(shape)} values per sample but X has "
                f"{n_features} features; set input_shape to the per-sample shape of X "
                "(or None to infer it)"
            )
        if self._layout != _modules.FLAT and len(shape) not in (2, 3):
            expected = (
                "(C, H, W) or (H, W)"
                if self._layout == _modules.IMAGE
                else ("(steps, features) or an image's (C, H, W)")
            )
            raise ValueError(f"{name} needs input_shape {expected}; got {shape}")
        return shape

    def _validate(self, X: Any, y: Any = None, *, fit: bool) -> Any:
        kwargs: dict[str, Any] = {"dtype": np.float32, "order": "C"}
        if fit:
            kwargs.update(
                y=y, multi_output=not self._is_classifier, y_numeric=not self._is_classifier
            )
        if _sk_validate_data is not None:
            return _sk_validate_data(self, X, reset=fit, **kwargs)
        return self._validate_data(X, reset=fit, **kwargs)  # pragma: no cover

    # -- fit -----------------------------------------------------------------------------
    def _split(
        self, X: np.ndarray, targets: np.ndarray, seed: int
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
        """Hold out ``validation_fraction`` (stratified if every class can be) for stopping."""
        if not self.early_stopping:
            return X, targets, None
        n = X.shape[0]
        n_val = math.ceil(n * self.validation_fraction)
        if n - n_val < 1:
            raise ValueError(
                f"early_stopping needs at least 2 samples with validation_fraction="
                f"{self.validation_fraction}; got {n}"
            )
        stratify = None
        if self._is_classifier:
            counts = np.bincount(targets)
            if counts.min() >= 2 and min(n_val, n - n_val) >= len(counts):
                stratify = targets
        X_train, X_val, y_train, y_val = train_test_split(
            X, targets, test_size=n_val, random_state=seed, stratify=stratify
        )
        return X_train, y_train, (X_val, y_val)

    def _to_device(self, X: np.ndarray, device: torch.device, channels_last: bool) -> torch.Tensor:
        x = torch.from_numpy(_host_array(X)).to(device)
        return _modules.shape_batch(x, self._layout, self.input_shape_, channels_last=channels_last)

    def fit(self, X: Any, y: Any, eval_set: tuple[Any, Any] | None = None) -> TorchEstimator:
        """Build the network and train it.

        The training set moves to the device once; each epoch shuffles on the device and
        slices batches by index.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Flat rows; images as ``C*H*W`` values in [0, 1] (no scaling is applied).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels, or regression targets (several columns for regressors).
        eval_set : (X, y), optional
            Held-out data scored after every epoch (accuracy for classifiers, R^2 for
            regressors) into ``history_[i]["eval_score"]``, for time-to-accuracy. It only
            watches: training never sees it, and its time is kept apart (``eval_time_s``).

        Returns
        -------
        self
        """
        config = self._train_config()  # bad parameters fail before any work
        self._check_architecture()
        X, y = self._validate(X, y, fit=True)
        targets, n_out = self._encode_targets(y)
        self.input_shape_ = self._resolve_input_shape(X.shape[1])
        device = _training.resolve_device(self.device)
        config.amp = _training.resolve_amp(self.amp, device)
        seed = seed_of(self.random_state)
        X_train, y_train, validation = self._split(X, targets, seed)
        log = None
        if self.verbose:
            prefix = type(self).__name__

            def log(line: str) -> None:
                print(f"[{prefix}] {line}", file=sys.stderr, flush=True)

        cuda = [device.index or 0] if device.type == "cuda" else []
        # fork_rng: seed torch for this fit only, and leave the caller's generator as it was
        with (
            _training.num_threads(self.threads),
            torch.random.fork_rng(devices=cuda),
            _training.numeric_settings(
                device,
                tf32=self.tf32,
                cudnn_benchmark=self.cudnn_benchmark,
                deterministic=self.deterministic,
            ) as numeric,
        ):
            torch.manual_seed(seed)
            module = self._build_network(self.input_shape_, n_out).to(device)
            if config.channels_last:
                module = module.to(memory_format=torch.channels_last)

            _training.synchronize(device)
            start = time.perf_counter()
            X_dev = self._to_device(X_train, device, config.channels_last)
            y_dev = torch.from_numpy(y_train).to(device)
            val_dev = None
            if validation is not None:
                val_dev = (
                    self._to_device(validation[0], device, config.channels_last),
                    torch.from_numpy(validation[1]).to(device),
                )
            _training.synchronize(device)
            h2d_time_s = time.perf_counter() - start
            monitor = None
            if eval_set is not None:
                X_eval = self._validate(eval_set[0], fit=False)
                monitor = (
                    self._to_device(X_eval, device, config.channels_last),
                    torch.from_numpy(self._encode_eval_targets(eval_set[1])).to(device),
                )

            compile_time_s = None
            if config.compile is not False:
                inputs, targets_dev = X_dev, y_dev
                module, compile_time_s = _training.compile_module(
                    module,
                    config.compile,
                    device,
                    lambda compiled: _training.warm_up_training(
                        compiled, inputs, targets_dev, config, device=device, n_out=n_out
                    ),
                )

            history = _training.train(
                module,
                X_dev,
                y_dev,
                config,
                device=device,
                seed=seed,
                n_out=n_out,
                validation=val_dev,
                monitor=monitor,
                log=log,
            )
        self.module_ = module
        self.device_ = str(device)
        self.amp_ = config.amp
        self.loss_ = config.loss
        self.history_ = history
        self.n_epochs_run_ = len(history)
        self.h2d_time_s_ = h2d_time_s
        self.compile_time_s_ = compile_time_s
        self.settings_ = {
            "amp": config.amp,
            "channels_last": config.channels_last,
            **numeric,
            "batch_size": config.batch_size,
            "predict_batch_size": config.predict_batch_size,
            "compile": "default" if config.compile is True else config.compile,
        }
        return self

    # -- predict -------------------------------------------------------------------------
    def _forward(self, X: Any, finish: Callable[[torch.Tensor], torch.Tensor]) -> np.ndarray:
        check_is_fitted(self, "module_")
        X = _host_array(self._validate(X, fit=False))
        channels_last = bool(self.channels_last) and self._is_conv
        batch_size = check_int("predict_batch_size", self.predict_batch_size, 1)
        device = torch.device(self.device_)

        def prepare(chunk: torch.Tensor) -> torch.Tensor:
            return _modules.shape_batch(
                chunk, self._layout, self.input_shape_, channels_last=channels_last
            )

        # tf32 and cuDNN benchmark act on inference as on training; deterministic mode
        # is the fit's (left as the caller has it)
        with (
            _training.num_threads(self.threads),
            _training.numeric_settings(
                device,
                tf32=self.tf32,
                cudnn_benchmark=check_bool("cudnn_benchmark", self.cudnn_benchmark),
            ),
        ):
            return _training.forward_in_chunks(
                self.module_,
                X,
                prepare,
                finish,
                device=device,
                amp=self.amp_,
                batch_size=batch_size,
            )


class TorchClassifier(ClassifierMixin, TorchEstimator):
    """Classifier half: label encoding, ``predict`` and ``predict_proba``; score = accuracy."""

    _is_classifier: ClassVar[bool] = True

    def _encode_targets(self, y: np.ndarray) -> tuple[np.ndarray, int]:
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        n_classes = len(self.classes_)
        if self.loss == "bce":
            if n_classes != 2:
                raise ValueError(
                    f"loss='bce' needs a binary target; this one has {n_classes} classes "
                    "(use loss='cross_entropy')"
                )
            return codes.astype(np.int64), 1
        return codes.astype(np.int64), n_classes

    def _encode_eval_targets(self, y: Any) -> np.ndarray:
        y = column_or_1d(np.asarray(y))
        codes = np.searchsorted(self.classes_, y)
        known = (codes < len(self.classes_)) & (
            self.classes_[np.minimum(codes, len(self.classes_) - 1)] == y
        )
        if not known.all():
            raise ValueError("eval_set has class labels that the training data does not")
        return codes.astype(np.int64)

    def _binary_logit(self) -> bool:
        # bce trains one logit; read it from loss_, so set_params(loss=...) after fit
        # cannot change how outputs are read
        check_is_fitted(self, "module_")
        return self.loss_ == "bce"

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (softmax, or sigmoid for ``loss='bce'``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples shaped as in ``fit`` (flattened rows, or ``input_shape_`` per sample).

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            float64; columns in the order of ``classes_``; rows sum to 1.
        """
        if self._binary_logit():

            def finish(out: torch.Tensor) -> torch.Tensor:
                p = torch.sigmoid(out[:, :1])
                return torch.cat([1 - p, p], dim=1)

        else:

            def finish(out: torch.Tensor) -> torch.Tensor:
                return out.softmax(dim=1)

        proba = self._forward(X, finish).astype(np.float64)
        # float32 softmax rows sum to 1 within ~1e-7; make it exact in float64
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels (argmax of the logits).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            As for :meth:`predict_proba`.

        Returns
        -------
        ndarray of shape (n_samples,)
            Values from ``classes_``.
        """
        if self._binary_logit():

            def finish(out: torch.Tensor) -> torch.Tensor:
                return (out[:, 0] > 0).long()

        else:

            def finish(out: torch.Tensor) -> torch.Tensor:
                return out.argmax(dim=1)

        return self.classes_[self._forward(X, finish)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        # a few epochs of SGD on sklearn's tiny check datasets is not a tuned model
        tags.classifier_tags.poor_score = True
        return tags

    if _OLD_TAGS:  # pragma: no cover - scikit-learn < 1.6 (nox -s lowest)

        def _more_tags(self) -> dict[str, Any]:
            return {"poor_score": True}


class TorchRegressor(RegressorMixin, TorchEstimator):
    """Regressor half: one or several float targets; score = R^2."""

    def _encode_targets(self, y: np.ndarray) -> tuple[np.ndarray, int]:
        self._y_ndim = y.ndim
        targets = np.asarray(y, dtype=np.float32).reshape(y.shape[0], -1)
        self.n_outputs_ = targets.shape[1]
        return np.ascontiguousarray(targets), self.n_outputs_

    def _encode_eval_targets(self, y: Any) -> np.ndarray:
        y = np.asarray(y, dtype=np.float32)
        return np.ascontiguousarray(y.reshape(y.shape[0], -1))

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples, in the layout ``fit`` took.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
            float64; 1-d when ``y`` was 1-d in ``fit``.
        """
        out = self._forward(X, lambda out: out).astype(np.float64)
        return out.ravel() if self._y_ndim == 1 else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        tags.target_tags.multi_output = True
        return tags

    if _OLD_TAGS:  # pragma: no cover - scikit-learn < 1.6 (nox -s lowest)

        def _more_tags(self) -> dict[str, Any]:
            return {"poor_score": True, "multioutput": True}
