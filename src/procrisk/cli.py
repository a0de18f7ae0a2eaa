"""The ``procrisk`` command line: thin wrappers around procrisk.api; user errors are one line and exit 1."""

from __future__ import annotations

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
    """Resolve settings from --config, the environment and --workspace."""
    from procrisk.config import load_config

    return load_config(ctx.obj.get("config"), workspace=ctx.obj.get("workspace"))


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
