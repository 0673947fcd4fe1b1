"""Transition readiness: how long judging a country's benchmark set takes on the demo data.

    python bench/transition.py [--database-url URL] [--repeat 5]
                               [--out bench/results/transition.json]

Loads the Carana demonstration into a fresh database (SQLite in a temporary folder by
default; with ``--database-url``, an empty PostgreSQL database made for the purpose), then
judges UNMICA's agreed set (15 benchmarks, 29 conditions over every evidence kind) at several
evidence dates, times each condition kind's observation builder alone, and times the mission
report of 2026Q3 (context, HTML, PDF) in English and French. Prints tables and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import platform as host
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
AS_OF = (date(2025, 6, 30), date(2026, 3, 31), date(2026, 10, 31))


def run(url: str, repeat: int) -> dict[str, Any]:
    from peaceops.config import Settings
    from peaceops.domain.access import Principal
    from peaceops.platform import Platform

    platform = Platform(Settings(database_url=url))  # type: ignore[arg-type]
    started = time.perf_counter()
    platform.load_demo()
    load_s = time.perf_counter() - started
    by = Principal.system("bench")
    service = platform.transition
    current = service.current("XCA", by=by)
    assert current is not None
    readiness: dict[str, list[float]] = {}
    statuses: dict[str, dict[str, int]] = {}
    for day in AS_OF:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            found = service.readiness("XCA", by=by, as_of=day)
            times.append(time.perf_counter() - t0)
        assert found is not None
        readiness[day.isoformat()] = times
        statuses[day.isoformat()] = {k.value: v for k, v in found.counts().items()}
    kinds: dict[str, list[float]] = defaultdict(list)
    for b in current.benchmarks:
        for c in b.conditions:
            t0 = time.perf_counter()
            service.observations(c, country="XCA", by=by, as_of=AS_OF[-1], area=b.area)
            kinds[c.kind.value].append(time.perf_counter() - t0)
    # The mission report of a quarter: its context, then HTML and PDF, in each language.
    from peaceops.reports.mission import render_html, render_pdf
    from peaceops.services.web.i18n import load_catalogues

    catalogues = load_catalogues()
    report: dict[str, dict[str, float]] = {}
    for lang in ("en", "fr"):
        t0 = time.perf_counter()
        context = platform.reports.mission_context("XCA", "2026Q3", by=by, language=lang)
        t1 = time.perf_counter()
        words = catalogues[lang].translations
        html = render_html(context, gettext=words.gettext, ngettext=words.ngettext)
        t2 = time.perf_counter()
        pdf = render_pdf(context, gettext=words.gettext, ngettext=words.ngettext)
        t3 = time.perf_counter()
        report[lang] = {
            "context_s": round(t1 - t0, 2),
            "html_s": round(t2 - t1, 2),
            "pdf_s": round(t3 - t2, 2),
            "html_kb": round(len(html.encode()) / 1024),
            "pdf_kb": round(len(pdf) / 1024),
        }
    platform.close()
    return {
        "report_2026Q3": report,
        "demo_load_s": round(load_s, 2),
        "benchmarks": len(current.benchmarks),
        "conditions": sum(len(b.conditions) for b in current.benchmarks),
        "readiness_s": {
            k: {"median": round(statistics.median(v), 3), "max": round(max(v), 3)}
            for k, v in readiness.items()
        },
        "statuses": statuses,
        "observations_s": {
            k: {"conditions": len(v), "mean": round(statistics.mean(v), 4)}
            for k, v in sorted(kinds.items())
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "transition.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        result = run(url, args.repeat)
    engine = url.split(":", 1)[0]
    print(
        f"Transition readiness on the Carana demo ({engine}); demo loaded in "
        f"{result['demo_load_s']} s; {result['benchmarks']} benchmarks, "
        f"{result['conditions']} conditions"
    )
    print(f"{'evidence at':<12} {'median s':>9} {'max s':>7}  statuses")
    for day, t in result["readiness_s"].items():
        counts = ", ".join(f"{k} {v}" for k, v in result["statuses"][day].items() if v)
        print(f"{day:<12} {t['median']:>9.3f} {t['max']:>7.3f}  {counts}")
    print(f"\n{'condition kind':<22} {'conditions':>10} {'mean s':>8}")
    for kind, t in result["observations_s"].items():
        print(f"{kind:<22} {t['conditions']:>10} {t['mean']:>8.4f}")
    print(
        f"\n{'report 2026Q3':<14} {'context s':>9} {'html s':>7} {'pdf s':>7} {'html kB':>8} "
        f"{'pdf kB':>7}"
    )
    for lang, t in result["report_2026Q3"].items():
        print(
            f"{lang:<14} {t['context_s']:>9.2f} {t['html_s']:>7.2f} {t['pdf_s']:>7.2f} "
            f"{t['html_kb']:>8} {t['pdf_kb']:>7}"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "machine": {"python": host.python_version(), "cpus": host.machine()},
        **result,
    }
    args.out.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
