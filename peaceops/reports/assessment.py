"""The assessment round report: a standalone HTML file (printable to PDF) for one round.

It shows the institution x dimension heat map, every indicator with its interval, sources,
confidence and conflicts, the change since the previous round and the ranked priorities.
Roll-ups are labelled as platform aggregates and printed next to the indicators they average.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from peaceops.reports.charts import SCORE_COLOURS, score_colour


def N_(message: str) -> str:
    """Mark a string for the catalogues; it is translated where it is shown."""
    return message


DIMENSIONS = {
    "performance": N_("Performance"),
    "integrity": N_("Integrity, transparency and accountability"),
    "vulnerable_groups": N_("Treatment of vulnerable groups"),
    "capacity": N_("Capacity"),
}
SOURCES = {
    "expert_survey": N_("Expert survey"),
    "public_survey": N_("Public survey"),
    "administrative": N_("Administrative data"),
    "document_review": N_("Document review"),
    "site_observation": N_("Site observation"),
}
VERDICTS = {
    "better": N_("better"),
    "worse": N_("worse"),
    "no_clear_change": N_("no clear change"),
}
RATINGS = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}

_env = Environment(
    loader=PackageLoader("peaceops.reports", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_report(data: dict[str, Any], *, gettext: Callable[[str], str] = str) -> str:
    """The report of ``AssessmentService.report_data`` as one self-contained HTML page.

    ``gettext`` translates the report's own words (the caller passes the catalogue of
    ``data["language"]``); framework texts arrive already in that language.
    """
    language = data.get("language", "en")
    return _env.get_template("assessment_report.html").render(
        data=data,
        _=gettext,
        dimensions=DIMENSIONS,
        sources=SOURCES,
        verdicts=VERDICTS,
        ratings=RATINGS,
        colour=score_colour,
        legend=SCORE_COLOURS,
        lang=language,
    )
