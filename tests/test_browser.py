"""A real browser (Playwright driving Debian's Chromium) against a live server.

Logs in, opens the dashboard and the map, toggles layers, switches to French and Arabic,
checks the role limits and the mobile layout, and fails on any console error. Screenshots go
to tests/artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import Watch, shoot

from conftest import TestDatabase

pytestmark = pytest.mark.browser


def log_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill("peace-in-carana")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")


def test_dashboard_map_languages_and_roles(db: TestDatabase, live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    base = live_server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page, base)

    page.goto(f"{base}/countries/XCA")
    assert "/login?next=" in page.url  # not logged in: sent to the login form
    shoot(page, "login", db.engine)
    log_in(page, base, "admin")
    assert page.url.endswith("/countries/XCA")
    assert page.locator("h1").inner_text().startswith("Carana")
    assert page.locator("svg.map-svg path.area").count() == 8
    assert page.locator("svg.map-svg [data-layer=sites] g.pt").count() > 40
    shoot(page, "dashboard", db.engine)

    page.get_by_role("link", name="Open the full map").click()
    page.wait_for_load_state("networkidle")
    towns = page.locator("svg.map-svg g[data-layer=towns]")
    assert towns.is_visible()
    page.get_by_role("checkbox", name="Towns").uncheck()
    assert not towns.is_visible()  # the layer switch works
    page.get_by_role("checkbox", name="Towns").check()
    shoot(page, "map", db.engine)
    page.locator("svg.map-svg a[aria-label=Kalari]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("Kalari")

    page.goto(f"{base}/countries/XCA")
    page.get_by_role("link", name="Risk outlook").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("svg.map-svg path.area.risk3, svg.map-svg path.area.risk4").count() >= 1
    assert page.locator("svg.fan path.band").count() == 1
    page.get_by_role("link", name="Probability of any death").click()
    page.wait_for_load_state("networkidle")
    assert "measure=p_gt0" in page.url
    shoot(page, "risk", db.engine)

    page.get_by_role("link", name="Français").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("link", name="Organisations").count() == 1
    page.goto(f"{base}/countries/XCA")
    assert page.get_by_role("heading", name="Opérations de paix").count() == 1
    shoot(page, "dashboard-fr", db.engine)

    page.get_by_role("link", name="العربية").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("dir") == "rtl"
    direction = page.evaluate("getComputedStyle(document.body).direction")
    assert direction == "rtl"
    # Right-to-left: the brand sits at the right edge of the header.
    brand = page.locator(".brand").bounding_box()
    assert brand is not None and brand["x"] > 640
    shoot(page, "dashboard-ar", db.engine)

    page.goto(f"{base}/lang/en?next=/admin/audit")
    assert page.locator("table.audit tbody tr").count() > 10
    assert page.get_by_text("logged in").count() >= 1  # our own login is in the log
    shoot(page, "audit", db.engine)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state("networkidle")
    assert "/login" in page.url

    log_in(page, base, "viewer")
    assert page.get_by_role("link", name="Users").count() == 0
    assert watch.errors == [], watch.errors
    page.goto(f"{base}/admin/users")
    assert page.locator("h1").inner_text() == "Not allowed"
    # The only error Chromium reports now is that refusal itself.
    assert [e for e in watch.errors if "403" not in e] == []
    assert len(watch.errors) == 1
    assert watch.outside == [], f"requests left the machine: {watch.outside}"


def test_mobile_layout_has_no_sideways_scroll(db: TestDatabase, live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2)
    page = context.new_page()
    watch = Watch(page, live_server)
    log_in(page, live_server, "analyst")
    for path in ("/countries/XCA", "/countries/XCA/map", "/institutions/4", "/actors"):
        page.goto(f"{live_server}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px"
    page.goto(f"{live_server}/countries/XCA")
    shoot(page, "mobile-dashboard", db.engine)
    assert watch.errors == []
    context.close()


def _evidence_file(path: Path, *, bad: bool) -> Path:
    """A one-sheet public-survey file for the rule-of-law framework (made with openpyxl)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "public_survey"
    ws.append(["respondent_id", "weight", "sex", "region", "POL-PERF-01-PS"])
    for n in range(1, 13):
        ws.append(
            [
                f"BROWSER-{n}",
                1.0,
                "female" if n % 2 else "male",
                "XCA01",
                9 if bad and n == 7 else 4,
            ]
        )
    wb.save(path)
    return path


def test_assessment_profile_round_and_drill_down(
    db: TestDatabase, live_server: str, browser, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    base = live_server
    platform = db.platform
    police = next(i for i in platform.institutions.list(country="XCA") if i.acronym == "CNP")
    latest = [r for r in platform.assessment.rounds(country="XCA") if "Rule" in r.name][-1]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page, base)
    log_in(page, base, "analyst")

    page.goto(f"{base}/institutions/{police.id}")
    section = page.locator("#assessment")
    assert section.is_visible()
    assert section.locator("table.heat tbody tr").count() == 3  # three rounds
    assert section.locator("svg.trend .line").count() == 4  # one line per dimension
    assert section.locator("svg.interval").count() >= 12
    shoot(page, "institution-assessment", db.engine)

    page.goto(f"{base}/assessments/rounds/{latest.id}")
    assert page.locator("table.heat tbody tr").count() == 3  # police, judiciary, corrections
    assert page.get_by_text("Reform priorities").is_visible()
    shoot(page, "assessment-round", db.engine)

    # A file with a value off the scale imports nothing and names the row and column.
    page.set_input_files("#e-file", str(_evidence_file(tmp_path / "bad.xlsx", bad=True)))
    page.get_by_role("button", name="Import").click()
    page.wait_for_load_state("networkidle")
    alert = page.get_by_role("alert")
    assert "nothing was imported" in alert.inner_text()
    assert "line 8" in alert.inner_text() and "POL-PERF-01-PS" in alert.inner_text()
    assert watch.errors == [
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ]  # the refused file is answered 422, which the browser logs
    watch.errors.clear()
    page.set_input_files("#e-file", str(_evidence_file(tmp_path / "good.xlsx", bad=False)))
    page.get_by_role("button", name="Import").click()
    page.wait_for_load_state("networkidle")
    assert "12 new" in page.get_by_role("status").inner_text()

    page.goto(f"{base}/assessments/rounds/{latest.id}/indicators/POL-PERF-01")
    assert page.get_by_text("The evidence behind the score").is_visible()
    assert page.locator("svg.trend .dot").count() == 3
    shoot(page, "assessment-indicator", db.engine)

    page.goto(f"{base}/lang/fr?next=/assessments/rounds/{latest.id}")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_text("Priorités de réforme").is_visible()
    page.goto(f"{base}/lang/ar?next=/institutions/{police.id}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    shoot(page, "institution-assessment-ar", db.engine)
    page.goto(f"{base}/lang/en?next=/")
    assert watch.errors == [] and watch.outside == []
    page.close()

    # Civil society reads the scores, not the respondents.
    page = browser.new_page()
    log_in(page, base, "civil")
    page.goto(f"{base}/assessments/rounds/{latest.id}/indicators/POL-PERF-01")
    assert page.get_by_text("visible to analysts only").is_visible()
    assert page.locator("details").count() == 0
    assert page.locator("#e-file").count() == 0
    page.close()


def test_coordination_dashboard_decisions_and_register(
    db: TestDatabase, live_server: str, browser
) -> None:  # type: ignore[no-untyped-def]
    base = live_server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page, base)
    log_in(page, base, "analyst")
    page.goto(f"{base}/coordination?country=XCA")
    assert page.locator("svg.map-svg path.area.risk-gap").count() > 0
    assert page.locator(".sankey svg path").count() > 3
    assert page.locator("table.matrix tbody tr").count() > 5
    findings = page.locator("#duplicates li.finding")
    assert findings.count() >= 4
    assert "funds" in findings.first.locator(".why").inner_text()
    assert "COR-CAP" in page.locator("#gaps table").inner_text()
    assert "Lesedi" in page.locator("#gaps").inner_text()
    shoot(page, "coordination", db.engine)
    # Dismiss the first pair: the decision is kept and shown.
    findings.first.get_by_role("button", name="Not a duplicate").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#duplicates li.finding.decided.dismissed").count() == 1
    page.goto(f"{base}/trainings")
    shoot(page, "trainings", db.engine)
    page.goto(f"{base}/lang/fr?next=/coordination")
    assert page.get_by_role("heading", name="Doublons possibles").is_visible()
    page.goto(f"{base}/lang/ar?next=/coordination")
    assert page.locator("html").get_attribute("dir") == "rtl"
    shoot(page, "coordination-ar", db.engine)
    page.goto(f"{base}/lang/en?next=/")
    assert watch.errors == [] and watch.outside == []
    page.close()

    # Civil society sees the matrix and the duplicates, not areas at forecast risk or buttons.
    page = browser.new_page()
    log_in(page, base, "civil")
    page.goto(f"{base}/coordination?country=XCA")
    assert "Lesedi" not in page.locator("#gaps").inner_text()
    assert page.get_by_role("button", name="Not a duplicate").count() == 0
    page.close()
