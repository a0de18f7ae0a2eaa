"""Type-8 quantiles and fma fences, as OCP Cardinal (statrs 0.16) computes them."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procrisk.rules.quantiles import fma, lower_fence, quantile_type8, tukey_fences, upper_fence

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(finite, min_size=1, max_size=60), st.floats(min_value=0.0, max_value=1.0))
def test_matches_numpy_median_unbiased(values, p):
    ours = quantile_type8(values, p)
    theirs = float(np.quantile(np.asarray(values), p, method="median_unbiased"))
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-9)


def test_small_samples_and_edges():
    assert math.isnan(quantile_type8([], 0.5))
    assert math.isnan(quantile_type8([1.0, 2.0], 1.5))
    assert quantile_type8([7.0], 0.25) == quantile_type8([7.0], 0.75) == 7.0
    assert (quantile_type8([1.0, 9.0], 0.25), quantile_type8([1.0, 9.0], 0.75)) == (1.0, 9.0)
    assert quantile_type8([3.0, 1.0, 2.0], 0.0) == 1.0
    assert quantile_type8([3.0, 1.0, 2.0], 1.0 - 2e-16) == 3.0  # "p is 1" within a few ulps, as statrs
    with pytest.raises(ValueError, match="NaN"):
        quantile_type8([1.0, math.nan], 0.5)


def test_hand_computed_quartiles():
    values = [0.01, 0.10, 0.11, 0.12, 0.13, 0.14, 0.15, 0.90]
    # h = (8 + 1/3) * 0.25 + 1/3 = 2.4166..., between x[1] = 0.10 and x[2] = 0.11
    assert quantile_type8(values, 0.25) == pytest.approx(0.10 + (2.4166666666666665 - 2) * 0.01)


@settings(max_examples=300, deadline=None)
@given(finite, finite, finite)
def test_fma_rounds_once(x, y, z):
    exact = Fraction(x) * Fraction(y) + Fraction(z)
    assert fma(x, y, z) == float(exact)


def test_fences_use_fma():
    fences = tukey_fences([0.3125, 0.5, 0.5, 0.5, 0.625, 0.625, 0.625, 1.0])
    assert (fences.q1, fences.q3) == (0.5, 0.625)
    assert fences.lower_fence == lower_fence(0.5, 0.625) == 0.3125
    assert fences.upper_fence == upper_fence(0.5, 0.625) == 0.8125
    assert fences.n == 8
    empty = tukey_fences([])
    assert empty.n == 0 and empty.as_meta()["q1"] is None
