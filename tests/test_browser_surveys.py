"""The perception survey pages in a real browser (Playwright driving Debian's Chromium).

Opens the dashboard, changes question and answer with the GET form, imports an export
through the page, and looks at the page in French, in Arabic (right to left) and on a narrow
phone screen; fails on any console error (a Content-Security-Policy violation included) and
on any request leaving the machine. Screenshots go to tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from browser_support import Watch, log_in, shoot

from conftest import TestDatabase

pytestmark = pytest.mark.browser


def test_survey_dashboard_languages_import_and_phone(
    db: TestDatabase, live_server: str, browser, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from peaceops.ingest.submissions_write import write_kobo_csv
    from peaceops.scenario.carana import DEFAULT_SEED, build_carana
    from peaceops.scenario.perception import build_perception_waves

    base = live_server
    survey = db.platform.surveys.survey("carana_perception")
    assert survey.id is not None
    wave = db.platform.surveys.waves(survey.id)[-1].id  # the demo's latest wave
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page, base)
    log_in(page, base, "analyst")

    page.get_by_role("link", name="Surveys").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Perception surveys"
    page.get_by_role("link", name="Carana public perception survey").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("svg.survey-map path.area").count() == 8
    assert page.locator("table.outcomes svg.ibar").count() == 6
    assert page.locator("svg.wave-chart g.pt").count() == 2
    tooltip = page.locator("svg.survey-map path[data-pcode=XCA01] title").text_content()
    assert tooltip is not None and tooltip.startswith("Kalari: ") and "95% interval" in tooltip
    region = page.get_by_role("region", name="Regions")
    assert region.locator("tbody tr").count() == 8
    assert "Kalari" in region.inner_text()
    shoot(page, "survey_dashboard")

    # Another question and answer, chosen with the form (no JavaScript needed).
    page.select_option("#s-question", "trust_police")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state("networkidle")
    assert "question=trust_police" in page.url
    assert page.locator("h2#question-h").inner_text().startswith("How much confidence")
    page.select_option("#s-outcome", "great")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state("networkidle")
    assert "A great deal of confidence" in page.locator("#map-h").inner_text()
    shoot(page, "survey_dashboard-choice")

    # French and Arabic (right to left): labels of the form in the page language.
    page.goto(f"{base}/lang/fr?next=/surveys/{survey.id}")
    page.goto(f"{base}/surveys/{survey.id}?question=trust_police&wave={wave}")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Quelle confiance accordez-vous" in page.locator("h2#question-h").inner_text()
    shoot(page, "survey_dashboard-fr")
    page.goto(f"{base}/lang/ar?next=/surveys/{survey.id}")
    page.goto(f"{base}/surveys/{survey.id}?wave={wave}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    brand = page.locator(".brand").bounding_box()
    assert brand is not None and brand["x"] > 640
    # Right to left: the answer labels sit right of their bars.
    head = page.locator("table.outcomes tbody th").first.bounding_box()
    bar = page.locator("table.outcomes tbody svg.ibar").first.bounding_box()
    assert head is not None and bar is not None and head["x"] > bar["x"]
    shoot(page, "survey_dashboard-ar")
    page.goto(f"{base}/lang/en?next=/")
    assert watch.errors == [], watch.errors
    assert watch.outside == [], f"requests left the machine: {watch.outside}"
    page.close()

    # A phone: no sideways scrolling; the tables scroll inside themselves if they must.
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2)
    phone = context.new_page()
    watch = Watch(phone, base)
    log_in(phone, base, "viewer")
    phone.goto(f"{base}/lang/en?next=/surveys")
    for path in (
        "/surveys",
        f"/surveys/{survey.id}",
        f"/surveys/{survey.id}?question=court_timely",
    ):
        phone.goto(f"{base}{path}")
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px"
    phone.goto(f"{base}/surveys/{survey.id}?wave={wave}")
    assert phone.locator("#s-file, form[action$='/import']").count() == 0  # viewers import nothing
    shoot(phone, "survey_dashboard-mobile")
    assert watch.errors == [], watch.errors
    context.close()

    # An export imported through the page: a report, and the same file again changes nothing.
    scenario = build_carana(DEFAULT_SEED)
    waves = build_perception_waves(scenario, seed=DEFAULT_SEED)
    subs = [replace(s, uuid=f"browser-{i}") for i, s in enumerate(waves[1].submissions[:25])]
    export = write_kobo_csv(subs, survey.form, tmp_path / "browser.csv")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page, base)
    log_in(page, base, "analyst")
    page.goto(f"{base}/surveys")
    form = page.locator(f"#survey-{survey.id} form")
    page.locator(f"#survey-{survey.id} summary").click()
    form.locator("input[type=file]").set_input_files(str(export))
    form.get_by_label("Wave", exact=True).fill("Browser check")
    form.get_by_label("Fieldwork from (new wave)").fill("2026-09-01")
    form.get_by_label("Fieldwork to (new wave)").fill("2026-09-20")
    form.get_by_role("button", name="Import submissions").click()
    page.wait_for_load_state("networkidle")
    status = page.get_by_role("status").inner_text()
    assert "25 new, 0 updated, 0 unchanged" in status, status
    shoot(page, "survey_import")
    page.locator(f"#survey-{survey.id} summary").click()
    form.locator("input[type=file]").set_input_files(str(export))
    form.get_by_label("Wave", exact=True).fill("Browser check")
    form.get_by_role("button", name="Import submissions").click()
    page.wait_for_load_state("networkidle")
    assert "0 new, 0 updated, 25 unchanged" in page.get_by_role("status").inner_text()

    assert watch.errors == [] and watch.outside == []
    page.close()
