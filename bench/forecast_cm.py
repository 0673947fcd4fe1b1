"""The VIEWS 2023/24 country-month backtest on ../shared/data, timed, plus the 2021 run.

    python bench/forecast_cm.py [--draws 1000] [--out bench/results/forecast_cm]

Prints the benchmark table (models x windows x metrics), the best model's CRPS difference to
conflictology and to the published negative-binomial entry with 95% bootstrap intervals, the
wall time and the peak memory of the whole job, and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from peaceops.config import Settings  # noqa: E402
from peaceops.domain.places import Month  # noqa: E402
from peaceops.platform.forecasting import ForecastingService  # noqa: E402

SHARED = Path(os.environ.get("PEACEOPS_SHARED_DATA", ROOT.parent / "shared" / "data"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "forecast_cm")
    args = parser.parse_args()
    data = SHARED / "views-challenge-cm"
    if not data.is_dir():
        sys.exit(f"no VIEWS challenge data at {data} (set PEACEOPS_SHARED_DATA)")
    console = Console()
    with tempfile.TemporaryDirectory() as folder:
        service = ForecastingService(Settings(data_dir=Path(folder)))
        started = time.perf_counter()
        report = service.backtest_cm(data, windows=[2019, 2020], n_draws=args.draws)
        backtest_s = time.perf_counter() - started
        started = time.perf_counter()
        name, _path, _forecast = service.run_cm(
            data, cutoff=Month(2020, 10), out=args.out, n_draws=args.draws
        )
        run_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    metrics = ["crps", "ignorance", "mis90", "coverage90", "brier0"]
    table = Table("model", "window", *metrics, title=f"VIEWS cm backtest, {args.draws} draws")
    for row in report.scores["table"]:
        table.add_row(row["model"], row["window"], *(f"{row[m]:.3f}" for m in metrics))
    console.print(table)
    for other, windows in report.scores["best_minus_other_crps"].items():
        for window, d in windows.items():
            console.print(
                f"{report.scores['best']} - {other} CRPS, {window}: {d['mean']:+.3f} "
                f"[{d['low']:+.3f}, {d['high']:+.3f}]"
            )
    console.print(
        f"backtest {backtest_s:.1f} s, 2021 run ({name}) {run_s:.1f} s, "
        f"total {backtest_s + run_s:.1f} s, peak memory {peak_mb:.0f} MB, "
        f"{os.cpu_count()} cores"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.json").write_text(
        json.dumps(
            {
                "draws": args.draws,
                "backtest_seconds": backtest_s,
                "run_seconds": run_s,
                "peak_memory_mb": peak_mb,
                "cores": os.cpu_count(),
                "scores": report.scores,
            },
            indent=2,
            default=str,
        )
    )
    console.print(f"wrote {args.out / 'bench.json'}")


if __name__ == "__main__":
    main()
