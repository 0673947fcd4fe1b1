"""Field readiness in a real browser: what each main page costs to load over a slow link, and
the public complaint form with JavaScript switched off."""

from __future__ import annotations

from browser_support import Watch, log_in, shoot

from conftest import SYSTEM, TestDatabase

# The bar of the hardening work: a main page, loaded with an empty cache (HTML, styles,
# scripts, images, the data its scripts fetch), stays under 200 KB on the wire.
PAGE_BUDGET = 200_000


def _main_pages(db: TestDatabase) -> list[str]:
    platform = db.platform
    police = next(i for i in platform.institutions.list(country="XCA") if i.acronym == "CNP")
    survey = platform.surveys.surveys()[0].survey.id
    return [
        "/",
        "/countries/XCA",
        "/countries/XCA/situation",
        "/countries/XCA/risk",
        f"/institutions/{police.id}",
        "/assessments",
        "/coordination",
        "/activities",
        "/trainings",
        f"/surveys/{survey}",
        "/accountability",
        "/incidents",
        "/deployments",
        "/alerts",
        "/lessons?q=vetting",
        "/countries/XCA/laws",
        "/countries/XCA/transition",
    ]


def _weigh(context, url: str) -> tuple[int, int, list[str]]:  # type: ignore[no-untyped-def]
    """Bytes on the wire (headers and bodies as sent, compressed or not) for one page load."""
    page = context.new_page()
    finished: list = []  # type: ignore[type-arg]
    page.on("requestfinished", lambda request: finished.append(request))
    answer = page.goto(url)
    page.wait_for_load_state("networkidle")
    status = answer.status if answer is not None else 0
    total = 0
    for request in finished:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    page.close()
    return status, total, [r.url for r in finished]


def test_main_pages_stay_under_200_kb(db: TestDatabase, live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    base = live_server
    context = browser.new_context()
    page = context.new_page()
    watch = Watch(page, base)
    log_in(page, base, "analyst")
    page.close()
    weights: dict[str, int] = {}
    for path in _main_pages(db):
        # A fresh cache for every page (the first visit over the mission's link), logged in.
        cold = browser.new_context(storage_state=context.storage_state())
        status, total, urls = _weigh(cold, base + path)
        cold.close()
        assert status == 200, f"{path} answered {status}"
        assert len(urls) > 1, f"{path}: the style sheet was not loaded"
        weights[path] = total
    print("\npage weights (bytes on the wire, empty cache):")
    for path, total in sorted(weights.items(), key=lambda kv: -kv[1]):
        print(f"  {total:>9,}  {path}")
    heavy = {p: w for p, w in weights.items() if w >= PAGE_BUDGET}
    assert heavy == {}, f"pages over {PAGE_BUDGET:,} bytes: {heavy}"
    assert watch.errors == [], watch.errors
    assert watch.outside == [], watch.outside
    context.close()


def test_public_complaint_form_works_without_javascript(  # type: ignore[no-untyped-def]
    db: TestDatabase, live_server: str, browser
) -> None:
    base = live_server
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    watch = Watch(page, base)
    before = len(db.platform.complaints.cases(by=SYSTEM))
    page.goto(f"{base}/lang/en?next=/complain")
    page.get_by_label("Asked for money or a bribe").check()
    page.get_by_label("Institution").select_option(label="Carana National Police")
    page.get_by_label("Region or district").select_option(label="Central Kalari")
    page.get_by_label("What happened, who was there, what was said or done").fill(
        "At the checkpoint on the river road an officer asked for money to let the bus pass. "
        "He said the fee was for the district commander."
    )
    page.get_by_label("No, stay anonymous").check()
    page.get_by_role("button", name="Send the complaint").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Your complaint has been received"
    reference = page.locator("#reference").inner_text().strip()
    assert reference.startswith("PO-")
    shoot(page, "complaint_no_javascript", db.engine)
    assert len(db.platform.complaints.cases(by=SYSTEM)) == before + 1

    page.get_by_role("link", name="Check the stage of a complaint").click()
    page.wait_for_load_state("load")
    page.get_by_label("Reference code").fill(reference)
    page.get_by_role("button", name="Check the stage").click()
    page.wait_for_load_state("load")
    assert page.locator(".status-answer .stage").inner_text() == "Received"
    assert watch.outside == [], watch.outside
    context.close()


def test_reading_pages_work_without_javascript(  # type: ignore[no-untyped-def]
    db: TestDatabase, live_server: str, browser
) -> None:
    """Log in, read the dashboard, a country's map and a case board with scripts off."""
    base = live_server
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, base, "handler")
    assert page.locator("h1").count() >= 1
    page.goto(f"{base}/cases")
    assert page.locator("li.case-card").count() > 0
    page.goto(f"{base}/countries/XCA")
    assert page.locator("svg path").count() > 5, "the map is drawn on the server, as SVG"
    context.close()
