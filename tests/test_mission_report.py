"""The mission report: its context (snapshot-tested, on the evidence known at the period's
end, with the role rules), its HTML and PDF in English and French, the command line and the
web page.

The snapshot is ``tests/snapshots/mission_XCA_2026Q2.json``; after a deliberate change, write
it again with ``PEACEOPS_UPDATE_SNAPSHOTS=1 pytest tests/test_mission_report.py`` and read the
diff before committing it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from conftest import SYSTEM, TestDatabase, login
from peaceops.domain.access import Principal, Role
from peaceops.domain.periods import PeriodKind, ReportingPeriod
from peaceops.errors import InputError
from peaceops.platform import Platform
from peaceops.reports.mission import render_html, render_pdf, style_sources
from peaceops.services.web.i18n import load_catalogues

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("PEACEOPS_UPDATE_SNAPSHOTS") == "1"
CIVIL = Principal("civil", Role.CIVIL_SOCIETY)


def normalised(value: Any) -> Any:
    """The context as the snapshot keeps it: map paths by their digest (the geometry is
    tested in svgmap), and without the day the demo's forecasts were made."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "path" and isinstance(item, str):
                out[key] = "sha256:" + hashlib.sha256(item.encode()).hexdigest()[:16]
            elif key == "made":
                out[key] = "<day the demo was built>"
            else:
                out[key] = normalised(item)
        return out
    if isinstance(value, list):
        return [normalised(v) for v in value]
    return value


def words(language: str) -> dict[str, Any]:
    catalogue = load_catalogues()[language]
    return {"gettext": catalogue.gettext, "ngettext": catalogue.translations.ngettext}


def test_periods_are_read_as_staff_write_them() -> None:
    quarter = ReportingPeriod.parse("2024q4")
    assert (quarter.kind, quarter.start.isoformat(), quarter.end.isoformat()) == (
        PeriodKind.QUARTER,
        "2024-10-01",
        "2024-12-31",
    )
    assert ReportingPeriod.parse("2024").end.isoformat() == "2024-12-31"
    assert ReportingPeriod.parse("2024H1").end.isoformat() == "2024-06-30"
    assert ReportingPeriod.parse("2024-02").end.isoformat() == "2024-02-29"
    assert ReportingPeriod.parse(" 2024-H2 ").code == "2024H2"
    for bad in ("2024Q5", "2024-13", "Q4 2024", "24Q1", "", "2024H3"):
        with pytest.raises(InputError) as caught:
            ReportingPeriod.parse(bad)
        assert caught.value.problem.field == "period"


def test_the_context_matches_its_snapshot(platform: Platform) -> None:
    context = platform.reports.mission_context("XCA", "2026Q2", by=SYSTEM)
    assert json.loads(json.dumps(context)) == context  # plain data, nothing else
    found = normalised(context)
    path = SNAPSHOTS / "mission_XCA_2026Q2.json"
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(json.dumps(found, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert found == expected, "the mission context changed: see the module docstring"


def test_the_context_holds_only_what_was_known_at_the_period_end(platform: Platform) -> None:
    early = platform.reports.mission_context("XCA", "2025Q2", by=SYSTEM)
    later = platform.reports.mission_context("XCA", "2026Q2", by=SYSTEM)
    assert early["period"] == {
        "code": "2025Q2",
        "kind": "quarter",
        "start": "2025-04-01",
        "end": "2025-06-30",
    }
    rounds = {fw["code"]: fw["round"]["end"] for fw in early["institutions"]["frameworks"]}
    assert rounds == {"rule_of_law": "2025-05-31"}  # the defence round ended in 2026
    assert early["institutions"]["frameworks"][0]["previous"]["end"] == "2024-05-31"
    survey = early["community"]["surveys"][0]
    assert survey["wave"]["end"] == "2025-04-11" and survey["previous"] is None
    assert early["security"]["forecast"] is None  # the first run used data to 2025-12
    assert later["security"]["forecast"]["cutoff"] == "2026-06"
    assert early["coordination"]["disbursed"] < later["coordination"]["disbursed"]
    assert early["transition"]["as_of"] == "2025-06-30"
    legal = {i["code"]: i["stage"] for i in early["institutions"]["legal"]}
    assert "gendarmerie-decree" not in legal  # drafting began in 2026
    # Complaints as their cases stood then: none resolved after the period's end counts.
    now = platform.complaints.accountability(country="XCA", by=SYSTEM)
    assert early["community"]["complaints"]["year"]["total"] < now.total


def test_bad_input_is_refused_naming_the_field(platform: Platform) -> None:
    with pytest.raises(InputError) as caught:
        platform.reports.mission_context("XCA", "2026Q5", by=SYSTEM)
    assert caught.value.problem.field == "period"
    with pytest.raises(InputError) as caught:
        platform.reports.mission_context("XCA", "2026Q2", by=SYSTEM, language="ar")
    assert caught.value.problem.field == "lang"


def test_civil_society_gets_no_forecasts_and_is_told_why(platform: Platform) -> None:
    context = platform.reports.mission_context("XCA", "2026Q2", by=CIVIL)
    security = context["security"]
    assert security["forecast"] is None and security["omitted"] == "forecasts_role"
    assert security["deaths"] > 0  # recorded events are for everyone
    assert context["coordination"]["areas_at_risk"] is None
    assert context["audience"] == {"role": "civil_society", "forecasts": False}
    assert "riskiest" not in {s["key"] for s in context["summary"]}
    transition = context["transition"]
    risky = [
        c for b in transition["benchmarks"] for c in b["conditions"] if c["kind"] == "forecast_risk"
    ]
    assert risky and all(c["hidden"] and not c["observations"] for c in risky)
    html = render_html(context, **words("en"))
    assert "The security outlook is left out" in html
    assert "P(≥25)" not in html and "puts the highest risk" not in html


def test_html_is_one_self_contained_page_in_english_and_french(platform: Platform) -> None:
    english = render_html(platform.reports.mission_context("XCA", "2026Q2", by=SYSTEM))
    context = platform.reports.mission_context("XCA", "2026Q2", by=SYSTEM, language="fr")
    french = render_html(context, **words("fr"))
    for html in (english, french):
        assert "<script" not in html and "style=" not in html
        assert "<link" not in html and "@import" not in html
        urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
        assert urls <= {"http://www.w3.org/2000/svg"}, urls
        assert len(style_sources(html)) == 1
        assert html.count("<svg") >= 8 and "<title>" in html  # maps and charts, with hovers
    assert '<html lang="en"' in english and '<html lang="fr"' in french
    assert "Executive summary" in english and "Reform priorities" in english
    assert "Priorités de réforme" in french  # interface words from the catalogue
    titles = {fw["code"]: fw["title"] for fw in context["institutions"]["frameworks"]}
    assert titles["rule_of_law"] in french and titles["rule_of_law"] not in english
    assert "28,3" in french and "28.3" in english  # numbers as each language writes them
    for section in ("summary", "institutions", "coordination", "community", "security"):
        assert f'id="{section}"' in english
    assert 'id="transition"' in english and "Transition benchmarks" in english


def test_the_pdf_has_a_cover_contents_with_page_numbers_and_running_numbers(
    platform: Platform,
) -> None:
    context = platform.reports.mission_context("XCA", "2026Q2", by=SYSTEM, language="fr")
    pdf = render_pdf(context, **words("fr"))
    assert pdf.startswith(b"%PDF")
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 10
    fr = load_catalogues()["fr"]
    assert fr.gettext("Mission report") in pages[0] and "2026Q2" in pages[0]
    # Contents: each entry, its leader dots and the page it is on.
    label = fr.gettext("Page %(page)s of %(pages)s")
    found = re.findall(r"^(\S.*?)[ .]*?\s(\d+)$", pages[1], flags=re.M)
    entries = {t: n for t, n in found if not t.startswith(label.split("%")[0])}
    chapters = ("Executive summary", "Institutions", "Security", "About this report")
    assert {fr.gettext(t) for t in chapters} <= set(entries), pages[1]
    assert "Legal framework" in entries or fr.gettext("Legal framework") in entries
    for title, number in entries.items():
        assert title in pages[int(number) - 1].replace("\n", " "), (title, number)
    total = len(pages)
    assert label % {"page": 3, "pages": total} in pages[2]
    assert label % {"page": total, "pages": total} in pages[-1]
    assert label % {"page": 1, "pages": total} not in pages[0]  # none on the cover


def test_the_command_line_writes_the_report(db: TestDatabase, tmp_path: Path) -> None:
    from peaceops.services.cli.app import app

    runner = CliRunner()
    out = tmp_path / "report.html"
    env = {"PEACEOPS_DATABASE_URL": db.url}
    done = runner.invoke(
        app,
        [
            *("report", "mission", "--country", "xca", "--period", "2026Q2"),
            *("--format", "html", "--lang", "fr", "--out", str(out)),
        ],
        env=env,
    )
    assert done.exit_code == 0, done.output
    assert f"Wrote {out}" in done.stdout
    assert '<html lang="fr"' in out.read_text(encoding="utf-8")
    bad = runner.invoke(
        app, ["report", "mission", "--country", "XCA", "--period", "2026Q5"], env=env
    )
    assert bad.exit_code == 3 and "'period'" in bad.output


def test_the_web_page_makes_the_report_for_the_reader(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    login(client, "viewer")
    client.get("/lang/en")  # the viewer reads Arabic by default
    assert 'href="/countries/XCA/report"' in client.get("/countries/XCA").text
    form = client.get("/countries/XCA/report")
    assert form.status_code == 200
    assert 'name="period"' in form.text and "<datalist" in form.text
    bad = client.get("/countries/XCA/report?period=soon&format=pdf")
    assert bad.status_code == 422 and "a quarter (2026Q2)" in bad.text
    html = client.get("/countries/XCA/report?period=2026Q2&format=html&lang=en")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    policy = html.headers["content-security-policy"]
    assert "'sha256-" in policy and "unsafe-inline" not in policy
    assert style_sources(html.text)[0] in policy
    assert "Security outlook" in html.text and "P(≥25)" in html.text
    if db.engine == "sqlite":
        pdf = client.get("/countries/XCA/report?period=2026Q2&format=pdf&lang=fr")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert "attachment" in pdf.headers["content-disposition"]
        assert pdf.content.startswith(b"%PDF")
    login(client, "civil")
    civil = client.get("/countries/XCA/report?period=2026Q2&format=html&lang=en")
    assert civil.status_code == 200 and "The security outlook is left out" in civil.text
