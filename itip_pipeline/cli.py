"""The `itip` command: the entry points the Makefile and a data engineer use."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from itip_pipeline.core.escaping import for_terminal
from itip_pipeline.core.process_exit import skip_collection_at_exit
from itip_pipeline.core.published_layout import RELEASE_REASON_ENV, RELEASE_REASONS
from itip_pipeline.core.settings import get_settings
from itip_pipeline.core.survey_years import parse_years
from itip_pipeline.synthetic.panel_formats import PANEL_FORMATS


def _generate(args: argparse.Namespace) -> None:
    from itip_pipeline.synthetic.generator import generate_deliveries

    out = Path(args.out).resolve() if args.out else get_settings().landing_dir
    written = generate_deliveries(
        out, parse_years(args.years), seed=args.seed, scale=args.scale, panel_format=args.panel_format
    )
    print(f"Wrote {len(written)} SYNTHETIC delivery files under {out}")


def _run(args: argparse.Namespace) -> None:
    from itip_pipeline.runner.itip_run import run_all

    settings = get_settings()
    if args.reason:  # read by the publish step, in this process or a Dagster run's process it starts
        os.environ[RELEASE_REASON_ENV] = args.reason
    summary = run_all(settings, parse_years(args.years) if args.years else None, force=args.force)
    if summary.up_to_date:
        _print_skipped(summary)
        print(summary.up_to_date)
        if args.reason:
            # The operator asked for a release with a reason; silence would read as if one had been made.
            print(
                f"No release was made, so the reason {args.reason!r} was not recorded. To publish the same "
                "figures as a new release with that reason, run again with --force."
            )
            raise SystemExit(1)
        return
    from itip_pipeline.instance.orphaned_runs import orphaned_run_line
    from itip_pipeline.quality.mart_suite import report_index
    from itip_pipeline.report.exports import CSV_DIR_NAME, WORKBOOK_NAMES
    from itip_pipeline.report.figure_book import CHECKS_PAGE
    from itip_pipeline.report.jsonstat import JSONSTAT_DIR

    if summary.generated:
        print(f"Generated SYNTHETIC deliveries in {settings.landing_dir}")
    for run_id in summary.orphaned_runs:
        print(orphaned_run_line(run_id))
    _print_skipped(summary)
    for note in summary.notes:
        print(for_terminal(note, lines=True))
    for year, message in summary.failed_years.items():
        print(f"\nFAILED {_failed_what(summary, year)}:\n{for_terminal(message, lines=True)}")
    print(f"\n{years_line(summary)}")
    for line in (changed_during_run_line(summary), failure_outcome_line(summary, settings)):
        if line:
            print(line)
    if summary.failed_years:
        if summary.refused:
            print(
                f"Refused files are in {settings.quarantine_dir} with a report each; every load's report is in "
                f"{settings.reports_dir / 'loads'}."
            )
        print(f"Full log: {summary.log}")
        raise SystemExit(1)
    for warning in summary.warnings:
        print(f"\nWARNING (published all the same) {for_terminal(warning, lines=True)}")
    as_version = f" as version {summary.version}" if summary.version else ""
    print(f"Built, checked and published{as_version} in {summary.seconds:.1f} s:")
    print(f"  warehouse (BI, read-only): {settings.warehouse_db}  (schema marts)")
    print(f"  Parquet exports:           {settings.marts_dir}/current/  (the same version as the warehouse)")
    print(f"  Excel workbook:            {settings.marts_dir / WORKBOOK_NAMES['no']}  (English: _en)")
    print(f"  CSV files:                 {settings.marts_dir / CSV_DIR_NAME}/  (UTF-8 with BOM, ';', decimal comma)")
    print(f"  JSON-stat 2.0 datasets:    {settings.marts_dir / JSONSTAT_DIR}/collection.json  (docs/outputs.md)")
    print(f"  figure book (offline):     {settings.figure_book_dir / 'index.html'}")
    print(f"  check results (offline):   {settings.figure_book_dir / CHECKS_PAGE}")
    print(f"  validation report (HTML):  {report_index(settings.gx_report_dir)}  (needs the network for its styles)")
    print(f"  load reports:              {settings.reports_dir / 'loads'}/<year>/<part>/report.md")
    print(f"  working database:          {settings.work_db}")
    print(f"  full log of this run:      {summary.log}")
    print("  lineage and run history:   make ui")


def _print_skipped(summary) -> None:
    """Every entry of the landing folder the run passed over, with why: also when nothing else changed."""
    for reason in summary.skipped.values():
        print(for_terminal(f"Skipped: {reason}"))


def years_line(summary) -> str:
    """Each year in one category: 'Loaded: 2025. Unchanged since their last load (skipped): 2021, 2022.
    Refused or failed: none.'"""

    def listed(years: list[int]) -> str:
        return ", ".join(map(str, years)) or "none"

    return (
        f"Loaded: {listed(summary.years)}. "
        f"Unchanged since their last load (skipped): {listed(summary.unchanged)}. "
        f"Refused or failed: {listed(summary.refused)}."
    )


def _failed_what(summary, year: int) -> str:
    if year:
        return str(year)
    return f"after publishing version {summary.version}" if summary.failed_after_publish else "build and publish"


def failure_outcome_line(summary, settings) -> str | None:
    """What a failed run left published, in words: the previous version untouched, or a new version published
    with the steps after it (figure book, exports) stale. None when the run did not fail."""
    if not summary.failed_years:
        return None
    if summary.version and summary.failed_after_publish:
        return (
            f"Version {summary.version} was published: {settings.warehouse_db} and {settings.marts_dir}/current/ "
            f"hold it. Then {summary.failed_after_publish} failed: what it left stale (the figure book in "
            f"{settings.figure_book_dir}, and the Excel and CSV exports if they were not yet written) is said above, "
            "and the figure book's pages say they are out of date. Fix the cause and run `itip run` again to redraw "
            "them."
        )
    return f"Nothing was published: the published warehouse {settings.warehouse_db} was left as it was."


def changed_during_run_line(summary) -> str | None:
    """A sentence when the code, dbt project, packages or settings changed while the run was building."""
    if not summary.changed_during_run:
        return None
    names = ", ".join(CHANGED_INPUT_WORDS.get(name, name) for name in summary.changed_during_run)
    built = f"version {summary.version} was built" if summary.version else "this run was built"
    return (
        f"While this run was building, {names} changed: {built} from the inputs as they were when it started, "
        "so the next `itip run` rebuilds with the change."
    )


CHANGED_INPUT_WORDS = {
    "code": "the pipeline's code",
    "dbt_project": "the dbt project",
    "dbt_profiles": "dbt's profiles.yml",
    "dependencies": "the installed packages",
    "settings": "the settings",
}


def _ui(args: argparse.Namespace) -> None:
    import os

    from itip_pipeline.core.settings import WORKSPACE_FILE
    from itip_pipeline.instance.opening import open_instance
    from itip_pipeline.instance.orphaned_runs import orphaned_run_line

    settings = get_settings()
    settings.ensure_dirs()
    opened = open_instance(settings)  # the code location prepares the dbt manifest when it loads
    for run_id in opened.orphaned_runs:
        print(orphaned_run_line(run_id))
    os.execv(
        sys.executable,
        [sys.executable, "-m", "dagster", "dev", "-w", str(WORKSPACE_FILE), "-h", args.host, "-p", str(args.port)],
    )


def _serve(args: argparse.Namespace) -> None:
    from itip_pipeline.runner.serve import serve

    raise SystemExit(serve(get_settings(), args.host, args.port))


def _docs(args: argparse.Namespace) -> None:
    import subprocess

    from itip_pipeline.defs.dbt.environment import dbt_env
    from itip_pipeline.defs.dbt.project import dbt_command
    from itip_pipeline.runner.dbt_docs import generate_static_docs

    settings = get_settings()
    page = generate_static_docs(settings, manifest_only=not settings.work_db.exists())
    print(f"dbt docs (one file, opens offline): {page}")
    if args.serve:
        subprocess.run(
            [*dbt_command(settings, "docs", "serve"), "--port", str(args.port)],
            env=dbt_env(settings.work_db),
            check=True,
        )


def _check(args: argparse.Namespace) -> None:
    from itip_pipeline.ingest.loading.self_check import FolderYearUnknown, check_delivery, check_report

    try:
        result = check_delivery(Path(args.folder), args.year, get_settings().pseudonym_key)
    except FolderYearUnknown as error:
        print(for_terminal(error), file=sys.stderr)
        raise SystemExit(2) from None
    except OSError as error:  # the folder or a file in it could not be read at all
        where = f" {error.filename}" if error.filename else f" {args.folder}"
        print(
            for_terminal(
                f"itip check could not read{where}: {error.strerror or error}. Make it readable by this user (or "
                "copy the delivery somewhere it is) and check again; nothing was written."
            ),
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    print(for_terminal(check_report(result), lines=True))
    raise SystemExit(0 if result.acceptable else 1)


def _purge(args: argparse.Namespace) -> None:
    from itip_pipeline.ingest.loading.quarantine_retention import DEFAULT_RETENTION, parse_age, purge_quarantine

    age = args.older_than or DEFAULT_RETENTION
    try:
        older_than = parse_age(age)
    except ValueError as error:
        raise SystemExit(f"itip purge: {error}") from None
    quarantine_dir = get_settings().quarantine_dir
    folders = purge_quarantine(quarantine_dir, older_than, dry_run=args.dry_run)
    verb = "Would remove" if args.dry_run else "Removed"
    print(f"{verb} {len(folders)} quarantine folder(s) in {quarantine_dir} refused more than {age} ago")
    for folder in folders:
        print(f"  {folder.path.relative_to(quarantine_dir)}  (refused {folder.refused_at:%Y-%m-%d %H:%M} UTC)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="itip",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Folders come from the environment: ITIP_DATA_DIR (default: the project's data/) and, "
        "each on its own, ITIP_LANDING_DIR,\nITIP_QUARANTINE_DIR, ITIP_ARCHIVE_DIR, ITIP_REPORTS_DIR, "
        "ITIP_MARTS_DIR, ITIP_WORK_DB, ITIP_WAREHOUSE_DB.\n"
        "`itip COMMAND --help` describes a command's options. The annual schedule is off "
        "until switched on (README).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write synthetic (clearly labelled) deliveries")
    gen.add_argument(
        "--years",
        default="2021-2025",
        help="survey years to write, e.g. 2021-2025, 2021,2023 or 2025 (default 2021-2025)",
    )
    gen.add_argument(
        "--seed", type=int, default=2025, help="random seed: the same seed writes the same files (default 2025)"
    )
    gen.add_argument("--scale", type=float, default=1.0, help="multiplies the citizen panel's size (default 1.0)")
    gen.add_argument("--out", help="landing folder (default: the settings' data/landing)")
    gen.add_argument(
        "--panel-format",
        choices=sorted(PANEL_FORMATS),
        help="write every year's citizen panel in this format (default: each year's planned "
        "format, some xlsx or SPSS); for large scales, as a vendor would send a million rows",
    )
    gen.set_defaults(func=_generate)

    run = sub.add_parser(
        "run",
        help="load every landed year, build, check and publish (what `make run` does)",
        description="Load every new or changed year in the landing folder, then build, check and publish once. "
        "Prints a line as each step starts and ends; dbt's and Dagster's own output goes to "
        "data/reports/itip_run.log. When nothing changed since the published version it says so and stops "
        "within seconds (--force rebuilds). Exit code 0: published or already up to date; 1: a year was refused "
        "or a step failed (the summary says whether a version was published before it failed).",
    )
    run.add_argument("--years", help="load only these years, e.g. 2021-2025 or 2024 (a command-line backfill)")
    run.add_argument(
        "--force",
        action="store_true",
        help="build, check and publish even when nothing changed since the published version (without "
        "it, a run whose landing files, dbt project, code, packages and settings are those the published "
        "version was built from says so and stops)",
    )
    run.add_argument(
        "--reason",
        choices=RELEASE_REASONS,
        help="why this release is published, recorded in marts.releases (default: decided from what changed: "
        "a new survey year, a re-delivered year, a changed build input, else a republication); e.g. --reason "
        "correction. When nothing changed no release is made: add --force",
    )
    run.set_defaults(func=_run)

    check = sub.add_parser(
        "check",
        help="check a delivery folder exactly as a load would, writing nothing (exit 0: acceptable, "
        "1: would be refused)",
    )
    check.add_argument("folder", help="the delivery folder, named by its year, e.g. data/landing/2025")
    check.add_argument("--year", type=int, help="the delivery's year, when the folder is not named by it")
    check.set_defaults(func=_check)

    ui = sub.add_parser("ui", help="the Dagster UI on this project")
    ui.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    ui.add_argument("--port", type=int, default=3000, help="port to listen on (default 3000)")
    ui.set_defaults(func=_ui)

    serve = sub.add_parser(
        "serve",
        help="the Dagster webserver and daemon as two processes, schedule and sensors live (production; "
        "run history in PostgreSQL when ITIP_PG_URL is set, see deploy/README.md)",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address the UI listens on (default 127.0.0.1: this machine only)"
    )
    serve.add_argument("--port", type=int, default=3000, help="port the UI listens on (default 3000)")
    serve.set_defaults(func=_serve)

    purge = sub.add_parser("purge", help="remove quarantined deliveries older than the retention period")
    purge.add_argument(
        "--older-than", default=None, metavar="AGE", help="e.g. 90d, 12h or 2w (default: 90d, the documented retention)"
    )
    purge.add_argument("--dry-run", action="store_true", help="list what would be removed, remove nothing")
    purge.set_defaults(func=_purge)

    docs = sub.add_parser(
        "docs",
        help="write the dbt docs as one file that opens from disk "
        "(dbt_project/target/static_index.html; column types need a built working database)",
    )
    docs.add_argument("--serve", action="store_true", help="also serve the docs site on http://127.0.0.1:PORT")
    docs.add_argument("--port", type=int, default=8080, help="port for --serve (default 8080)")
    docs.set_defaults(func=_docs)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except BrokenPipeError:
        # The reader went away (`itip check … | head`): what it did not read is not an error to report. Python
        # would otherwise complain once more when it flushes stdout at exit, so stdout goes to nowhere first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(141) from None  # 128 + SIGPIPE, as a shell reports a command ended by a closed pipe
    finally:
        # Only as the `itip` command (the arguments are the process's own): a caller in its own process, a
        # test, goes on after main and needs its garbage collected.
        if argv is None:
            skip_collection_at_exit()


if __name__ == "__main__":
    main()
