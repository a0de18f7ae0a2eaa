"""CategoryClassifier: the CPV division (and, when confident, the group) of a contract from its text."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from sklearn.utils.validation import check_is_fitted

from procrisk.ml.corpus import reference_corpus
from procrisk.ml.missing import is_missing


def _texts(X: Any) -> list[str]:  # noqa: N803
    """Input texts as a list of str (missing values become "")."""
    values = X.tolist() if isinstance(X, pd.Series | np.ndarray) else list(X)
    return ["" if is_missing(v) else str(v) for v in values]


def _labels(y: Any) -> tuple[list[str], list[str | None]]:
    """Division and group of each CPV code or prefix ('90', '909', '90910000-9'); a group only below division."""
    divisions: list[str] = []
    groups: list[str | None] = []
    for value in _texts(y):
        code = value.replace("-", "").strip()
        if len(code) < 2 or not code[:2].isdigit():
            msg = f"CategoryClassifier: y must be CPV codes or prefixes such as '90' or '90910000-9', got {value!r}"
            raise ValueError(msg)
        divisions.append(code[:2])
        below_division = len(code) >= 3 and code[2:].strip("0") != ""
        groups.append(code[:3] if below_division else None)
    return divisions, groups


class CategoryClassifier(ClassifierMixin, BaseEstimator):
    """Predict the CPV division of a contract from its title and description, and its group when confident.

    Text features are word (1-2) and character (4, within words) TF-IDF n-grams; the division model is a
    multinomial logistic regression, and each division has its own group model, so the probability of a
    group is P(division) x P(group | division). With ``use_reference`` the CPV 2008 descriptions and the
    shipped sector terms are added to the training data, so the model works with no coded rows at all.

    Parameters
    ----------
    C : float, default=10.0
        Inverse regularisation strength of the logistic regressions.
    char_ngrams : bool, default=True
        Add character 4-grams (within word boundaries) to the word n-grams; they catch word forms the CPV
        list does not spell ("resurfacing" next to "surfacing").
    use_reference : bool, default=True
        Train on the CPV 2008 descriptions and the sector terms as well as on the given rows.
    group_min_probability : float, default=0.5
        ``predict_group`` returns a group only when its probability reaches this value.
    max_iter : int, default=100
        Maximum passes of the SAGA solver.
    tol : float, default=1e-2
        Stopping tolerance of the solver.
    random_state : int, RandomState instance or None, default=None
        Seeds the solver's sampling order; a fixed value gives identical models.

    Attributes
    ----------
    classes_ : ndarray of str
        The divisions the model knows, sorted.
    vectorizer_ : FeatureUnion
        The fitted text features.
    division_model_ : LogisticRegression
        The division classifier.
    group_models_ : dict
        Division to a fitted LogisticRegression over its groups, or to the single group name.
    n_training_rows_ : dict
        Training rows by origin ('cpv', 'terms', 'data').

    Examples
    --------
    >>> from procrisk.ml import CategoryClassifier
    >>> model = CategoryClassifier(random_state=0).fit([], [])
    >>> str(model.predict(["Office cleaning services for the town hall"])[0])
    '90'
    """

    def __init__(self, *, C: float = 10.0, char_ngrams: bool = True, use_reference: bool = True,  # noqa: N803
                 group_min_probability: float = 0.5, max_iter: int = 100, tol: float = 1e-2,
                 random_state: int | np.random.RandomState | None = None) -> None:
        """Store the parameters unchanged (validated in fit)."""
        self.C = C
        self.char_ngrams = char_ngrams
        self.use_reference = use_reference
        self.group_min_probability = group_min_probability
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _features(self) -> FeatureUnion:
        """A new, unfitted text feature union."""
        parts = [("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode",
                                           min_df=1, dtype=np.float32))]
        if self.char_ngrams:
            parts.append(("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 4), sublinear_tf=True,
                                                   strip_accents="unicode", min_df=2, dtype=np.float32)))
        return FeatureUnion(parts)

    def _model(self) -> LogisticRegression:
        """A new logistic regression with this estimator's settings."""
        return LogisticRegression(C=float(self.C), solver="saga", max_iter=int(self.max_iter), tol=float(self.tol),
                                  random_state=self.random_state)

    def fit(self, X: Any, y: Any = None) -> CategoryClassifier:  # noqa: N803
        """Learn divisions and groups from texts X and CPV codes or prefixes y (plus the reference corpus)."""
        if float(self.C) <= 0 or not 0 <= float(self.group_min_probability) <= 1:
            msg = "C must be > 0 and group_min_probability between 0 and 1"
            raise ValueError(msg)
        texts = _texts(X)
        divisions, groups = _labels(y if y is not None else [])
        if len(texts) != len(divisions):
            msg = f"X has {len(texts)} texts but y has {len(divisions)} labels"
            raise ValueError(msg)
        origins = ["data"] * len(texts)
        if self.use_reference:
            corpus = reference_corpus()
            texts += corpus["text"].tolist()
            divisions += corpus["division"].tolist()
            groups += corpus["group"].tolist()
            origins += corpus["origin"].tolist()
        if len(set(divisions)) < 2:
            msg = "CategoryClassifier needs texts of at least two divisions (or use_reference=True)"
            raise ValueError(msg)
        self.vectorizer_ = self._features()
        features = self.vectorizer_.fit_transform(texts)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.division_model_ = self._model().fit(features, divisions)
            self.group_models_ = self._fit_groups(features, np.asarray(divisions), np.asarray(groups, dtype=object))
        self.classes_ = self.division_model_.classes_
        self.n_training_rows_ = {o: origins.count(o) for o in ("cpv", "terms", "data")}
        return self

    def _fit_groups(self, features: Any, divisions: np.ndarray, groups: np.ndarray) -> dict[str, Any]:
        """One group model per division (or the only group when a division has one)."""
        models: dict[str, Any] = {}
        for division in sorted(set(divisions)):
            rows = np.flatnonzero((divisions == division) & pd.notna(groups))
            names = sorted(set(groups[rows]))
            if len(names) == 1:
                models[division] = names[0]
            elif len(names) > 1:
                models[division] = self._model().fit(features[rows], groups[rows].astype(str))
        return models

    def predict_proba(self, X: Any) -> np.ndarray:  # noqa: N803
        """Probability of each division (columns in ``classes_`` order) for each text."""
        check_is_fitted(self, "division_model_")
        return self.division_model_.predict_proba(self.vectorizer_.transform(_texts(X)))

    def predict(self, X: Any) -> np.ndarray:  # noqa: N803
        """The most probable division of each text."""
        check_is_fitted(self, "division_model_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def predict_top(self, X: Any, k: int = 3) -> np.ndarray:  # noqa: N803
        """The k most probable divisions of each text, best first."""
        proba = self.predict_proba(X)
        return self.classes_[np.argsort(-proba, axis=1, kind="stable")[:, :k]]

    def predict_group(self, X: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # noqa: N803
        """Division, its probability, group (None below group_min_probability) and group probability per text."""
        check_is_fitted(self, "division_model_")
        features = self.vectorizer_.transform(_texts(X))
        proba = self.division_model_.predict_proba(features)
        best = np.argmax(proba, axis=1)
        division = self.classes_[best]
        division_p = proba[np.arange(len(best)), best]
        group = np.full(len(best), None, dtype=object)
        group_p = np.full(len(best), np.nan)
        for name in np.unique(division):
            model = self.group_models_.get(name)
            rows = np.flatnonzero(division == name)
            if model is None:
                continue
            if isinstance(model, str):
                chosen, conditional = np.full(len(rows), model, dtype=object), np.ones(len(rows))
            else:
                sub = model.predict_proba(features[rows])
                pick = np.argmax(sub, axis=1)
                chosen, conditional = model.classes_[pick], sub[np.arange(len(rows)), pick]
            group_p[rows] = division_p[rows] * conditional
            group[rows] = chosen
        group[~(group_p >= float(self.group_min_probability))] = None
        return division, division_p, group, group_p

    def __sklearn_tags__(self) -> Any:
        """Text input (a sequence of strings), string labels."""
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.required = False
        return tags
