"""The one public pipeline that the CLI, the dashboard, notebooks and reports all call."""

from procrisk.api.analyse import Results, analyse, load_results, what_if
from procrisk.api.data_coverage import coverage, missing_fields
from procrisk.api.explain import Explanation, explain, explain_supplier, list_suppliers
from procrisk.api.ingest import (
    IngestReport,
    ingest_file,
    open_workspace,
    read_issues,
    suggest_mapping_file,
    validate_file,
    workspace_status,
)
from procrisk.rules import load_catalogue

__all__ = [
    "Explanation", "IngestReport", "Results", "analyse", "coverage", "explain", "explain_supplier", "ingest_file",
    "list_suppliers", "load_catalogue", "load_results", "missing_fields", "open_workspace", "read_issues",
    "suggest_mapping_file", "validate_file", "what_if", "workspace_status",
]
