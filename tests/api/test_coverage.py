"""api.coverage and api.missing_fields read the stored run: no evaluation or model enrichment again, rows in batches.

The reference is the frame-based report (``coverage_report`` / ``field_gaps``) on the rows as the run's rules
saw them: the stored canonical rows with the run's derived columns, evaluated at once at the run's date.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers import REAL, SAMPLE
from procrisk import api
from procrisk.api import data_coverage as coverage_module
from procrisk.api.analyse import KEPT_DERIVED
from procrisk.reference.enrich import enrich_suppliers
from procrisk.rules import coverage_report, field_gaps
from procrisk.store import workspace as store

AS_OF = "2025-06-30"


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with the sample register, questionnaire and OCDS package, not scored yet."""
    ws = tmp_path_factory.mktemp("coverage") / "ws"
    for name in ("contract_register.xlsx", "supplier_questionnaire.xlsx", "ocds_release_package.json"):
        api.ingest_file(SAMPLE / name, workspace=ws)
    return ws


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Settings that pin the run's date, so the frame-based reference evaluates at the same date."""
    path = tmp_path_factory.mktemp("settings") / "settings.yaml"
    path.write_text(yaml.safe_dump({"as_of": AS_OF}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scored(ingested: Path, settings: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, api.Results]:
    """A copy of the workspace with a stored run."""
    ws = tmp_path_factory.mktemp("scored") / "ws"
    shutil.copytree(ingested, ws)
    api.analyse(ws, settings=settings)
    return ws, api.load_results(ws)


def _no_recompute(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make scoring, model enrichment and rule evaluation fail if anything calls them."""
    def fail(*_args, **_kwargs):
        raise AssertionError("coverage recomputed what the stored run holds")

    monkeypatch.setattr(coverage_module, "analyse", fail)
    monkeypatch.setattr("procrisk.ml.enrich_with_models", fail)
    monkeypatch.setattr("procrisk.rules.engine.evaluate_frame", fail)


def _reference(ws: Path, results: api.Results) -> tuple[pd.DataFrame, pd.DataFrame]:
    """coverage_report and field_gaps on the frames the run's rules read, evaluated at once."""
    workspace = api.open_workspace(ws)
    contracts = workspace.read_table("contracts")
    derived = [c for c in KEPT_DERIVED if c in results.contracts.columns]
    contracts = pd.concat([contracts.drop(columns=derived), results.contracts[derived]], axis=1)
    suppliers = workspace.read_table("suppliers")
    suppliers = enrich_suppliers(suppliers.assign(supplier_key=pd.Series(pd.NA, index=suppliers.index,
                                                                         dtype="string")))
    return (coverage_report(results.catalogue, contracts, suppliers),
            field_gaps(results.catalogue, contracts, suppliers))


def test_a_stored_run_is_read_without_evaluating_again(scored, monkeypatch):
    ws, results = scored
    reference_coverage, reference_gaps = _reference(ws, results)
    _no_recompute(monkeypatch)
    pd.testing.assert_frame_equal(api.coverage(ws), reference_coverage, check_exact=True)
    pd.testing.assert_frame_equal(api.missing_fields(ws), reference_gaps, check_exact=True)
    pd.testing.assert_frame_equal(api.coverage(ws, run_id=results.run_id), reference_coverage, check_exact=True)


def test_rows_read_in_small_batches_give_the_same_report(scored, monkeypatch):
    ws, _ = scored
    whole = api.missing_fields(ws)
    monkeypatch.setattr(store, "READ_BATCH_ROWS", 7)
    workspace = api.open_workspace(ws)
    rows = [b.num_rows for b in workspace.table_batches("contracts", ["contract_id"], batch_size=7)]
    assert max(rows) <= 7 and sum(rows) == len(workspace.read_table("contracts", columns=["contract_id"]))
    original = store.Workspace.table_batches

    def small(self, name, columns, batch_ids=None, batch_size=7):
        return original(self, name, columns, batch_ids, batch_size=7)

    monkeypatch.setattr(store.Workspace, "table_batches", small)
    pd.testing.assert_frame_equal(api.missing_fields(ws), whole, check_exact=True)


def test_without_a_current_run_an_unsaved_run_is_computed(ingested, scored, settings, tmp_path):
    ws, results = scored
    fresh = api.coverage(ingested, settings=settings)
    assert api.open_workspace(ingested).manifest()["runs"] == []  # nothing was stored
    pd.testing.assert_frame_equal(fresh, api.coverage(ws), check_exact=True)
    # a batch ingested after the run makes it stale: the report covers the new rows too
    stale = tmp_path / "ws"
    shutil.copytree(ws, stale)
    api.ingest_file(REAL / "ocds" / "uganda-ppda_release-package.json", workspace=stale)
    report = api.coverage(stale)
    assert report["rows"].max() > results.contracts.shape[0]


def test_nothing_ingested_is_an_error(tmp_path):
    from procrisk.errors import WorkspaceError

    with pytest.raises(WorkspaceError, match="ingest a file first"):
        api.coverage(tmp_path / "empty")
