"""The ``procrisk`` command line: thin wrappers around procrisk.api; user errors are one line and exit 1."""

from __future__ import annotations

import math
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pandas as pd

from procrisk.errors import ProcriskError
from procrisk.version import __version__

MAX_ISSUES_SHOWN = 30


class _Bar:
    """A one-line progress bar on stderr, shown only when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        """Create the bar (silent when not enabled)."""
        self.enabled = enabled
        self.stage = ""

    def __call__(self, stage: str, fraction: float) -> None:
        """Redraw the bar for a stage at a fraction 0..1."""
        if not self.enabled:
            return
        width = 30
        done = int(width * max(0.0, min(1.0, fraction)))
        sys.stderr.write(f"\r{stage:<24} [{'#' * done}{' ' * (width - done)}] {fraction:4.0%}")
        if fraction >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _progress(ctx: click.Context) -> _Bar:
    """The progress bar for this invocation (off with --quiet or when not on a terminal)."""
    return _Bar(sys.stderr.isatty() and not ctx.obj.get("quiet"))


def _config(ctx: click.Context) -> Any:
    """Resolve settings from --config, the environment and --workspace, and apply those that tune the process."""
    from procrisk.config import apply_process_settings, load_config

    config = load_config(ctx.obj.get("config"), workspace=ctx.obj.get("workspace"))
    apply_process_settings(config)
    return config


def _echo_issues(issues: pd.DataFrame, limit: int) -> None:
    """Print issues as 'file [sheet] row N, column: problem (value) -> fix', errors first."""
    if issues.empty:
        return
    ordered = issues.assign(_e=issues["severity"] != "error").sort_values(["_e", "source_row"], kind="stable")
    for issue in ordered.head(limit).itertuples():
        where = issue.source_file + (f" [{issue.source_sheet}]" if issue.source_sheet else "")
        if pd.notna(issue.source_row):
            where += f" row {int(issue.source_row)}"
        value = f' (value "{issue.value}")' if issue.value else ""
        click.echo(f"  {issue.severity:<7} {where}, column {issue.column}: {issue.problem}{value}. Fix: {issue.fix}")
    if len(issues) > limit:
        click.echo(f"  ... and {len(issues) - limit} more (write them all with --issues-csv PATH)")


def _write_issues_csv(issues: pd.DataFrame, path: Path | None) -> None:
    """Write the issues table to CSV (cells safe against formula injection)."""
    if path is None:
        return
    from procrisk.safety import neutralise_frame

    neutralise_frame(issues).to_csv(path, index=False)
    click.echo(f"issues written to {path}")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="procrisk")
@click.option("--workspace", "-w", type=click.Path(path_type=Path), default=None,
              help="Workspace folder (default: $PROCRISK_WORKSPACE or ./procrisk-workspace).")
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="YAML file of program settings (see docs/settings.md).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.pass_context
def cli(ctx: click.Context, workspace: Path | None, config: Path | None, quiet: bool) -> None:
    """Show where public purchases may rest on trafficking for labour exploitation, why, and what to do."""
    ctx.ensure_object(dict)
    ctx.obj.update(workspace=workspace, config=config, quiet=quiet)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--table", type=click.Choice(["contracts", "suppliers"]), help="Table (default: guessed from headers).")
@click.option("--sheet", help="Sheet to read (default: the first sheet that looks like a table).")
@click.option("--mapping", type=click.Path(path_type=Path, dir_okay=False), help="YAML column mapping file.")
@click.option("--replace", is_flag=True, help="Store the file again, superseding earlier batches of the same name.")
@click.option("--issues-csv", type=click.Path(path_type=Path, dir_okay=False), help="Write all issues to this CSV.")
@click.pass_context
def ingest(ctx: click.Context, files: tuple[Path, ...], table: str | None, sheet: str | None,
           mapping: Path | None, replace: bool, issues_csv: Path | None) -> None:
    """Read, map, validate and store FILES (CSV, XLSX or OCDS) as batches in the workspace."""
    from procrisk import api

    config = _config(ctx)
    all_issues = []
    for file in files:
        report = api.ingest_file(file, table=table, sheet=sheet, mapping=mapping, replace=replace, config=config,
                                 progress=_progress(ctx))
        click.echo(report.summary)
        for note in report.prepared.notes:
            click.echo(f"  note: {note}")
        _echo_issues(report.prepared.issues, MAX_ISSUES_SHOWN)
        all_issues.append(report.prepared.issues)
    _write_issues_csv(pd.concat(all_issues, ignore_index=True), issues_csv)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--table", type=click.Choice(["contracts", "suppliers"]), help="Table (default: guessed from headers).")
@click.option("--sheet", help="Sheet to read.")
@click.option("--mapping", type=click.Path(path_type=Path, dir_okay=False), help="YAML column mapping file.")
@click.option("--issues-csv", type=click.Path(path_type=Path, dir_okay=False), help="Write all issues to this CSV.")
@click.option("--max-issues", default=MAX_ISSUES_SHOWN, show_default=True, help="Issues to print.")
@click.pass_context
def validate(ctx: click.Context, file: Path, table: str | None, sheet: str | None, mapping: Path | None,
             issues_csv: Path | None, max_issues: int) -> None:
    """Dry run: read, map and validate FILE, print the issues, store nothing; exit 1 if any row has an error."""
    from procrisk import api

    prepared = api.validate_file(file, table=table, sheet=sheet, mapping=mapping, config=_config(ctx),
                                 progress=_progress(ctx))
    click.echo(f"{prepared.source_file}: {prepared.rows_read} rows read, {prepared.rows_stored} would be stored, "
               f"{prepared.rows_quarantined} quarantined; {prepared.errors} errors, {prepared.warnings} warnings")
    _echo_issues(prepared.issues, max_issues)
    _write_issues_csv(prepared.issues, issues_csv)
    if prepared.errors:
        ctx.exit(1)


@cli.group()
def mapping() -> None:
    """Column mappings: propose one for a file, then edit it and pass it to ingest --mapping."""


@mapping.command("suggest")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--table", type=click.Choice(["contracts", "suppliers"]), help="Table (default: guessed from headers).")
@click.option("--sheet", help="Sheet to read.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write the YAML here (default: stdout).")
@click.pass_context
def mapping_suggest(ctx: click.Context, file: Path, table: str | None, sheet: str | None, out: Path | None) -> None:
    """Propose a YAML column mapping for FILE, with a confidence per column."""
    from procrisk import api

    _, text = api.suggest_mapping_file(file, table=table, sheet=sheet, config=_config(ctx))
    if out is None:
        click.echo(text, nl=False)
        return
    from procrisk.store import atomic_write_bytes

    atomic_write_bytes(out, text.encode("utf-8"))
    click.echo(f"mapping written to {out}; edit it, then: procrisk ingest {file} --mapping {out}")


@cli.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show the workspace: batches, rows stored and quarantined, issues, scoring runs."""
    from procrisk import api

    info = api.workspace_status(config=_config(ctx))
    click.echo(f"workspace {info['workspace']}: {info['live_batches']} batches")
    for name, n in sorted(info["table_rows"].items()):
        click.echo(f"  {name}: {n} rows")
    click.echo(f"  quarantined rows: {info['rows_quarantined']}; issues: {info['errors']} errors, "
               f"{info['warnings']} warnings")
    for b in info["batches"]:
        state = f" superseded by {b['superseded_by']}" if b.get("superseded_by") else ""
        click.echo(f"  {b['batch_id']}  {b['source_file']}  read {b['rows_read']}, stored {b['rows_stored']}, "
                   f"quarantined {b['rows_quarantined']}  {b['created_at']}{state}")
    if info["runs"]:
        last = info["runs"][-1]
        click.echo(f"  last scoring run: {last['run_id']} ({last.get('created_at', '')})")


@cli.command()
@click.option("--settings", type=click.Path(path_type=Path, dir_okay=False),
              help="Jurisdiction settings file: rule parameters, enabled rules, weights, bands, as_of.")
@click.option("--rules", type=click.Path(path_type=Path, file_okay=False),
              help="Rule catalogue folder (default: the shipped rules/).")
@click.option("--as-of", help="Reference date for age rules (default: the date of the newest batch).")
@click.option("--top", default=10, show_default=True, help="How many of the riskiest contracts to list.")
@click.pass_context
def score(ctx: click.Context, settings: Path | None, rules: Path | None, as_of: str | None, top: int) -> None:
    """Score every contract and supplier against the rule catalogue and store the run."""
    from procrisk import api

    results = api.analyse(settings=settings, rules=rules, config=_config(ctx), progress=_progress(ctx), as_of=as_of)
    contracts = results.contracts
    bands = contracts["band"].value_counts()
    click.echo(f"run {results.run_id}: {len(contracts)} contract rows and {len(results.suppliers)} suppliers scored "
               f"against {len(results.catalogue)} rules (as of {results.manifest['as_of']})")
    click.echo("  bands: " + ", ".join(f"{b} {int(bands.get(b, 0))}" for b in ("critical", "high", "medium", "low")))
    click.echo(f"  average coverage {contracts['coverage'].mean():.0%} (share of applicable rule weight assessed)")
    ranked = contracts.sort_values(["exposure_rank"]).head(top)
    click.echo(f"  top {len(ranked)} by exposure (risk x value):")
    for row in ranked.itertuples():
        reasons = ", ".join(list(row.fired)[:4]) if row.fired is not None else ""
        click.echo(f"    {row.contract_id}  score {row.score:5.1f} {row.band:<8} coverage {row.coverage:4.0%}  "
                   f"{_short(row.supplier_name)}  [{reasons}]")
    click.echo("  explain one: procrisk explain CONTRACT_ID")


def _short(value: object, width: int = 40) -> str:
    """A cell as short text for terminal tables."""
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


@cli.command()
@click.argument("contract_id")
@click.option("--run", "run_id", help="Scoring run (default: the latest).")
@click.option("--all", "show_all", is_flag=True, help="Also list the clear and not-applicable rules.")
@click.pass_context
def explain(ctx: click.Context, contract_id: str, run_id: str | None, show_all: bool) -> None:
    """Every finding of a contract: evidence, citation and action, and the data that would unlock the rest."""
    from procrisk import api

    result = api.explain(contract_id, run_id=run_id, config=_config(ctx))
    s = result.score
    click.echo(f"{contract_id}: score {s['score']:.1f} ({s['band']}), coverage {s['coverage']:.0%}; "
               f"inherent {_num(s.get('inherent'))}, control gaps {_num(s.get('control_gaps'))}, "
               f"process {_num(s.get('process'))}" + ("; HARD FLAG " + str(s.get("hard_flags") or "").replace(";", ", ")
                                                      if s.get("hard_flag") else ""))
    for row in result.rows:
        click.echo(f"  {_short(row.get('title'), 60)} | buyer {_short(row.get('buyer_name'))} | supplier "
                   f"{_short(row.get('supplier_name'))} ({row.get('supplier_country') or '?'}) | "
                   f"{_num(row.get('award_value'))} {row.get('currency') or ''}")
    from procrisk.ml import explain_ml

    for row in result.rows:
        for topic, text in explain_ml(row).items():
            click.echo(f"  {topic}: {text}")
    click.echo(f"\nFlagged ({len(result.flagged)}):")
    for f in result.flagged:
        click.echo(f"  [{f.rule_code}] {f.title}: {f.explanation}")
        evidence = ", ".join(f"{k}={_short(v, 30)}" for k, v in f.evidence.items() if v is not None)
        click.echo(f"      evidence: {evidence}")
        if f.thresholds:
            click.echo("      thresholds: " + ", ".join(f"{k}={v}" for k, v in f.thresholds.items()))
        click.echo(f"      source: {f.citation}")
        click.echo(f"      action: {f.action}")
    click.echo(f"\nNot assessed ({len(result.not_assessed)}): the data that would unlock them")
    for f in result.not_assessed:
        click.echo(f"  [{f.rule_code}] {f.title}: {f.reason}")
    if show_all:
        for f in result.findings:
            if f.outcome in ("clear", "not_applicable"):
                click.echo(f"  {f.outcome:<14} [{f.rule_code}] {f.title}{': ' + f.reason if f.reason else ''}")


def _num(value: object) -> str:
    """A number for terminal output (blank when missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.1f}" if isinstance(value, float) else str(value)


@cli.command()
@click.option("--fields", "show_fields", is_flag=True, help="List the missing fields that would unlock the most.")
@click.pass_context
def coverage(ctx: click.Context, show_fields: bool) -> None:
    """Which rules this data supports, and which missing fields would unlock the most rule weight."""
    from procrisk import api

    report = api.coverage(config=_config(ctx))
    counts = report["status"].value_counts()
    click.echo(f"{len(report)} rules: " + ", ".join(f"{k} {int(v)}" for k, v in counts.items()))
    for row in report.sort_values(["status", "code"]).itertuples():
        blocking = ", ".join(list(row.blocking_fields)[:3]) if len(row.blocking_fields) else ""
        click.echo(f"  {row.code:<5} {row.status:<12} assessed {row.assessed_share:4.0%} of {row.applicable:>6} "
                   f"applicable  {_short(row.title, 38):<38} {('missing: ' + blocking) if blocking else ''}")
    gaps = api.missing_fields(config=_config(ctx))
    click.echo("\nFields that would unlock the most rule weight:")
    for row in gaps.head(None if show_fields else 10).itertuples():
        click.echo(f"  {row.field:<34} unlocks {row.weight_unlocked:8.1f}  (blocks {row.weight_blocked:8.1f})")


@cli.command()
@click.option("--limit", default=30, show_default=True, help="How many suppliers to list (most contracts first).")
@click.pass_context
def suppliers(ctx: click.Context, limit: int) -> None:
    """Resolved suppliers: one key for every spelling and id of a supplier, with its variants."""
    from procrisk import api

    table = api.list_suppliers(config=_config(ctx))
    click.echo(f"{len(table)} resolved suppliers")
    for row in table.head(limit).itertuples():
        name = getattr(row, "canonical_name", "")
        variants = [v for v in list(getattr(row, "variants", []) or []) if v != name]
        extra = f"  also: {'; '.join(_short(v, 30) for v in variants[:4])}" if variants else ""
        click.echo(f"  {row.supplier_key}  {_short(name, 40):<40} {getattr(row, 'n_contracts', 0):>4} contracts{extra}")


@cli.group()
def rules() -> None:
    """The rule catalogue: list, show one rule, check every rule file."""


@rules.command("list")
@click.option("--pillar", help="Only rules of this pillar.")
def rules_list(pillar: str | None) -> None:
    """List every rule: code, pillar, scope, weight, title."""
    from procrisk.rules import load_catalogue

    catalogue = load_catalogue()
    for rule in catalogue.rules:
        if pillar and rule.pillar != pillar:
            continue
        flag = " HARD" if rule.hard_flag else ""
        click.echo(f"{rule.code:<5} {rule.pillar:<14} {rule.scope:<9} w{rule.weight}{flag:<5} {rule.title}")


@rules.command("show")
@click.argument("code")
def rules_show(code: str) -> None:
    """Everything about one rule: check, parameters, citation, why, action, exclusions."""
    from procrisk.rules import load_catalogue, render_rule

    click.echo(render_rule(load_catalogue().get(code.upper())))


@rules.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True))
def rules_check(paths: tuple[Path, ...]) -> None:
    """Validate every rule file; name the file, the key and the fix for each problem (exit 1 on any)."""
    from procrisk.rules import check_catalogue

    problems = check_catalogue(list(paths) or None)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problems", err=True)
        raise click.exceptions.Exit(1)
    click.echo("every rule file is valid")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["xlsx", "pdf", "csv", "parquet"]), default=None,
              help="Report format (default: from the --out suffix, .xlsx or .pdf).")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Output file (.xlsx, .pdf), or a folder for csv and parquet.")
@click.option("--buyer", help="Only contracts whose buyer name contains this text (or whose buyer_id is it).")
@click.option("--supplier", help="Only contracts whose supplier name contains this text (or supplier id / key).")
@click.option("--period", help="Award period: 2024, 2024-Q2, 2024-03, 2024-03-31 or FROM..TO (open ends allowed).")
@click.option("--band", "bands", multiple=True, type=click.Choice(["low", "medium", "high", "critical"]),
              help="Only contracts in this band (repeat for several).")
@click.option("--run", "run_id", help="Scoring run to report on (default: the latest).")
@click.option("--title", help="Report title.")
@click.pass_context
def report(ctx: click.Context, fmt: str | None, out: Path, buyer: str | None, supplier: str | None,
           period: str | None, bands: tuple[str, ...], run_id: str | None, title: str | None) -> None:
    """Write an auditor's evidence report of a scoring run: Excel, PDF, or CSV / Parquet tables."""
    from procrisk.report import Filters, make_report

    filters = Filters.make(buyer=buyer, supplier=supplier, period=period, bands=bands)
    written = make_report(None, out, fmt, filters=filters, run_id=run_id, title=title, config=_config(ctx))
    c = written.counts
    click.echo(f"wrote {written.path}: {c['contracts']:,} contracts, {c['findings']:,} findings, "
               f"{c['suppliers']:,} suppliers (scope: {written.scope}); content digest {written.digest[:16]}")
    for note in written.notes:
        click.echo(f"  note: {note}")
    click.echo(f"  check it later: procrisk verify {written.path}")


@cli.command()
@click.argument("report_path", metavar="REPORT", type=click.Path(path_type=Path, exists=True))
@click.pass_context
def verify(ctx: click.Context, report_path: Path) -> None:
    """Recompute REPORT (.xlsx, .pdf or export folder) from the workspace: "matches", or what differs (exit 1)."""
    from procrisk.report import verify as verify_report

    result = verify_report(report_path, progress=_progress(ctx), config=_config(ctx))
    click.echo(f"{report_path}: {result.summary}")
    for line in result.differences:
        click.echo(f"  {line}")
    for note in result.notes:
        click.echo(f"  note: {note}")
    if not result.matches:
        ctx.exit(1)


@cli.command()
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("sample_data"),
              show_default=True, help="Folder to write the sample files to.")
@click.option("--seed", default=2018, show_default=True, help="Random seed: the same seed gives the same files.")
def sample(out: Path, seed: int) -> None:
    """Generate the synthetic sample register, questionnaire and OCDS package (documented risks planted)."""
    from procrisk.sample import generate_sample

    for name, path in generate_sample(out, seed=seed).items():
        click.echo(f"{name}: {path}")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; print procrisk errors as one line (exit 1), never a traceback."""
    run: Callable[..., Any] = cli.main
    try:
        code = run(args=argv, prog_name="procrisk", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except ProcriskError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # an unexpected failure: one line, the traceback only on request
        if os.environ.get("PROCRISK_DEBUG"):
            traceback.print_exc()
        click.echo(f"internal error: {type(exc).__name__}: {exc} (set PROCRISK_DEBUG=1 for the traceback and "
                   "please report it)", err=True)
        sys.exit(2)
