"""SupplierResolver against the labelled evaluation set (tests/fixtures/ml, built by build_eval_set.py).

Pairwise precision and recall over every pair of names, at the shipped threshold, with the supplier country
given (as registers give it). Hard negatives: the share of labelled different-company pairs with near names
that keep different keys, and precision counted on the variant pairs plus the hard-negative pairs only.
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import FIXTURES
from procrisk.ml import SupplierResolver
from procrisk.ml.evaluation import kept_apart, pairwise_scores

EVAL = FIXTURES / "ml"


@pytest.fixture(scope="module")
def labelled():
    names = pd.read_csv(EVAL / "suppliers_eval.csv", dtype=str, keep_default_na=False)
    hard = pd.read_csv(EVAL / "suppliers_hard_negatives.csv", dtype=str, keep_default_na=False)
    return names, hard


def _resolve(names: pd.DataFrame, *, use_country: bool) -> list[str]:
    frame = pd.DataFrame({"supplier_name": names["name"], "supplier_country": names["country"].replace("", None)})
    return list(SupplierResolver(use_country=use_country).fit_transform(frame))


def _hard(names, hard, keys):
    key_of = dict(zip(names["name"], keys, strict=True))
    real = hard["origin"] == "real"
    a, b = [key_of[n] for n in hard["name_a"]], [key_of[n] for n in hard["name_b"]]
    merged = sum(x == y for x, y in zip(a, b, strict=True))
    return (kept_apart([x for x, r in zip(a, real, strict=True) if r], [y for y, r in zip(b, real, strict=True) if r]),
            kept_apart([x for x, r in zip(a, real, strict=True) if not r],
                       [y for y, r in zip(b, real, strict=True) if not r]), merged)


def test_resolver_meets_precision_and_recall_targets(labelled):
    names, hard = labelled
    keys = _resolve(names, use_country=True)
    scores = pairwise_scores(list(names["entity"]), keys)
    apart_real, apart_rule, merged = _hard(names, hard, keys)
    hard_precision = scores["correct_pairs"] / (scores["correct_pairs"] + merged)
    print(f"\nsupplier resolution (with country): precision={scores['precision']:.4f} recall={scores['recall']:.4f} "
          f"pairs={scores['true_pairs']}; hard negatives kept apart: real {apart_real:.3f}, rule {apart_rule:.3f}; "
          f"precision on variants + hard negatives={hard_precision:.4f}")
    assert scores["precision"] >= 0.98
    assert scores["recall"] >= 0.90
    assert apart_rule >= 0.99
    assert apart_real >= 0.95


def test_resolver_names_only_figures(labelled):
    names, hard = labelled
    keys = _resolve(names, use_country=False)
    scores = pairwise_scores(list(names["entity"]), keys)
    apart_real, apart_rule, _ = _hard(names, hard, keys)
    print(f"\nsupplier resolution (names only): precision={scores['precision']:.4f} recall={scores['recall']:.4f}; "
          f"hard negatives kept apart: real {apart_real:.3f}, rule {apart_rule:.3f}")
    assert scores["precision"] >= 0.97
    assert scores["recall"] >= 0.90


def test_eval_set_is_small_and_documented():
    files = [p for p in EVAL.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 2_000_000
    assert (EVAL / "README.md").exists()
