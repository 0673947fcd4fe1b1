"""Theme tagging on PACT-coded paragraphs: the classifier against the keyword fallback.

    python bench/themes_eval.py [--out bench/results/themes_eval.json] [--test-size 0.2]
                                [--random-state 0] [--repeats 1]

Data: ``../shared/data/texts`` (or ``PEACEOPS_SHARED_DATA``): the PACT paragraph codes
(``pact-coded-paragraphs/paragraphs.csv``, ``paragraph_numbers.json``) and the text of the
Secretary-General reports (``un-sg-reports-pact/``). Paragraphs are cut from the report text with
``peaceops.ingest.passages.split_passages`` and matched to their codes by number, in reports
whose highest paragraph number equals PACT's count.

What it prints and writes:

1. The training set: reports used and left out, paragraphs, coded rows, paragraphs per theme.
2. One split by report (``GroupShuffleSplit``; no report on both sides): for each theme the
   held-out support and the precision, recall and F1 of the classifier (thresholds tuned on
   training reports only) and of the English keywords; micro and macro averages.
3. With ``--repeats n``, the micro and macro F1 of n splits (random states from
   ``--random-state`` on), as mean and range.
4. The model the platform would store, trained on every paragraph: seconds and JSON size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as host
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("PEACEOPS_SHARED_DATA", ROOT.parent / "shared" / "data"))

from peaceops.analytics.knowledge.themes import (  # noqa: E402
    Evaluation,
    ThemeClassifier,
    evaluate,
    load_themes,
    to_json,
    training_set,
)
from peaceops.ingest.passages import split_passages  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "themes_eval.json")
    parser.add_argument("--test-size", type=float, default=0.2)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    console = Console(width=140)
    if not (SHARED / "texts" / "pact-coded-paragraphs").exists():
        sys.exit(f"PACT data not found under {SHARED}; set PEACEOPS_SHARED_DATA")
    themes = load_themes()
    started = time.perf_counter()
    data = training_set(SHARED, themes, split=split_passages)
    seconds_data = time.perf_counter() - started
    positives = data.positives()
    console.print(
        f"{data.reports} of {data.reports + len(data.mismatched)} coded reports with a text "
        f"file used ({len(data.mismatched)} number their paragraphs otherwise than PACT; "
        f"{len(data.missing)} have no text), "
        f"{len(data.texts):,} paragraphs, {data.coded:,} with a PACT row; "
        f"read in {seconds_data:.1f} s"
    )

    runs: list[Evaluation] = []
    seconds_eval: list[float] = []
    for n in range(args.repeats):
        started = time.perf_counter()
        runs.append(
            evaluate(
                data.texts,
                data.labels,
                data.groups,
                themes=themes,
                test_size=args.test_size,
                random_state=args.random_state + n,
            )
        )
        seconds_eval.append(time.perf_counter() - started)
    result = runs[0]

    table = Table(
        "theme",
        "all",
        "support",
        "threshold (tuned)",
        "clf P",
        "clf R",
        "clf F1",
        "kw P",
        "kw R",
        "kw F1",
        title=(
            f"Held-out reports (random_state={args.random_state}): {result.test_reports} reports, "
            f"{result.test_texts} paragraphs; trained on {result.train_reports} reports"
        ),
    )
    for theme in themes:
        c = result.classifier.per_theme[theme.key]
        k = result.keywords.per_theme[theme.key]
        table.add_row(
            theme.key,
            str(positives.get(theme.key, 0)),
            str(c.support),
            f"{result.thresholds[theme.key]:.2f} ({result.tuned_thresholds[theme.key]:.2f})",
            *(f"{v:.2f}" for v in (c.precision, c.recall, c.f1, k.precision, k.recall, k.f1)),
        )
    for name in ("micro", "macro"):
        c, k = getattr(result.classifier, name), getattr(result.keywords, name)
        table.add_row(
            f"[bold]{name}[/bold]",
            "",
            str(c.support),
            "",
            *(f"{v:.2f}" for v in (c.precision, c.recall, c.f1, k.precision, k.recall, k.f1)),
        )
    console.print(table)

    spread: dict[str, Any] = {}
    if args.repeats > 1:
        table = Table("measure", "mean", "min", "max", title=f"{args.repeats} splits by report")
        for method in ("classifier", "keywords"):
            for average in ("micro", "macro"):
                values = [getattr(getattr(r, method), average).f1 for r in runs]
                mean = sum(values) / len(values)
                spread[f"{method}_{average}_f1"] = {
                    "values": values,
                    "mean": mean,
                    "min": min(values),
                    "max": max(values),
                }
                table.add_row(
                    f"{method} {average} F1",
                    f"{mean:.3f}",
                    f"{min(values):.3f}",
                    f"{max(values):.3f}",
                )
        console.print(table)

    started = time.perf_counter()
    model = ThemeClassifier().fit(
        data.texts, data.labels, groups=data.groups, classes=[t.key for t in themes]
    )
    seconds_fit = time.perf_counter() - started
    stored = json.dumps(to_json(model))
    console.print(
        f"model on all paragraphs: {len(model.terms_):,} terms, fitted in {seconds_fit:.0f} s, "
        f"{len(stored) / 2**20:.1f} MiB as JSON"
    )

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "machine": host.platform(),
                "data": {
                    "reports_used": data.reports,
                    "reports_mismatched": len(data.mismatched),
                    "reports_without_text": len(data.missing),
                    "paragraphs": len(data.texts),
                    "paragraphs_with_pact_row": data.coded,
                    "positives": positives,
                },
                "test_size": args.test_size,
                "random_state": args.random_state,
                "evaluation": result.as_dict(),
                "repeats": spread,
                "seconds": {
                    "read": seconds_data,
                    "evaluate": seconds_eval,
                    "fit_all": seconds_fit,
                },
                "model": {"terms": len(model.terms_), "json_bytes": len(stored)},
            },
            indent=2,
        )
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
