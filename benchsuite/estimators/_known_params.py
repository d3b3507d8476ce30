"""Constructor parameter names of the estimators that validation must not import
(xgboost, lightgbm, benchsuite's torch models), as the aliases' ``known_params``.

Pure data; unit tests keep each list true to the real signatures.
"""

from __future__ import annotations

# XGBModel.__init__ (xgboost 2.x/3.x). XGBClassifier/XGBRegressor add only ``objective``
# and forward the rest through **kwargs; a unit test keeps this list honest.
XGBOOST_PARAMS = (
    "max_depth",
    "max_leaves",
    "max_bin",
    "grow_policy",
    "learning_rate",
    "n_estimators",
    "verbosity",
    "objective",
    "booster",
    "tree_method",
    "n_jobs",
    "gamma",
    "min_child_weight",
    "max_delta_step",
    "subsample",
    "sampling_method",
    "colsample_bytree",
    "colsample_bylevel",
    "colsample_bynode",
    "reg_alpha",
    "reg_lambda",
    "scale_pos_weight",
    "base_score",
    "random_state",
    "missing",
    "num_parallel_tree",
    "monotone_constraints",
    "interaction_constraints",
    "importance_type",
    "device",
    "validate_parameters",
    "enable_categorical",
    "feature_types",
    "feature_weights",
    "max_cat_to_onehot",
    "max_cat_threshold",
    "multi_strategy",
    "eval_metric",
    "early_stopping_rounds",
    "callbacks",
    "gpu_id",  # xgboost < 2.0 name of ``device``
    "use_label_encoder",  # xgboost < 2.0
    "predictor",  # xgboost < 2.0
)

# LGBMModel.__init__ (lightgbm 4.x), then native LightGBM names passed through **kwargs
# that would otherwise look like typos of a signature name (colsample_bynode vs
# colsample_bytree). A unit test checks both against LightGBM's own tables.
LIGHTGBM_PARAMS = (
    "boosting_type",
    "num_leaves",
    "max_depth",
    "learning_rate",
    "n_estimators",
    "subsample_for_bin",
    "objective",
    "class_weight",
    "min_split_gain",
    "min_child_weight",
    "min_child_samples",
    "subsample",
    "subsample_freq",
    "colsample_bytree",
    "reg_alpha",
    "reg_lambda",
    "random_state",
    "n_jobs",
    "importance_type",
    # pass-through names
    "verbosity",
    "colsample_bynode",
    "max_leaves",
    "neg_subsample",
    "pos_subsample",
)


# Constructor parameters of the benchsuite.estimators.torch estimators, kept here so that
# validating a torch.* entry does not import torch; a unit test checks them against the
# real signatures. Every torch estimator takes the common ones after its network's own.
TORCH_COMMON_PARAMS = (
    "epochs",
    "batch_size",
    "lr",
    "optimizer",
    "momentum",
    "weight_decay",
    "dropout",
    "loss",
    "lr_schedule",
    "early_stopping",
    "validation_fraction",
    "n_iter_no_change",
    "device",
    "amp",
    "channels_last",
    "cudnn_benchmark",
    "deterministic",
    "tf32",
    "predict_batch_size",
    "compile",
    "threads",
    "input_shape",
    "random_state",
    "verbose",
)
