"""Fit-time preprocessing for tabular data: imputation, encoding, scaling.

An alias's pipeline is built before any data is seen, so the steps here look at the
training fold in ``fit`` and decide what to do there:

- a NumPy array, or a DataFrame whose columns are all numeric with no missing value, gets
  exactly what benchsuite always did (a ``StandardScaler`` for scaled aliases, nothing for
  the others), so results on such data are unchanged bit for bit;
- a DataFrame with categorical (``category``, object, string or bool) columns or missing
  values gets imputation and one-hot or ordinal encoding (:class:`TabularPreprocessor`), or
  its object columns turned into ``category`` for libraries that split on categories
  natively (:class:`CategoricalDtypes`).

Everything is learnt from the training fold only: categories unseen there are unknown
(ignored or missing) at predict time, and medians and scaler statistics are training-fold
statistics. Both classes are plain scikit-learn transformers: ``clone`` rebuilds them
from their constructor parameters.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import StandardScaler

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.compose import ColumnTransformer

# pandas, sklearn.compose and sklearn.impute (which imports sklearn.neighbors and more) are
# imported only once a DataFrame shows up: a run on arrays (the sklearn builtins, image
# sets) needs none of them, and they are a good part of a small run's start-up time

NUMERIC_MODES = ("passthrough", "scale")
CATEGORICAL_MODES = ("onehot", "ordinal")


def categorical_columns(X: pd.DataFrame) -> list[Any]:
    """Columns of ``X`` that hold categories rather than numbers.

    ``category``, object, string and bool columns; bool counts as a category because a
    one-hot or ordinal code is what every downstream estimator can use.
    """
    import pandas as pd

    return [
        col
        for col, dtype in X.dtypes.items()
        if isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or pd.api.types.is_bool_dtype(dtype)
    ]


def needs_tabular_handling(X: Any) -> bool:
    """Whether ``X`` is a DataFrame with categorical columns or missing values.

    Anything else (arrays, numeric frames without NaN) keeps benchsuite's original
    preprocessing.
    """
    pd = sys.modules.get("pandas")  # a DataFrame exists only once pandas is imported
    if pd is None or not isinstance(X, pd.DataFrame):
        return False
    return bool(categorical_columns(X)) or bool(X.isna().to_numpy().any())


class CategoricalDtypes(TransformerMixin, BaseEstimator):
    """Give categorical columns the ``category`` dtype with training-fold categories.

    For estimators with native categorical support (HistGradientBoosting, LightGBM,
    XGBoost), which split on pandas ``category`` columns but reject object columns.
    Object, string and bool columns get the categories seen in the training fold;
    ``category`` columns keep the categories their dtype declares at fit time. Numeric
    columns are left as they are, and anything that is not a DataFrame passes through
    untouched (the very same object).

    Attributes
    ----------
    categories_ : dict
        Column -> categories. In ``transform`` a value outside them becomes missing,
        which these estimators handle natively, and the codes mean the same in every
        frame (the libraries read the codes, not the labels).
    """

    def fit(self, X: Any, y: Any = None) -> CategoricalDtypes:
        """Learn each categorical column's categories from the training fold.

        Parameters
        ----------
        X : array-like or DataFrame
            The training fold; only a DataFrame's categorical columns are read.
        y : None
            Ignored (scikit-learn's fit signature).

        Returns
        -------
        CategoricalDtypes
            This transformer, fitted.
        """
        self.categories_: dict[Any, list[Any]] = {}
        pd = sys.modules.get("pandas")  # a DataFrame exists only once pandas is imported
        if pd is not None and isinstance(X, pd.DataFrame):
            for col in categorical_columns(X):
                dtype = X[col].dtype
                if isinstance(dtype, pd.CategoricalDtype):
                    self.categories_[col] = dtype.categories.tolist()
                    continue
                values = X[col].dropna().unique().tolist()
                # sorted for a deterministic code order; mixed types fall back to str order
                try:
                    self.categories_[col] = sorted(values)
                except TypeError:
                    self.categories_[col] = sorted(values, key=str)
        return self

    def transform(self, X: Any) -> Any:
        """Return ``X`` with the fitted categories (values outside them missing).

        Parameters
        ----------
        X : array-like or DataFrame
            Any fold; only a DataFrame's categorical columns change.

        Returns
        -------
        array-like or DataFrame
            ``X`` itself when every column already has its fitted dtype, else a copy.
        """
        if not self.categories_:  # no categorical column in the training fold
            return X
        import pandas as pd

        if not isinstance(X, pd.DataFrame):
            return X
        dtypes = {col: pd.CategoricalDtype(cats) for col, cats in self.categories_.items()}
        changed = [col for col, dtype in dtypes.items() if X[col].dtype != dtype]
        if not changed:
            return X
        X = X.copy()
        for col in changed:
            # values outside the fitted categories become missing explicitly: pandas is
            # deprecating the silent conversion in the Categorical constructor
            values = X[col].astype(object)
            values = values.where(values.isin(self.categories_[col]))
            X[col] = pd.Categorical(values, dtype=dtypes[col])
        return X


class TabularPreprocessor(TransformerMixin, BaseEstimator):
    """Impute, encode and optionally scale a table; decided from the training fold.

    On an array or an all-numeric DataFrame without missing values it is exactly the
    preprocessing benchsuite always used: a ``StandardScaler`` when ``numeric="scale"``,
    else the identity (``X`` itself is returned). On a DataFrame with categorical columns
    or missing values it is a ``ColumnTransformer``:

    - numeric columns: ``SimpleImputer(strategy="median")``, then ``StandardScaler`` when
      ``numeric="scale"``;
    - categorical columns (``category``, object, string, bool): with
      ``categorical="onehot"``, ``SimpleImputer(strategy="most_frequent")`` then
      ``OneHotEncoder(handle_unknown="ignore")``; with ``categorical="ordinal"``,
      ``OrdinalEncoder`` with unknown and missing values coded -1.

    Parameters
    ----------
    numeric : {"passthrough", "scale"}, default="passthrough"
        Whether numeric columns are standardized.
    categorical : {"onehot", "ordinal"}, default="ordinal"
        How categorical columns become numbers.
    frames_only : bool, default=False
        Leave arrays alone and always treat DataFrames as tables (impute, encode, scale
        every numeric column). For networks that read arrays as images or sequences,
        where a DataFrame can only be a table.

    Attributes
    ----------
    transformer_ : estimator or None
        The fitted ``StandardScaler`` or ``ColumnTransformer``; None for the identity.
    tabular_ : bool
        Whether the training fold needed imputation or encoding.
    """

    def __init__(
        self, numeric: str = "passthrough", categorical: str = "ordinal", frames_only: bool = False
    ) -> None:
        self.numeric = numeric
        self.categorical = categorical
        self.frames_only = frames_only

    def _column_transformer(self, X: pd.DataFrame) -> ColumnTransformer:
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

        categorical = categorical_columns(X)
        numeric = [c for c in X.columns if c not in set(categorical)]
        numeric_steps: list[Any] = [SimpleImputer(strategy="median")]
        if self.numeric == "scale":
            numeric_steps.append(StandardScaler())
        if self.categorical == "onehot":
            # dense: SVC, kNN and MLP want dense input, and tables rarely have so many
            # categories that the dense matrix matters
            encoder: Any = make_pipeline(
                SimpleImputer(strategy="most_frequent"),
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
            )
        else:
            encoder = OrdinalEncoder(
                handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1
            )
        return ColumnTransformer(
            [
                ("numeric", make_pipeline(*numeric_steps), numeric),
                ("categorical", encoder, categorical),
            ]
        )

    def fit(self, X: Any, y: Any = None) -> TabularPreprocessor:
        """Pick and fit the preprocessing for the training fold ``X``.

        Parameters
        ----------
        X : array-like or DataFrame
            The training fold; whether it has categorical columns or NaN picks the
            preprocessing (see the class).
        y : None
            Ignored (scikit-learn's fit signature).

        Returns
        -------
        TabularPreprocessor
            This preprocessor, fitted.

        Raises
        ------
        ValueError
            For an unknown ``numeric`` or ``categorical`` mode.
        """
        if self.numeric not in NUMERIC_MODES:
            raise ValueError(f"numeric must be one of {NUMERIC_MODES}, got {self.numeric!r}")
        if self.categorical not in CATEGORICAL_MODES:
            raise ValueError(
                f"categorical must be one of {CATEGORICAL_MODES}, got {self.categorical!r}"
            )
        if self.frames_only:
            self.tabular_ = hasattr(X, "columns")
            self.transformer_: Any = self._column_transformer(X).fit(X) if self.tabular_ else None
            return self
        self.tabular_ = needs_tabular_handling(X)
        if self.tabular_:
            self.transformer_ = self._column_transformer(X).fit(X)
        elif self.numeric == "scale":
            self.transformer_ = StandardScaler().fit(X)
        else:
            self.transformer_ = None
        return self

    def transform(self, X: Any) -> Any:
        """Apply the fitted preprocessing.

        Parameters
        ----------
        X : array-like or DataFrame
            Data of the kind the preprocessor was fitted on (array or same columns).

        Returns
        -------
        ndarray or the input
            ``X`` itself when the fitted preprocessing is the identity.
        """
        if self.transformer_ is None:
            return X
        return self.transformer_.transform(X)
