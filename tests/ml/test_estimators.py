"""The scikit-learn estimator contract for SupplierResolver, CategoryClassifier and PeerPriceScorer.

All three take text or a frame of named columns, not a numeric 2-D array, so they declare
``input_tags.two_d_array = False``; scikit-learn's common checks then run only ``check_estimator_cloneable``
through ``parametrize_with_checks``, and the data-free API checks are run explicitly below. Skipped (they feed
random numeric arrays): fit/transform/predict invariance, dtype, NaN/inf, sparse, pickling and n_features_in
checks; the behaviour they cover is tested on real inputs in the other test modules.
"""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import estimator_checks as checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from procrisk.ml import CategoryClassifier, PeerPriceScorer, SupplierResolver

NAMES = ["ACME Ltd", "Acme Limited", "Beta GmbH", "Gamma S.A. de C.V."]
TEXTS = ["office cleaning services", "window cleaning", "school meals catering", "canteen catering services"]
CODES = ["90910000-9", "90911300-9", "55523100-3", "55520000-1"]
PRICES = pd.DataFrame({"award_value": [100.0, 110, 90, 105, 40], "currency": "GBP", "country": "GB",
                       "year": "2024", "cpv_division": "90", "cpv_group": "909"})


def _estimators():
    return [SupplierResolver(), CategoryClassifier(use_reference=False, random_state=0), PeerPriceScorer()]


def _fit(estimator):
    if isinstance(estimator, SupplierResolver):
        return estimator.fit(NAMES)
    if isinstance(estimator, CategoryClassifier):
        return estimator.fit(TEXTS, CODES)
    return estimator.fit(PRICES)


@parametrize_with_checks(_estimators())
def test_sklearn_common_checks(estimator, check):
    check(estimator)


API_CHECKS = [checks.check_no_attributes_set_in_init, checks.check_get_params_invariance, checks.check_set_params,
              checks.check_parameters_default_constructible, checks.check_estimator_repr,
              checks.check_do_not_raise_errors_in_init_or_set_params, checks.check_valid_tag_types,
              checks.check_estimator_tags_renamed]


@pytest.mark.parametrize("check", API_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("estimator", _estimators(), ids=lambda e: type(e).__name__)
def test_estimator_api_checks(estimator, check):
    check(type(estimator).__name__, estimator)


@pytest.mark.parametrize("estimator", _estimators(), ids=lambda e: type(e).__name__)
def test_estimator_clone_round_trip(estimator):
    copy = clone(estimator)
    assert copy is not estimator
    assert copy.get_params() == estimator.get_params()


@pytest.mark.parametrize("estimator", _estimators(), ids=lambda e: type(e).__name__)
def test_estimator_fit_returns_self_and_sets_underscore_attributes_only_in_fit(estimator):
    before = set(vars(estimator))
    assert all(not name.endswith("_") for name in before)
    assert _fit(estimator) is estimator
    learned = set(vars(estimator)) - before
    assert learned
    assert all(name.endswith("_") for name in learned)


@pytest.mark.parametrize("estimator", _estimators(), ids=lambda e: type(e).__name__)
def test_estimator_unfitted_raises_not_fitted(estimator):
    with pytest.raises(NotFittedError):
        estimator.transform(NAMES) if not isinstance(estimator, CategoryClassifier) else estimator.predict(TEXTS)


def test_estimator_params_stored_verbatim():
    overrides = {"confirm": [{"names": ["Acme Ltd", "Apex Ltd"]}]}
    resolver = SupplierResolver(threshold=0.7, ngram_range=(3, 3), overrides=overrides)
    assert resolver.get_params()["overrides"] is overrides
    assert resolver.threshold == 0.7
    assert PeerPriceScorer(levels=("group",)).levels == ("group",)


def test_estimator_invalid_params_rejected_in_fit_not_init():
    resolver = SupplierResolver(threshold=2.0)
    with pytest.raises(ValueError, match="threshold must be between 0 and 1"):
        resolver.fit(NAMES)
    with pytest.raises(ValueError, match="min_peers must be >= 1"):
        PeerPriceScorer(min_peers=0).fit(PRICES)
    with pytest.raises(ValueError, match="levels must be a non-empty subset"):
        PeerPriceScorer(levels=("city",)).fit(PRICES)


def test_estimator_fixed_random_state_gives_identical_output():
    first = CategoryClassifier(use_reference=False, random_state=3).fit(TEXTS, CODES).predict_proba(TEXTS)
    second = CategoryClassifier(use_reference=False, random_state=3).fit(TEXTS, CODES).predict_proba(TEXTS)
    assert (first == second).all()
    keys = [SupplierResolver().fit_transform(NAMES).tolist() for _ in range(2)]
    assert keys[0] == keys[1]
    prices = [PeerPriceScorer().fit_transform(PRICES) for _ in range(2)]
    pd.testing.assert_frame_equal(prices[0], prices[1])
