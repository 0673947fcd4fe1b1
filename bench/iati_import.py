"""IATI import speed: activities per second and peak memory, against a bare iterparse ceiling.

    python bench/iati_import.py [--size-mb 200] [--out bench/results/iati_import.json]

Files: the largest real activity file in ``../shared/data/iati/activities`` and a generated
IATI 2.03 file of at least ``--size-mb`` (the real activities exported by PeaceOps, repeated
with new identifiers). Each measurement runs in its own process so that its peak memory
(``ru_maxrss``) is its own: a bare ``iterparse`` pass that frees each activity (the ceiling),
PeaceOps's reader without and with streaming schema validation. This measures parsing and
mapping into activity records; storing them in the database is not part of these figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as host
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("PEACEOPS_SHARED_DATA", ROOT.parent / "shared" / "data"))
SCHEMA = SHARED / "iati" / "schema-2.03"


def measure(mode: str, path: Path) -> dict[str, Any]:
    """Run in a child process: parse ``path`` in ``mode`` and report count, time, peak."""
    from lxml import etree

    from peaceops.domain.coordination import Activity
    from peaceops.ingest.iati import load_schema, read_iati

    started = time.perf_counter()
    count = 0
    if mode == "iterparse":
        for _, el in etree.iterparse(
            str(path), events=("end",), tag="iati-activity", huge_tree=True
        ):
            count += 1
            el.clear(keep_tail=False)
            parent = el.getparent()
            while parent is not None and el.getprevious() is not None:
                del parent[0]
    else:
        schema = load_schema(SCHEMA) if mode == "peaceops+schema" else None
        for item in read_iati(path, schema=schema):
            if isinstance(item, Activity):
                count += 1
    seconds = time.perf_counter() - started
    return {
        "mode": mode,
        "activities": count,
        "seconds": round(seconds, 2),
        "per_second": round(count / seconds),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def generate(target: Path, size_mb: int) -> int:
    """A valid IATI 2.03 file of at least ``size_mb`` from the real activities."""
    from dataclasses import replace

    from lxml import etree

    from peaceops.domain.coordination import Activity
    from peaceops.ingest.iati import activity_element, read_iati

    acts: list[Activity] = []
    for f in sorted((SHARED / "iati" / "activities").glob("*.xml")):
        acts += [x for x in read_iati(f) if isinstance(x, Activity)]
    generated = datetime(2026, 11, 21, tzinfo=UTC)
    written = 0
    n = 0
    with target.open("wb") as out, etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("iati-activities", {"version": "2.03"}):
            while out.tell() < size_mb * 1_000_000:
                for act in acts:
                    copy = replace(act, identifier=f"{act.identifier}-G{n}")
                    xf.write(activity_element(copy, generated=generated), pretty_print=True)
                    written += 1
                n += 1
                xf.flush()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "iati_import.json")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], Path(args.child[1]))))
        return
    if not SCHEMA.exists():
        sys.exit(f"no IATI data at {SHARED / 'iati'} (set PEACEOPS_SHARED_DATA)")
    from rich.console import Console
    from rich.table import Table

    real = max((SHARED / "iati" / "activities").glob("*.xml"), key=lambda p: p.stat().st_size)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "generated-2.03.xml"
        started = time.perf_counter()
        written = generate(big, args.size_mb)
        print(
            f"generated {big.stat().st_size / 1e6:.0f} MB, {written} activities "
            f"in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        for label, path in ((real.name, real), ("generated 2.03", big)):
            for mode in ("iterparse", "peaceops", "peaceops+schema"):
                if mode == "peaceops+schema" and label == real.name:
                    continue  # the real files are IATI 1.0x: not validated against 2.03
                answer = subprocess.run(
                    [sys.executable, __file__, "--child", mode, str(path)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                result = json.loads(answer.stdout)
                result["file"] = label
                result["mb"] = round(path.stat().st_size / 1e6, 1)
                rows.append(result)
    table = Table(
        "file",
        "MB",
        "mode",
        "activities",
        "seconds",
        "activities/s",
        "peak MB",
        title="IATI import (parse and map, no database)",
    )
    for r in rows:
        table.add_row(
            r["file"],
            str(r["mb"]),
            r["mode"],
            str(r["activities"]),
            str(r["seconds"]),
            str(r["per_second"]),
            str(r["peak_mb"]),
        )
    Console().print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": host.platform(), "runs": rows}, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
