"""The `itip` command: the entry points the Makefile and a data engineer use."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from itip_pipeline.settings import get_settings


def parse_years(text: str) -> list[int]:
    """'2021-2025' or '2021,2023' or '2025' -> a sorted list of years."""
    years: set[int] = set()
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        years.update(range(int(first), int(last or first) + 1))
    return sorted(years)


def _generate(args: argparse.Namespace) -> None:
    from itip_pipeline.synthetic.generator import generate_deliveries

    out = Path(args.out).resolve() if args.out else get_settings().landing_dir
    written = generate_deliveries(out, parse_years(args.years), seed=args.seed, scale=args.scale)
    print(f"Wrote {len(written)} SYNTHETIC delivery files under {out}")


def _run(args: argparse.Namespace) -> None:
    from itip_pipeline.pipeline_run import run_all
    from itip_pipeline.quality.mart_suite import report_index

    settings = get_settings()
    summary = run_all(settings, parse_years(args.years) if args.years else None)
    if summary.generated:
        print(f"Generated SYNTHETIC deliveries for {summary.years} in {settings.landing_dir}")
    for year, message in summary.failed_years.items():
        print(f"\nFAILED {'build and publish' if year == 0 else year}:\n{message}")
    if summary.failed_years:
        if set(summary.failed_years) - {0}:
            print(f"\nRejected files are in {settings.quarantine_dir} with a report each.")
        print(f"The published warehouse {settings.warehouse_db} was left as it was. Full log: {summary.log}")
        raise SystemExit(1)
    unchanged = f" ({summary.unchanged} unchanged since their last load)" if summary.unchanged else ""
    print(f"\nLoaded {summary.years or 'no new delivery'}{unchanged}, built and published in {summary.seconds:.1f} s:")
    print(f"  warehouse (BI, read-only): {settings.warehouse_db}  (schema marts)")
    print(f"  Parquet exports:           {settings.marts_dir}/")
    print(f"  validation report (HTML):  {report_index(settings.gx_report_dir)}")
    print(f"  working database:          {settings.work_db}")
    print(f"  full log of this run:      {summary.log}")
    print("  lineage and run history:   make ui")


def _ui(args: argparse.Namespace) -> None:
    import os

    from itip_pipeline.dagster_home import prepare_dagster_home

    settings = get_settings()
    settings.ensure_dirs()
    prepare_dagster_home(settings)  # the code location prepares the dbt manifest when it loads
    workspace = str(Path(__file__).resolve().parent.parent / "workspace.yaml")
    os.execv(sys.executable, [sys.executable, "-m", "dagster", "dev", "-w", workspace,
                              "-h", args.host, "-p", str(args.port)])


def _docs(args: argparse.Namespace) -> None:
    import os
    import subprocess

    settings = get_settings()
    env = {**os.environ, "ITIP_WORK_DB": str(settings.work_db), "DO_NOT_TRACK": "1"}
    dbt = str(Path(sys.executable).parent / "dbt")
    command = [dbt, "docs", "generate", "--project-dir", str(settings.dbt_project_dir),
               "--profiles-dir", str(settings.dbt_profiles_dir)]
    subprocess.run(command, env=env, check=True)
    print(f"dbt docs written to {settings.dbt_project_dir / 'target' / 'index.html'}")
    if args.serve:
        subprocess.run([dbt, "docs", "serve", "--project-dir", str(settings.dbt_project_dir),
                        "--profiles-dir", str(settings.dbt_profiles_dir), "--port", str(args.port)], env=env, check=True)


def _purge(args: argparse.Namespace) -> None:
    from itip_pipeline.ingest.quarantine_retention import DEFAULT_RETENTION, parse_age, purge_quarantine

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
    parser = argparse.ArgumentParser(prog="itip", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write synthetic (clearly labelled) deliveries")
    gen.add_argument("--years", default="2021-2025")
    gen.add_argument("--seed", type=int, default=2025)
    gen.add_argument("--scale", type=float, default=1.0, help="multiplies the citizen panel's size")
    gen.add_argument("--out", help="landing folder (default: the settings' data/landing)")
    gen.set_defaults(func=_generate)

    run = sub.add_parser("run", help="load every landed year, build, check and publish (what `make run` does)")
    run.add_argument("--years", help="load only these years, e.g. 2021-2025 or 2024 (a command-line backfill)")
    run.set_defaults(func=_run)

    ui = sub.add_parser("ui", help="the Dagster UI on this project")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=_ui)

    purge = sub.add_parser("purge", help="remove quarantined deliveries older than the retention period")
    purge.add_argument("--older-than", default=None, metavar="AGE",
                       help="e.g. 90d, 12h or 2w (default: 90d, the documented retention)")
    purge.add_argument("--dry-run", action="store_true", help="list what would be removed, remove nothing")
    purge.set_defaults(func=_purge)

    docs = sub.add_parser("docs", help="generate the dbt docs site (needs a built working database)")
    docs.add_argument("--serve", action="store_true")
    docs.add_argument("--port", type=int, default=8080)
    docs.set_defaults(func=_docs)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
