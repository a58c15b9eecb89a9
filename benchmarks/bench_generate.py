"""Benchmark of the landing-data generator: events written, seconds, events/s, peak RSS.

    python benchmarks/bench_generate.py --events-per-day 1 --customers 120 --out /tmp/landing

A script that prints figures, not a timed unit test. The output directory is emptied
first (its landing folders are overwritten).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

from orchestration.lib.generator import generate


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--events-per-day",
        type=float,
        default=1.0,
        help="usage volume multiplier (1.0 = demo volume)",
    )
    parser.add_argument("--customers", type=int, default=120)
    parser.add_argument("--months", type=int, default=22)
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args(argv)


def _tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> None:
    args = _arguments(sys.argv[1:] if argv is None else argv)
    wall, cpu = time.perf_counter(), time.process_time()
    summary = generate(
        args.out,
        customers=args.customers,
        months=args.months,
        seed=args.seed,
        events_per_day=args.events_per_day,
        overwrite=True,
    )
    seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    events = summary.usage_events_written
    rate = events / seconds
    print(
        f"customers {args.customers}, months {args.months}, events-per-day "
        f"{args.events_per_day}, seed {args.seed}"
    )
    print(f"usage events written  {events:,}")
    print(f"seconds               {seconds:,.1f} (CPU {cpu_seconds:,.1f}, both threads)")
    print(f"events/second         {rate:,.0f}")
    print(f"peak RSS              {peak_mib:,.0f} MiB")
    print(f"bytes on disk         {_tree_bytes(args.out) / 2**20:,.0f} MiB")
    print(f"100M events at this rate: {100e6 / rate / 60:,.1f} minutes")


if __name__ == "__main__":
    main()
