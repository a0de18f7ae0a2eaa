"""CategoryClassifier: probabilities, confident groups, and division accuracy on held-out coded rows.

Held-out sets: the UK Contracts Finder releases (English text, CPV-coded items; every distinct process is held
out) and 30 % of the sample register's coded contracts. The model is trained on the CPV 2008 descriptions, the
shipped sector terms and the other 70 % of the sample's coded contracts. Figures are in docs/ml.md.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers import REAL, SAMPLE
from procrisk.ingest.pipeline import prepare_file
from procrisk.ml import CategoryClassifier
from procrisk.ml.corpus import contract_text


def uk_contracts_finder() -> tuple[list[str], list[set[str]]]:
    """Title + description and the set of item CPV divisions of each distinct UK Contracts Finder process."""
    found: dict[str, tuple[str, set[str]]] = {}
    package = json.loads((REAL / "ocds" / "uk-contracts-finder_release-package.json").read_text(encoding="utf-8"))
    for release in package["releases"]:
        tender = release.get("tender") or {}
        codes = {str(item["classification"]["id"])[:2] for item in tender.get("items", [])
                 if (item.get("classification") or {}).get("scheme") == "CPV"}
        title = (tender.get("title") or "").strip()
        if codes and title:
            found[title] = (f"{title} {tender.get('description') or ''}", codes)
    return [t for t, _ in found.values()], [c for _, c in found.values()]


@pytest.fixture(scope="module")
def sample_split():
    """The sample register's coded contracts, split 70/30 with a fixed seed."""
    contracts = prepare_file(SAMPLE / "contract_register.xlsx").tables["contracts"]
    coded = contracts[contracts["cpv_division"].notna()].reset_index(drop=True)
    test = np.random.RandomState(0).rand(len(coded)) < 0.3
    return coded[~test], coded[test]


@pytest.fixture(scope="module")
def model(sample_split):
    train, _ = sample_split
    return CategoryClassifier(random_state=0).fit(contract_text(train).fillna("").tolist(),
                                                  train["classification_code"].astype(str).tolist())


def _accuracy(model, texts, truth):
    top = model.predict_top(texts, 3)
    return (float(np.mean([top[i, 0] in t for i, t in enumerate(truth)])),
            float(np.mean([bool(set(top[i]) & t) for i, t in enumerate(truth)])))


def test_category_sample_heldout_accuracy(model, sample_split):
    _, test = sample_split
    top1, top3 = _accuracy(model, contract_text(test).fillna("").tolist(), [{d} for d in test["cpv_division"]])
    print(f"sample register held-out: n={len(test)} top-1={top1:.3f} top-3={top3:.3f}")
    assert top1 >= 0.85
    assert top3 >= 0.95


def test_category_uk_contracts_finder_accuracy(model):
    texts, truth = uk_contracts_finder()
    top1, top3 = _accuracy(model, texts, truth)
    print(f"UK Contracts Finder (real OCDS): n={len(texts)} top-1={top1:.3f} top-3={top3:.3f}")
    assert len(texts) == 11
    assert top1 >= 0.25
    assert top3 >= 0.4


def test_category_probabilities_sum_to_one_and_group_only_when_confident(model):
    texts = ["Office cleaning services for the town hall", "Provision of services", "School meals catering"]
    proba = model.predict_proba(texts)
    assert np.allclose(proba.sum(axis=1), 1.0)
    division, probability, group, group_p = model.predict_group(texts)
    assert division[0] == "90" and group[0] == "909" and group_p[0] >= 0.5
    assert probability[1] < 0.5 and group[1] is None
    assert all(g is None or g.startswith(d) for d, g in zip(division, group, strict=True))


def test_category_rejects_labels_that_are_not_cpv():
    with pytest.raises(ValueError, match="y must be CPV codes or prefixes"):
        CategoryClassifier(use_reference=False).fit(["cleaning", "catering"], ["cleaning", "x"])
