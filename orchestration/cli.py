"""`usage-billing`: generate sample landing data and run the warehouse job."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from orchestration.lib import settings


def _cmd_generate(args: argparse.Namespace) -> int:
    from orchestration.lib.generator import generate

    started = time.monotonic()
    summary = generate(
        Path(args.out),
        customers=args.customers,
        months=args.months,
        seed=args.seed,
        events_per_day=args.events_per_day,
        corrupt_file=args.corrupt_file,
        start_month=args.start_month,
        overwrite=args.overwrite,
    )
    print(summary.to_text())
    print(f"written to {Path(args.out).resolve()} in {time.monotonic() - started:.1f} s")
    return 0


def _configure_environment(args: argparse.Namespace) -> None:
    os.environ[settings.WAREHOUSE_ENV] = str(Path(args.warehouse).expanduser().resolve())
    os.environ[settings.LANDING_ENV] = str(Path(args.landing).expanduser().resolve())
    os.environ[settings.AS_OF_ENV] = settings.format_as_of(settings.parse_as_of(args.as_of))
    os.environ["DO_NOT_TRACK"] = "1"


def _cmd_run(args: argparse.Namespace) -> int:
    _configure_environment(args)
    landing = Path(os.environ[settings.LANDING_ENV])
    warehouse = Path(os.environ[settings.WAREHOUSE_ENV])
    if not landing.is_dir():
        print(f"error: landing directory {landing} does not exist", file=sys.stderr)
        return 2
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    print(f"usage-billing run: landing {landing}")
    print(f"                   warehouse {warehouse}")
    print(f"                   as of {os.environ[settings.AS_OF_ENV]}")
    if args.to_day and not args.from_day:
        print("error: --to needs --from", file=sys.stderr)
        return 2
    if args.from_day:
        print(f"                   days {args.from_day} to {args.to_day or args.from_day} (UTC)")

    from orchestration.lib.run import run_job

    result = run_job(
        landing=landing,
        warehouse=warehouse,
        as_of=os.environ[settings.AS_OF_ENV],
        full_refresh=args.full_refresh,
        days=(args.from_day, args.to_day or args.from_day) if args.from_day else None,
    )
    if not result.success:
        print(f"\nRUN FAILED: {result.message}", file=sys.stderr)
        _print_lock_explanation(result.message)
        return 1
    from orchestration.lib.summary import read_summary

    print()
    print(read_summary(warehouse).to_text())
    return 0


def _print_lock_explanation(message: str) -> None:
    from orchestration.lib.locks import explain_lock

    explanation = explain_lock(message)
    if explanation:
        print(f"error: {explanation}", file=sys.stderr)


def _cmd_ingest(args: argparse.Namespace) -> int:
    """Load new landing files into raw.* only (for analytics engineers running dbt directly)."""
    import duckdb

    from orchestration.lib.ingest import ingest

    _configure_environment(args)
    warehouse = Path(os.environ[settings.WAREHOUSE_ENV])
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse))
    try:
        summary = ingest(
            con, Path(os.environ[settings.LANDING_ENV]), settings.parse_as_of(args.as_of)
        )
    finally:
        con.close()
    print(
        f"{summary.files_seen} files seen, {len(summary.new_files)} new, "
        f"{summary.rows_read} records read, {len(summary.unreadable)} unreadable"
    )
    for result in summary.unreadable:
        print(f"  UNREADABLE {result.file_path}: {result.error_message}")
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    from orchestration.lib.summary import read_summary

    print(read_summary(Path(args.warehouse).expanduser().resolve()).to_text())
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from orchestration.lib.bench import format_report, run_bench

    report = run_bench(
        events=args.events,
        days=args.days,
        customers=args.customers,
        seed=args.seed,
        out_dir=Path(args.out) if args.out else None,
        pandas_max_events=args.pandas_max_events,
    )
    print(format_report(report))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="usage-billing", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser(
        "generate", help="write a deterministic sample landing directory"
    )
    generate.add_argument("--out", required=True, help="landing directory to write")
    generate.add_argument("--customers", type=int, default=120)
    generate.add_argument("--months", type=int, default=22)
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument(
        "--start-month", default="2025-01", help="first month of usage, YYYY-MM (default 2025-01)"
    )
    generate.add_argument(
        "--events-per-day", type=float, default=1.0, help="multiplier on the default usage volume"
    )
    generate.add_argument(
        "--corrupt-file",
        action="store_true",
        help="also write one unreadable file (blocks finalization)",
    )
    generate.add_argument(
        "--overwrite", action="store_true", help="empty the contract folders of --out first"
    )
    generate.set_defaults(func=_cmd_generate)

    run = commands.add_parser("run", help="run the Dagster job in process on a landing directory")
    run.add_argument("--landing", default=str(settings.landing_dir()))
    run.add_argument("--warehouse", default=str(settings.warehouse_path()))
    run.add_argument(
        "--as-of", default=os.environ.get(settings.AS_OF_ENV), help="processing time (default now)"
    )
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild dbt models (protected ledgers are kept)",
    )
    run.add_argument(
        "--from",
        dest="from_day",
        help="first UTC day (YYYY-MM-DD) of a partitioned run: the daily marts of "
        "--from..--to only (default: every day)",
    )
    run.add_argument("--to", dest="to_day", help="last UTC day of the range (default --from)")
    run.set_defaults(func=_cmd_run)

    ingest = commands.add_parser("ingest", help="only load new landing files into the raw schema")
    ingest.add_argument("--landing", default=str(settings.landing_dir()))
    ingest.add_argument("--warehouse", default=str(settings.warehouse_path()))
    ingest.add_argument("--as-of", default=os.environ.get(settings.AS_OF_ENV))
    ingest.set_defaults(func=_cmd_ingest)

    bench = commands.add_parser(
        "bench", help="measure the pipeline against its floor, one more day and pandas"
    )
    bench.add_argument("--events", type=int, required=True, help="usage events to generate")
    bench.add_argument("--days", type=int, default=90, help="days they span (default 90)")
    bench.add_argument("--customers", type=int, default=120)
    bench.add_argument("--seed", type=int, default=42)
    bench.add_argument(
        "--out", help="landing, warehouse and JSON results (default <warehouse dir>/bench)"
    )
    bench.add_argument("--pandas-max-events", type=int, default=20_000_000)
    bench.set_defaults(func=_cmd_bench)

    summary = commands.add_parser("summary", help="print the summary of a warehouse")
    summary.add_argument("--warehouse", default=str(settings.warehouse_path()))
    summary.set_defaults(func=_cmd_summary)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a readable message, not a traceback, for the operator
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        _print_lock_explanation(str(error))
        if os.environ.get("USAGE_BILLING_DEBUG"):
            raise
        return 1


if __name__ == "__main__":
    sys.exit(main())
