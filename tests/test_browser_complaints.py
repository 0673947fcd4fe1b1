"""The complaint pages in a real browser (Playwright driving Debian's Chromium).

A complainant on a cheap phone (360 x 740, touch) fills the public form without an account,
keeps the reference, checks the stage, and sees the form in Arabic, right to left; a case
handler opens the board on a desktop screen; the accountability page draws its chart. Fails
on any console error, sideways scrolling on the phone, or a request leaving the machine.
Screenshots go to tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import pytest
from browser_support import Watch, shoot

from conftest import TestDatabase

pytestmark = pytest.mark.browser
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
STORY = (
    "Two officers at the roadblock near the market took my bag and said I must pay 20,000 to "
    "get it back. They kept my identity card."
)

STORY = (
    "Two officers at the roadblock near the market took my bag and said I must pay 20,000 to "
    "get it back. They kept my identity card."
)


def sideways(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def log_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill("peace-in-carana")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")


def test_complaint_on_a_phone_then_status_and_arabic(  # type: ignore[no-untyped-def]
    db: TestDatabase, live_server: str, browser
) -> None:
    base = live_server
    context = browser.new_context(**PHONE)
    page = context.new_page()
    watch = Watch(page, base)

    page.goto(f"{base}/complain")
    assert page.locator("html").get_attribute("lang") == "en"
    assert sideways(page) <= 1, f"the form scrolls sideways by {sideways(page)}px"
    shoot(page, "complaint_form_mobile", db.engine)
    # Large touch targets: every choice is at least 44 CSS pixels high, the button too.
    heights = page.eval_on_selector_all(
        ".choice label", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44, heights
    send = page.get_by_role("button", name="Send the complaint")
    box = send.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 300

    # Sending it empty: the browser itself asks for what is required (no JavaScript of ours).
    page.get_by_label("Asked for money or a bribe").check()
    page.get_by_label("Institution").select_option(label="Carana National Police")
    page.get_by_label("Unit, station or post (if you know it)").fill("Market roadblock")
    page.get_by_label("Region or district").select_option(label="Central Kalari")
    page.get_by_label("Date (if you remember it)").fill("2026-01-15")
    page.get_by_label("What happened, who was there, what was said or done").fill(STORY)
    page.get_by_label("Female").check()
    page.get_by_label("Yes, confidentially").check()
    assert page.get_by_label("Your name").is_visible()
    page.get_by_label("Your name").fill("Test Complainant")
    page.get_by_label("Phone number").fill("+999 555 0199")
    page.get_by_label("No, stay anonymous").check()
    assert not page.get_by_label("Your name").is_visible()  # hidden by CSS alone
    page.get_by_label("Yes, confidentially").check()
    send.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Your complaint has been received"
    reference = page.locator("#reference").inner_text().strip()
    assert reference.startswith("PO-") and len(reference) == 16
    size = page.locator("#reference").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 20, "the reference must be easy to read and copy"
    assert sideways(page) <= 1
    shoot(page, "complaint_submitted_mobile", db.engine)

    page.get_by_role("link", name="Check the stage of a complaint").click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("Reference code").fill(reference.lower())
    page.get_by_role("button", name="Check the stage").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".status-answer .stage").inner_text() == "Received"
    assert sideways(page) <= 1
    shoot(page, "complaint_status_mobile", db.engine)

    page.get_by_role("link", name="العربية").first.click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{base}/complain")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert sideways(page) <= 1, f"the Arabic form scrolls sideways by {sideways(page)}px"
    # Right to left: the radio button sits at the right of its label.
    radio = page.locator(".choice input").first.bounding_box()
    text = page.locator(".choice label span").first.bounding_box()
    assert radio is not None and text is not None and radio["x"] > text["x"]
    shoot(page, "complaint_form_ar_mobile", db.engine)
    page.goto(f"{base}/lang/en?next=/complain")
    assert watch.errors == [], watch.errors
    assert watch.outside == [], f"requests left the machine: {watch.outside}"
    context.close()


def test_case_board_and_accountability_on_a_desktop(  # type: ignore[no-untyped-def]
    db: TestDatabase, live_server: str, browser
) -> None:
    base = live_server
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    watch = Watch(page, base)
    log_in(page, base, "handler")
    page.get_by_role("link", name="Cases").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".board .column").count() == 4
    assert page.locator(".case-card").count() > 10
    assert page.locator(".case-card.overdue").count() >= 1
    first = page.locator(".column").first.locator(".case-card").first
    assert "overdue" in (first.get_attribute("class") or "")  # overdue cases come first
    shoot(page, "case_board", db.engine)

    page.locator(".case-card.overdue a.ref").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".case-timeline li").count() >= 1
    assert page.get_by_role("button", name="Move the case").count() == 1
    shoot(page, "case", db.engine)

    page.get_by_role("link", name="Accountability").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("svg.month-chart rect.bar").count() >= 12
    assert page.locator("table.accountability").count() == 3
    shoot(page, "accountability", db.engine)
    assert watch.errors == [], watch.errors
    page.close()

    # On a phone the board stacks its columns and nothing scrolls sideways.
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    log_in(phone, base, "handler")
    for path in ("/cases", "/accountability"):
        phone.goto(f"{base}{path}")
        assert sideways(phone) <= 1, f"{path} scrolls sideways by {sideways(phone)}px"
    context.close()
