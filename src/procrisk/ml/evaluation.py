"""Scores for supplier resolution and category inference against labelled data (tests, docs/ml.md, bench)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np


def _pairs(counts: Counter) -> int:
    """Number of unordered pairs inside groups of the given sizes."""
    return sum(n * (n - 1) // 2 for n in counts.values())


def pairwise_scores(truth: Sequence[object], predicted: Sequence[object]) -> dict[str, float]:
    """Pairwise precision and recall of a clustering: over all pairs of rows, same predicted key vs same entity.

    Rows whose predicted key is None count as singletons.
    """
    pred = [p if p is not None else ("__none__", i) for i, p in enumerate(predicted)]
    both = Counter(zip(truth, pred, strict=True))
    true_pairs = _pairs(Counter(truth))
    pred_pairs = _pairs(Counter(pred))
    correct = _pairs(both)
    precision = correct / pred_pairs if pred_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    return {"precision": precision, "recall": recall, "true_pairs": true_pairs, "predicted_pairs": pred_pairs,
            "correct_pairs": correct}


def kept_apart(keys_a: Sequence[object], keys_b: Sequence[object]) -> float:
    """Share of labelled different-entity pairs that got different keys."""
    if not keys_a:
        return 1.0
    return float(np.mean([a is None or a != b for a, b in zip(keys_a, keys_b, strict=True)]))


def top_k_accuracy(truth: Sequence[set[str]], ranked: Sequence[Sequence[str]], k: int) -> float:
    """Share of rows whose true labels (a set; any counts) appear among the first k ranked predictions."""
    if not truth:
        return float("nan")
    return float(np.mean([bool(set(r[:k]) & t) for t, r in zip(truth, ranked, strict=True)]))
