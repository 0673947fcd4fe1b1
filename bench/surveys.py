"""Perception surveys: how fast exports are read, stored and estimated.

    python bench/surveys.py [--respondents 20000] [--out bench/results/surveys.json]

Builds the Carana perception waves with several seeds until there are ``--respondents``
submissions, writes them as a KoboToolbox CSV, an XLSX with the repeat sheet, and JSON, then
measures: reading each file (``read_submissions``), importing the CSV into a fresh SQLite
database (split, encryption, one transaction) and importing it again (nothing changes), and
computing the design-based estimates with breakdowns for every question of the form.
"""

from __future__ import annotations

import argparse
import json
import platform as host
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=20000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "surveys.json")
    args = parser.parse_args()

    from rich.console import Console
    from rich.progress import track
    from rich.table import Table

    from peaceops.config import Settings
    from peaceops.domain.access import Principal
    from peaceops.ingest.submissions import read_submissions
    from peaceops.ingest.submissions_write import write_kobo_csv, write_kobo_json, write_kobo_xlsx
    from peaceops.ingest.xlsform import read_xlsform
    from peaceops.platform import Platform
    from peaceops.platform.scenario import load_scenario
    from peaceops.scenario.carana import DEFAULT_SEED, build_carana
    from peaceops.scenario.perception import build_perception_waves, write_perception_xlsform

    by = Principal.system("bench")
    scenario = build_carana(DEFAULT_SEED)
    submissions: list[Any] = []
    seed = 0
    while len(submissions) < args.respondents:
        for wave in build_perception_waves(scenario, seed=seed):
            submissions.extend(replace(s, uuid=f"{seed}-{s.uuid}") for s in wave.submissions)
        seed += 1
    submissions = submissions[: args.respondents]
    rows: list[dict[str, Any]] = []

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        form_path = write_perception_xlsform(base / "form.xlsx", scenario=scenario)
        form = read_xlsform(form_path)
        files = {
            "kobo csv": write_kobo_csv(submissions, form, base / "export.csv"),
            "kobo xlsx": write_kobo_xlsx(submissions, form, base / "export.xlsx"),
            "kobo json": write_kobo_json(submissions, form, base / "export.json"),
        }
        for name, path in track(list(files.items()), description="reading exports"):
            started = time.perf_counter()
            read = read_submissions(Path(path), form)
            seconds = time.perf_counter() - started
            rows.append(
                {
                    "step": f"read {name}",
                    "records": len(read.submissions),
                    "seconds": seconds,
                    "per_second": len(read.submissions) / seconds,
                    "megabytes": Path(path).stat().st_size / 2**20,
                }
            )

        platform = Platform(Settings(database_url=f"sqlite:///{base / 'bench.db'}"))
        platform.upgrade()
        platform.places.load_reference_countries(by=by)
        load_scenario(
            scenario,
            places=platform.places,
            institutions=platform.institutions,
            actors=platform.actors,
            missions=platform.missions,
            accounts=platform.accounts,
            events=platform.events,
            by=by,
        )
        platform.assessment.load_builtin(by=by)
        platform.surveys.load_form(form_path, country="XCA", by=by)
        platform.surveys.save_wave(
            "carana_perception",
            "bench",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 12, 31),
            by=by,
        )
        for step in ("import csv (new)", "import csv (again)"):
            started = time.perf_counter()
            report = platform.surveys.import_submissions(
                "carana_perception", Path(files["kobo csv"]), wave="bench", by=by
            )
            seconds = time.perf_counter() - started
            rows.append(
                {
                    "step": step,
                    "records": report.created + report.unchanged + report.updated,
                    "seconds": seconds,
                    "per_second": args.respondents / seconds,
                    "created": report.created,
                    "unchanged": report.unchanged,
                }
            )
        questions = platform.surveys.estimable("carana_perception")
        started = time.perf_counter()
        cells = 0
        for q in track(questions, description="estimating"):
            result = platform.surveys.estimates("carana_perception", q.name, wave="bench", by=by)
            cells += sum(len(o.cells) for o in result.outcomes)
        seconds = time.perf_counter() - started
        rows.append(
            {
                "step": f"estimates ({len(questions)} questions, {cells} cells)",
                "records": args.respondents,
                "seconds": seconds,
                "per_second": cells / seconds,
            }
        )
        platform.close()

    table = Table("step", "records", "seconds", "per second", title="Perception surveys")
    for r in rows:
        table.add_row(r["step"], str(r["records"]), f"{r['seconds']:.2f}", f"{r['per_second']:.0f}")
    Console().print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {"machine": host.platform(), "respondents": args.respondents, "runs": rows}, indent=2
        )
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
