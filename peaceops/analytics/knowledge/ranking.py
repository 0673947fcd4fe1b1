"""Fusing rankings, marking snippets and scoring retrieval.

Reciprocal rank fusion (Cormack, Clarke and Büttcher 2009) adds ``1 / (k + rank)`` over the
rankings an item appears in: it needs no calibration between BM25 scores and cosine
similarities, which live on different scales. The retrieval measures are the usual ones:
nDCG@k with graded judgments (gain ``2^grade - 1``) and recall@k of the relevant items.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
RRF_K = 60
"""The constant of reciprocal rank fusion; 60 is the value of the original paper."""


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[K]], *, k: int = RRF_K, weights: Sequence[float] | None = None
) -> list[tuple[K, float]]:
    """Items of several best-first rankings, fused, best first (ties by first appearance).

    >>> reciprocal_rank_fusion([["a", "b", "c"], ["b", "d"]], k=60)[:2]
    [('b', 0.03252247488101534), ('a', 0.01639344262295082)]
    """
    scores: dict[K, float] = {}
    order: dict[K, int] = {}
    for i, ranking in enumerate(rankings):
        weight = 1.0 if weights is None else weights[i]
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            order.setdefault(item, len(order))
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))


def _stem(word: str) -> str:
    """A crude English stem for marking: enough that "vetted" marks under "vetting"."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def snippet(text: str, terms: Sequence[str], *, width: int | None = 320) -> str:
    """The part of ``text`` with the most query terms, HTML-escaped, terms in ``<mark>``
    (the whole text with ``width=None``).

    >>> snippet("Police officers were vetted in 2006 & later.", ["vetting", "police"])
    '<mark>Police</mark> officers were <mark>vetted</mark> in 2006 &amp; later.'
    """
    stems = sorted({_stem(t.lower()) for t in terms if len(t) > 1}, key=len, reverse=True)
    pattern = (
        re.compile(r"\b(" + "|".join(re.escape(s) for s in stems) + r")\w*", re.IGNORECASE)
        if stems
        else None
    )
    start = 0
    width = len(text) if width is None else width
    if len(text) > width and pattern is not None:
        hits = [m.start() for m in pattern.finditer(text)]
        if hits:
            # The window of ``width`` characters holding the most hits.
            best, best_count = hits[0], 0
            for h in hits:
                count = sum(1 for x in hits if h <= x < h + width)
                if count > best_count:
                    best, best_count = h, count
            start = max(0, min(best - width // 4, len(text) - width))
            space = text.rfind(" ", 0, start + 1)
            start = space + 1 if start and space >= 0 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    piece = text[start:end]
    if pattern is None:
        marked = html.escape(piece)
    else:
        out, last = [], 0
        for m in pattern.finditer(piece):
            out.append(html.escape(piece[last : m.start()]))
            out.append(f"<mark>{html.escape(m.group(0))}</mark>")
            last = m.end()
        out.append(html.escape(piece[last:]))
        marked = "".join(out)
    return ("… " if start else "") + marked + (" …" if end < len(text) else "")


def ndcg_at(ranked: Sequence[K], grades: Mapping[K, int], k: int = 10) -> float:
    """nDCG@k with gains ``2^grade - 1`` and log2 discounts; 0 when nothing is relevant.

    >>> round(ndcg_at(["a", "x", "b"], {"a": 2, "b": 1}, k=10), 4)  # (3 + 1/2) / (3 + 1/log2 3)
    0.9639
    """

    def dcg(gains: Sequence[int]) -> float:
        return float(sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains)))

    ideal = dcg(sorted((g for g in grades.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([grades.get(item, 0) for item in ranked[:k]]) / ideal


def recall_at(ranked: Sequence[K], grades: Mapping[K, int], k: int = 20) -> float:
    """Capped recall of the answers (grade 2) in the first ``k``: the answers found there,
    divided by how many could be (``min(k, answers)``), so a question with 80 answering
    passages can still score 1 (BEIR's ``R_cap@k``).

    >>> recall_at(["a", "x"], {"a": 2, "b": 2, "c": 1}, k=20)
    0.5
    >>> recall_at(["a", "b"], {"a": 2, "b": 2, "c": 2}, k=2)
    1.0
    """
    answers = {item for item, g in grades.items() if g >= 2}
    if not answers:
        return 0.0
    return len(answers & set(ranked[:k])) / min(k, len(answers))


__all__ = ["RRF_K", "ndcg_at", "recall_at", "reciprocal_rank_fusion", "snippet"]
