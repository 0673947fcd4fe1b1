"""External governance indices, shown as context beside the platform's own assessments.

A ``ContextValue`` is one published number for one country and year (the World Bank's rule of
law estimate for the Central African Republic in 2019, say). These numbers come from outside
the mission: every screen that shows one names its source (``CONTEXT_SOURCES``), its scale,
and whether a higher value is better. They are context for a country's own assessment rounds,
never a substitute for them, and scales differ between sources, so values from two sources are
never compared directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class ContextValue:
    """One value of one external index for one country and year.

    ``scale_low`` and ``scale_high`` are the published range of the scale (None if it has
    none); ``higher_is_better`` is False for indices where a higher value means a worse
    situation, such as the Fragile States Index.

    >>> v = ContextValue("fsi", "total", "FSI total", "YEM", 2020, 112.4, 0, 120, False)
    >>> round(v.share_of_scale or 0, 3), v.favourable_share is not None
    (0.937, True)
    """

    source: str
    indicator: str
    label: str
    country_iso3: str
    year: int
    value: float
    scale_low: float | None
    scale_high: float | None
    higher_is_better: bool = True

    @property
    def key(self) -> tuple[str, str, str, int]:
        """What identifies the value: source, indicator, country and year."""
        return (self.source, self.indicator, self.country_iso3, self.year)

    @property
    def share_of_scale(self) -> float | None:
        """Where the value sits on its scale, 0 at the low end and 1 at the high end."""
        if self.scale_low is None or self.scale_high is None or self.scale_high == self.scale_low:
            return None
        return (self.value - self.scale_low) / (self.scale_high - self.scale_low)

    @property
    def favourable_share(self) -> float | None:
        """Like ``share_of_scale``, but 1 is always the favourable end of the scale."""
        share = self.share_of_scale
        if share is None:
            return None
        return share if self.higher_is_better else 1 - share


class ContextSource(NamedTuple):
    """Who publishes an index and on what terms: shown with every value from it.

    A plain tuple (full name, publisher, licence note) with names for its parts.
    """

    name: str
    publisher: str
    licence: str


CONTEXT_SOURCES: dict[str, ContextSource] = {
    "wgi": ContextSource(
        "Worldwide Governance Indicators",
        "World Bank",
        "CC BY 4.0. Estimates on a standard normal scale (about -2.5 to 2.5); each release "
        "revises earlier years.",
    ),
    "wjp": ContextSource(
        "WJP Rule of Law Index",
        "World Justice Project",
        "WJP terms of use: attribution required; check before commercial reuse.",
    ),
    "bti": ContextSource(
        "Bertelsmann Transformation Index (BTI)",
        "Bertelsmann Stiftung",
        "Free use with citation of the BTI (verify on the BTI site). The year is the end of "
        "the review period, two years before the edition.",
    ),
    "vdem": ContextSource(
        "V-Dem high-level democracy indices",
        "V-Dem Institute, University of Gothenburg",
        "CC BY-SA 4.0.",
    ),
    "fsi": ContextSource(
        "Fragile States Index",
        "The Fund for Peace",
        "Free for non-commercial use with attribution (Fund for Peace terms; verify). Higher "
        "is worse; an edition largely reflects the previous year.",
    ),
}
"""Source code -> (full name, publisher, licence note), for labelling values."""


__all__ = ["CONTEXT_SOURCES", "ContextSource", "ContextValue"]
