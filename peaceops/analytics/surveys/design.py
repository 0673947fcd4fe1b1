"""A survey design: weights, strata and primary sampling units (PSUs), validated.

The variance of an estimated total is the with-replacement, ultimate-cluster variance that
R's ``survey`` package computes (``svyrecvar`` without finite population corrections):

    V = Σ_h  n_h / (n_h − 1)  Σ_j (t_hj − t̄_h)²

where ``t_hj`` is the total of the (already weighted) scores of PSU ``j`` of stratum ``h`` and
``n_h`` the number of PSUs of the stratum in the *whole* sample. A stratum with a single PSU is
handled as ``options(survey.lonely.psu = "adjust")``: its PSU total is centred at the grand
mean of all PSU totals, with scale 1. The design reports such strata in ``lonely_strata`` and
``notes``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from peaceops.errors import InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
Labels = ArrayLike | Sequence[Any]
"""One label per respondent: an array, or a list that may hold None for a missing label."""


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def encode_labels(values: Labels, *, name: str) -> tuple[IntArray, list[Any]]:
    """Integer codes ``0..k-1`` for the labels in ``values`` and the labels in code order.

    Missing labels (``None``, NaN) get the code ``-1``; callers decide whether that is allowed.
    """
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise InputError(f"{name} must be one-dimensional, got shape {arr.shape}", field=name)
    if arr.dtype.kind in "biuUS":
        labels, codes = np.unique(arr, return_inverse=True)
        return codes.astype(np.intp).reshape(-1), labels.tolist()
    if arr.dtype.kind == "f":
        missing = np.isnan(arr)
        labels, codes = np.unique(arr[~missing], return_inverse=True)
        out = np.full(arr.size, -1, dtype=np.intp)
        out[~missing] = codes.reshape(-1)
        return out, labels.tolist()
    # Object arrays (mixed types, None): code them in order of first appearance.
    index: dict[object, int] = {}
    out = np.empty(arr.size, dtype=np.intp)
    for i, value in enumerate(arr.tolist()):
        if _is_missing(value):
            out[i] = -1
            continue
        out[i] = index.setdefault(value, len(index))
    return out, list(index)


class Design:
    """A survey design: one weight per respondent, optional strata and clusters (PSUs).

    Parameters
    ----------
    weights
        Sampling weights, positive and finite, one per respondent.
    strata
        Stratum label per respondent, or None for an unstratified design.
    clusters
        Primary sampling unit label per respondent, or None when respondents were sampled
        individually (each respondent is then its own PSU).
    nest
        Cluster labels are only unique within their stratum (R's ``nest = TRUE``). Without it a
        cluster label found in two strata is an error.

    Examples
    --------
    >>> d = Design([1.0, 2.0, 1.0, 2.0], strata=["a", "a", "b", "b"], clusters=[1, 2, 3, 3])
    >>> d.n, d.n_strata, d.n_psu, d.df
    (4, 2, 3, 1)
    >>> d.lonely_strata
    ('b',)
    """

    __slots__ = (
        "_psu_code",
        "_psu_stratum",
        "_stratum_code",
        "_stratum_psus",
        "lonely_strata",
        "n",
        "n_psu",
        "n_strata",
        "notes",
        "weights",
    )

    weights: FloatArray
    n: int
    n_strata: int
    n_psu: int
    lonely_strata: tuple[Any, ...]
    notes: tuple[str, ...]
    _stratum_code: IntArray
    _psu_code: IntArray
    _psu_stratum: IntArray
    _stratum_psus: IntArray

    def __init__(
        self,
        weights: ArrayLike,
        strata: Labels | None = None,
        clusters: Labels | None = None,
        *,
        nest: bool = False,
    ) -> None:
        w = _validate_weights(weights)
        n = w.size
        if strata is None:
            stratum_code = np.zeros(n, dtype=np.intp)
            stratum_labels: list[Any] = [None]
        else:
            stratum_code, stratum_labels = self._labels(strata, n, name="strata")
        if clusters is None:
            psu_code = np.arange(n, dtype=np.intp)
        else:
            cluster_code, _ = self._labels(clusters, n, name="clusters")
            if nest:
                # A PSU is a (stratum, cluster) pair.
                pair = stratum_code.astype(np.int64) * (int(cluster_code.max()) + 1) + cluster_code
                _, psu_code = np.unique(pair, return_inverse=True)
                psu_code = psu_code.astype(np.intp).reshape(-1)
            else:
                psu_code = cluster_code
        n_psu = int(psu_code.max()) + 1
        psu_stratum = np.full(n_psu, -1, dtype=np.intp)
        psu_stratum[psu_code] = stratum_code
        # Every respondent of a PSU must lie in the PSU's stratum.
        crossing = psu_stratum[psu_code] != stratum_code
        if crossing.any():
            i = int(np.flatnonzero(crossing)[0])
            raise InputError(
                "a cluster lies in more than one stratum (first at position "
                f"{i}): give clusters labels unique across strata, or pass nest=True if "
                "labels are only unique within a stratum",
                field="clusters",
            )
        n_strata = len(stratum_labels)
        stratum_psus = np.bincount(psu_stratum, minlength=n_strata).astype(np.intp)
        lonely = tuple(stratum_labels[h] for h in np.flatnonzero(stratum_psus == 1))
        notes: tuple[str, ...] = ()
        if lonely and n_psu > 1:
            shown = ", ".join(str(s) for s in lonely[:10]) + (" ..." if len(lonely) > 10 else "")
            notes = (
                f"{len(lonely)} stratum/strata with a single PSU ({shown}): its PSU is centred "
                "at the grand mean of all PSUs (R survey.lonely.psu = 'adjust')",
            )
        w.setflags(write=False)
        self.weights = w
        self.n = n
        self.n_strata = n_strata
        self.n_psu = n_psu
        self.lonely_strata = lonely if n_psu > 1 else ()
        self.notes = notes
        self._stratum_code = stratum_code
        self._psu_code = psu_code
        self._psu_stratum = psu_stratum
        self._stratum_psus = stratum_psus

    @staticmethod
    def _labels(values: Labels, n: int, *, name: str) -> tuple[IntArray, list[Any]]:
        codes, labels = encode_labels(values, name=name)
        if codes.size != n:
            raise InputError(
                f"{name} has {codes.size} values but there are {n} weights: give one per "
                "respondent",
                field=name,
            )
        if (codes < 0).any():
            i = int(np.flatnonzero(codes < 0)[0])
            raise InputError(
                f"{name} is missing for {int((codes < 0).sum())} respondent(s) (first at "
                f"position {i}): every respondent needs one",
                field=name,
            )
        return codes, labels

    @property
    def df(self) -> int:
        """Design degrees of freedom: number of PSUs minus number of strata (at least 1)."""
        return max(self.n_psu - self.n_strata, 1)

    @property
    def stratum_codes(self) -> IntArray:
        """Stratum code ``0..n_strata-1`` of each respondent."""
        return self._stratum_code

    @property
    def psu_codes(self) -> IntArray:
        """PSU code ``0..n_psu-1`` of each respondent (unique across strata)."""
        return self._psu_code

    def variance(self, scores: ArrayLike) -> float:
        """Variance of the estimated total ``Σ scores`` (scores already multiplied by weights).

        With-replacement sampling of PSUs within strata; single-PSU strata centred at the grand
        mean of the PSU totals. For the linearised scores of a mean or ratio, which sum to
        zero, that grand mean is zero.

        >>> round(Design([1, 1, 1, 1]).variance([1.0, -1.0, 2.0, -2.0]), 4)
        13.3333
        """
        z = np.asarray(scores, dtype=float)
        if z.shape != (self.n,):
            raise InputError(f"scores must have one value per respondent ({self.n})")
        totals = np.bincount(self._psu_code, weights=z, minlength=self.n_psu)
        per_stratum = np.bincount(self._psu_stratum, weights=totals, minlength=self.n_strata)
        n_h = self._stratum_psus[self._psu_stratum].astype(float)
        centre = per_stratum[self._psu_stratum] / n_h
        lonely = n_h == 1
        if lonely.any():
            centre[lonely] = totals.sum() / self.n_psu
        scale = np.where(lonely, 1.0, n_h / np.maximum(n_h - 1.0, 1.0))
        if self.n_psu == 1:
            return 0.0
        return float((scale * (totals - centre) ** 2).sum())

    def __repr__(self) -> str:
        return f"Design(n={self.n}, strata={self.n_strata}, psus={self.n_psu})"


def _validate_weights(weights: ArrayLike) -> FloatArray:
    try:
        w = np.array(weights, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"weights must be numbers: {exc}", field="weights") from exc
    if w.ndim != 1:
        raise InputError(f"weights must be one-dimensional, got shape {w.shape}", field="weights")
    if w.size == 0:
        raise InputError(
            "weights is empty: a design needs at least one respondent", field="weights"
        )
    bad = ~np.isfinite(w)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"weights must be finite: {int(bad.sum())} weight(s) are NaN or infinite "
            f"(first at position {i})",
            field="weights",
        )
    bad = w <= 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"weights must be positive: {int(bad.sum())} weight(s) are zero or negative "
            f"(first at position {i}, value {w[i]:g}); drop those respondents instead",
            field="weights",
        )
    return w
