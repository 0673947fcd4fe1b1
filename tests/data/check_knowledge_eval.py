"""Check tests/data/knowledge_eval.yaml against the corpus and the passage splitter.

Run from the repository root:

    PYTHONPATH=/work/main python tests/data/check_knowledge_eval.py [--corpus DIR] [--suggest]

Every judged key (doc, ordinal) must still point at the passage that was read: the document
must exist, ``split_passages`` must still give it that ordinal, and the passage text must start
with the recorded ``starts``. Question ids must be unique and at least 40 questions must have a
grade-2 passage. ``--suggest`` prints, for a key whose ``starts`` no longer matches, the
ordinals in the same document whose text does start that way (to re-anchor after a splitter
change). Exit status 1 when any check fails.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import yaml

from peaceops.ingest.passages import split_passages

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "texts"
COLLECTIONS = ("un-sg-reports-pact", "unsc-resolutions-1946-2015")
MIN_QUESTIONS_WITH_GRADE_2 = 40


def norm(text: str) -> str:
    return " ".join(text.split())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=HERE / "knowledge_eval.yaml")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--suggest", action="store_true")
    args = parser.parse_args()

    data = yaml.safe_load(args.eval.read_text(encoding="utf-8"))
    questions = data["questions"]
    errors: list[str] = []
    cache: dict[str, list | None] = {}

    def passages(doc: str):
        if doc not in cache:
            cache[doc] = None
            for collection in COLLECTIONS:
                path = args.corpus / collection / f"{doc}.txt"
                if path.is_file():
                    text = path.read_text(encoding="utf-8", errors="replace")
                    cache[doc] = split_passages(text)
                    break
        return cache[doc]

    def lookup(where: str, doc: str, ordinal: int):
        found = passages(doc)
        if found is None:
            errors.append(f"{where}: document {doc} not found under {args.corpus}")
            return None
        if not 1 <= ordinal <= len(found):
            errors.append(f"{where}: {doc} has {len(found)} passages, no ordinal {ordinal}")
            return None
        passage = found[ordinal - 1]
        if passage.ordinal != ordinal:
            errors.append(f"{where}: {doc} passage {ordinal} reports ordinal {passage.ordinal}")
        return passage

    ids = Counter(q["id"] for q in questions)
    for qid, n in ids.items():
        if n > 1:
            errors.append(f"question id {qid} used {n} times")

    totals = Counter()
    with_grade_2 = 0
    print(f"{'id':<5} {'g2':>4} {'g1':>4} {'g0':>5} {'pool':>5} {'docs':>5}  question")
    for q in questions:
        qid = q["id"]
        if not str(q.get("question", "")).strip():
            errors.append(f"{qid}: empty question")
        relevant = q.get("relevant") or []
        seen: set[tuple[str, int]] = set()
        grades = Counter()
        for r in relevant:
            key = (r["doc"], int(r["ordinal"]))
            where = f"{qid} {key[0]}#{key[1]}"
            if key in seen:
                errors.append(f"{where}: judged twice")
            seen.add(key)
            if r.get("grade") not in (1, 2):
                errors.append(f"{where}: grade {r.get('grade')!r} is not 1 or 2")
            grades[r.get("grade")] += 1
            passage = lookup(where, *key)
            if passage is None:
                continue
            starts = norm(str(r.get("starts", "")))
            if not starts:
                errors.append(f"{where}: no 'starts'")
            elif not norm(passage.text).startswith(starts):
                msg = f"{where}: text starts {norm(passage.text)[:40]!r}, expected {starts!r}"
                if args.suggest:
                    cands = [p.ordinal for p in passages(key[0]) if norm(p.text).startswith(starts)]
                    msg += f" (candidates: {cands or 'none'})"
                errors.append(msg)
        nonrelevant = q.get("judged_nonrelevant") or []
        for item in nonrelevant:
            doc, _, ordinal = str(item).rpartition("#")
            key = (doc, int(ordinal))
            where = f"{qid} {item} (judged non-relevant)"
            if key in seen:
                errors.append(f"{where}: also listed as relevant")
            seen.add(key)
            lookup(where, *key)
        if grades[2]:
            with_grade_2 += 1
        docs = len({r["doc"] for r in relevant})
        pool = (q.get("pool_size") or {}).get("passages", "")
        print(
            f"{qid:<5} {grades[2]:>4} {grades[1]:>4} {len(nonrelevant):>5} {pool!s:>5} {docs:>5}  "
            f"{q['question'][:70]}"
        )
        totals.update({"grade 2": grades[2], "grade 1": grades[1], "judged 0": len(nonrelevant)})

    print(
        f"\n{len(questions)} questions, {with_grade_2} with a grade-2 passage; "
        f"judged passages: {totals['grade 2']} grade 2, {totals['grade 1']} grade 1, "
        f"{totals['judged 0']} judged non-relevant; {len(cache)} documents split"
    )
    if with_grade_2 < MIN_QUESTIONS_WITH_GRADE_2:
        errors.append(
            f"only {with_grade_2} questions have a grade-2 passage "
            f"(need {MIN_QUESTIONS_WITH_GRADE_2})"
        )
    if errors:
        print(f"\n{len(errors)} problem(s):", file=sys.stderr)
        for e in errors[:200]:
            print("  " + e, file=sys.stderr)
        if len(errors) > 200:
            print(f"  ... and {len(errors) - 200} more", file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
