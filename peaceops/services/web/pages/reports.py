"""The mission report in the web app: a form to choose the period, language and format, and
the report itself (a PDF to download, or the HTML page with its hover titles).

Everyone logged in may make it; the platform leaves out what the caller's role may not read
(the security outlook without ``READ_FORECASTS``) and says so in the report.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from peaceops.domain.periods import ReportingPeriod
from peaceops.errors import InputError
from peaceops.reports.mission import render_html, render_pdf, style_sources
from peaceops.services.web.deps import PlatformDep, Reader, get_web, language
from peaceops.services.web.rendering import render
from peaceops.services.web.security import CSP

router = APIRouter()
FORMATS = ("pdf", "html")
REPORT_LANGUAGES = ("en", "fr")


def recent_quarters(today: date, n: int = 8) -> list[str]:
    """The last ``n`` quarters that have ended, latest first (suggestions for the form).

    >>> recent_quarters(date(2026, 8, 1), 3)
    ['2026Q2', '2026Q1', '2025Q4']
    """
    year, quarter = today.year, (today.month - 1) // 3
    out = []
    for _ in range(n):
        if quarter == 0:
            year, quarter = year - 1, 4
        out.append(f"{year}Q{quarter}")
        quarter -= 1
    return out


@router.get("/countries/{iso3}/report")
def read_mission_report(
    request: Request,
    iso3: str,
    platform: PlatformDep,
    by: Reader,
    period: Annotated[str | None, Query(max_length=10)] = None,
    output_format: Annotated[str, Query(alias="format", max_length=4)] = "pdf",
    report_language: Annotated[str | None, Query(alias="lang", max_length=2)] = None,
) -> Response:
    """Without a period, the form; with one, the report as a PDF or an HTML page."""
    country = platform.places.country(iso3.upper())
    lang = language(request)
    chosen = report_language or (lang.code if lang.code in REPORT_LANGUAGES else "en")
    suggestions = recent_quarters(date.today())
    form = {
        "country": country,
        "period": period or suggestions[0],
        "suggestions": suggestions,
        "report_language": chosen,
        "output_format": output_format,
        "formats": FORMATS,
        "report_languages": REPORT_LANGUAGES,
        "error": "",
    }
    if period is None:
        return render(request, "mission_report_form.html", form)
    problem = ""
    if output_format not in FORMATS:
        problem = lang.gettext("Choose PDF or HTML.")
    elif chosen not in REPORT_LANGUAGES:
        problem = lang.gettext("Reports are written in English or French.")
    else:
        try:
            ReportingPeriod.parse(period)
        except InputError:
            problem = lang.gettext(
                "Write the period as a year (2026), a half-year (2026H1), a quarter (2026Q2) "
                "or a month (2026-06)."
            )
    if problem:
        return render(
            request, "mission_report_form.html", {**form, "error": problem}, status_code=422
        )
    context = platform.reports.mission_context(country.iso3, period, by=by, language=chosen)
    # The catalogue of the report's language, which need not be the interface's.
    catalogue = get_web(request).languages[chosen]
    gettext, ngettext = catalogue.gettext, catalogue.translations.ngettext
    name = f"mission-{country.iso3}-{context['period']['code']}-{chosen}"
    if output_format == "pdf":
        return Response(
            render_pdf(context, gettext=gettext, ngettext=ngettext),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    html = render_html(context, gettext=gettext, ngettext=ngettext)
    # The report's one <style> block is allowed by its hash; nothing else inline is.
    policy = CSP.replace("style-src 'self'", "style-src 'self' " + " ".join(style_sources(html)))
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": policy,
            "Content-Disposition": f'inline; filename="{name}.html"',
        },
    )
