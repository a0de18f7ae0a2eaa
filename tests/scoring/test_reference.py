"""Scores on a realistic outcome matrix equal a row-by-row reference of docs/methodology.md, blocks and threads alike.

The matrix comes from the shipped catalogue evaluated on generated contracts and suppliers (bench/score.py's
generator). The reference walks each row in Python; the vectorised scorer works on blocks of rows on threads.
Supplier aggregates are compared with the plain group-by they replace (ufunc.at maxima, filtered bincounts).
"""

from __future__ import annotations

import importlib.util
from datetime import date

import numpy as np
import pandas as pd
import pytest

from helpers import ROOT
from procrisk.rules import ParquetSource, evaluate_table, load_catalogue
from procrisk.scoring import GROUPS, SUBSCORES, score_contracts, score_outcomes, score_suppliers
from procrisk.scoring import suppliers as supplier_scores
from procrisk.scoring.score import RuleVectors, score_values

AS_OF = date(2025, 6, 30)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    spec = importlib.util.spec_from_file_location("bench_score", ROOT / "bench" / "score.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    folder = tmp_path_factory.mktemp("realistic")
    bench.generate(folder, 5_000, 400, files=2)
    catalogue = load_catalogue()
    suppliers = evaluate_table(catalogue, ParquetSource(folder / "tables" / "suppliers"), scope="supplier",
                               as_of=AS_OF)
    contracts = evaluate_table(catalogue, ParquetSource(folder / "tables" / "contracts"), scope="contract",
                               suppliers=suppliers, as_of=AS_OF)
    return catalogue, contracts, suppliers


def _reference_row(outcomes: np.ndarray, rules: list, catalogue) -> dict[str, float]:
    """One row's sub-scores, coverage, score and band, straight from the methodology, in Python."""
    settings = catalogue.settings
    group_of = {p: g for g, pillars in SUBSCORES.items() for p in pillars}
    risk = dict.fromkeys(GROUPS, 0.0)
    weight = dict.fromkeys(GROUPS, 0.0)
    assessed = dict.fromkeys(GROUPS, 0.0)
    hard = False
    for x, rule in zip(outcomes.tolist(), rules, strict=True):
        if x == -2:
            continue
        g = group_of[rule.pillar]
        w = float(rule.weight)
        r = {1: 1.0, 0: 0.0, -1: rule.effective_unknown_risk(settings.default_unknown_risk)}[x]
        risk[g] += w * r
        weight[g] += w
        assessed[g] += w if x in (0, 1) else 0.0
        hard |= rule.hard_flag and x == 1
    out = {g: 100.0 * risk[g] / weight[g] if weight[g] else np.nan for g in GROUPS}
    out.update({f"{g}_coverage": assessed[g] / weight[g] if weight[g] else np.nan for g in GROUPS})
    total = sum(weight.values())
    out["coverage"] = sum(assessed.values()) / total if total else np.nan
    c = settings.composite
    parts = [(v, w) for v, w in ((out["control_gaps"], c.control_gaps), (out["process"], c.process))
             if not np.isnan(v)]
    m = sum(v * w for v, w in parts) / sum(w for _, w in parts) if parts and sum(w for _, w in parts) else np.nan
    ir = out["inherent"]
    if not np.isnan(ir) and not np.isnan(m):
        score = ir * (c.baseline + c.amplifier * m / 100.0)
    else:
        score = ir if not np.isnan(ir) else m if not np.isnan(m) else 0.0
    out["score"] = min(max(score, 0.0), 100.0)
    bands = settings.bands
    out["band"] = 3 if hard else int(sum(out["score"] >= t for t in (bands.medium, bands.high, bands.critical)))
    out["hard_flag"] = hard
    return out


def test_contract_scores_equal_the_row_by_row_reference(run):
    catalogue, contracts, _ = run
    rules = [catalogue.get(code) for code in contracts.codes]
    frame = score_outcomes(contracts.values, catalogue.rules, contracts.codes, catalogue.settings)
    picked = np.random.default_rng(5).choice(len(contracts), 1_500, replace=False)
    reference = pd.DataFrame([_reference_row(contracts.values[i], rules, catalogue) for i in picked])
    got = frame.iloc[picked].reset_index(drop=True)
    for column in (*GROUPS, *(f"{g}_coverage" for g in GROUPS), "coverage", "score"):
        np.testing.assert_allclose(got[column].to_numpy(float), reference[column].to_numpy(float), rtol=1e-12,
                                   atol=1e-12, equal_nan=True, err_msg=column)
    assert (got["hard_flag"].to_numpy() == reference["hard_flag"].to_numpy()).all()
    near = np.zeros(len(got), dtype=bool)  # a cut-off within float noise may fall either way
    for t in (catalogue.settings.bands.medium, catalogue.settings.bands.high, catalogue.settings.bands.critical):
        near |= np.abs(reference["score"].to_numpy() - t) < 1e-9
    assert (got["band"].cat.codes.to_numpy()[~near] == reference["band"].to_numpy()[~near]).all()
    assert reference["band"].nunique() == 4 and reference["hard_flag"].any()


def test_blocks_and_threads_give_identical_scores(run):
    catalogue, contracts, _ = run
    vec = RuleVectors.build(catalogue.rules, contracts.codes, catalogue.settings.default_unknown_risk)
    whole = score_values(contracts.values, vec, catalogue.settings, chunk_rows=1 << 30, workers=1)
    for chunk_rows, workers in ((64, 2), (1_001, 3)):
        blocks = score_values(contracts.values, vec, catalogue.settings, chunk_rows=chunk_rows, workers=workers)
        assert whole.keys() == blocks.keys()
        for key, expected in whole.items():
            assert np.array_equal(blocks[key], expected, equal_nan=expected.dtype.kind == "f"), key


def _reference_supplier_maxima(ids: np.ndarray, codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(largest, smallest) code per group with ufunc.at over the kept rows, as score_suppliers did before."""
    keep = (ids >= 0) & (codes >= 0)
    high = np.full(size, -1, dtype=np.int64)
    low = np.full(size, np.iinfo(np.int64).max)
    np.maximum.at(high, ids[keep], codes[keep])
    np.minimum.at(low, ids[keep], codes[keep])
    return high, np.where(high >= 0, low, -1)


def test_supplier_aggregates_equal_the_plain_group_by(run):
    catalogue, contracts, suppliers = run
    scores = score_contracts(catalogue, contracts)
    groups = supplier_scores._groups(scores, suppliers)
    size = len(groups.labels)
    ids = groups.ids
    award = scores["award_value"].to_numpy(dtype=float, na_value=np.nan)
    weights = np.where(np.isnan(award), 0.0, award) * scores["score"].to_numpy()
    keep = ids >= 0
    expected = np.bincount(ids[keep], weights=weights[keep], minlength=size)[:size]
    assert np.array_equal(supplier_scores._bincount(ids, weights, size), expected)
    band = scores["band"].cat.codes.to_numpy()
    high, _ = _reference_supplier_maxima(ids, band.astype(np.int64), size)
    assert np.array_equal(supplier_scores._largest_code(ids, band, size), high)
    currency = scores["currency"].cat.codes.to_numpy().astype(np.int64)
    high, low = _reference_supplier_maxima(ids, currency, size)
    assert np.array_equal(supplier_scores._largest_code(ids, currency, size), high)
    assert np.array_equal(supplier_scores._largest_code(ids, currency, size, smallest=True), low)
    table = score_suppliers(catalogue, scores, suppliers)
    assert (table["currency"] == "mixed").any()


@pytest.mark.parametrize("seed", range(4))
def test_code_range_equals_the_plain_group_by_on_random_groups(seed):
    rng = np.random.default_rng(seed)
    n, size, k = (0, 0, 1) if seed == 0 else (int(rng.integers(1, 5_000)), int(rng.integers(1, 300)), seed * 3)
    ids = rng.integers(-1, size, n) if size else np.zeros(0, dtype=np.int64)
    codes = rng.integers(-1, k, n).astype(np.int8)
    high, low = _reference_supplier_maxima(ids, codes.astype(np.int64), size)
    got_low, got_high = supplier_scores._code_range(ids, codes, size)
    assert np.array_equal(got_high, high) and np.array_equal(got_low, low)
