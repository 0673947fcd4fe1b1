"""Legal frameworks in the web app: the pipeline page with its timeline, an instrument's page
with history, exception, checklist and the indicators it feeds, and the step form."""

from __future__ import annotations

import re

from conftest import TestDatabase, login


def test_the_pipeline_page_shows_stages_stuck_laws_and_timeline(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    login(client, "civil")
    page = client.get("/countries/XCA/laws")
    assert page.status_code == 200
    text = page.text
    assert "Legislative pipeline of Carana" in text
    assert "Carana National Police Act (bill)" in text
    assert re.search(r"instruments? (is|are) stuck", text)
    assert 'class="legal-timeline"' in text and "<rect" in text
    assert "replaced by Prisons Service Act" in text
    assert "style=" not in text
    country = client.get("/countries/XCA")
    assert 'href="/countries/XCA/laws"' in country.text


def test_an_instrument_page_tells_history_checklist_indicators(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    login(client, "viewer")
    client.get("/lang/en")  # the viewer reads Arabic by default
    laws = {i.code: i for i in db.platform.legal.instruments("XCA")}
    emergency = client.get(f"/laws/{laws['emergency-ordinance-2024'].id}")
    assert emergency.status_code == 200
    assert "Exception recorded" in emergency.text and "article 87" in emergency.text
    prisons = client.get(f"/laws/{laws['prisons-act-2025'].id}")
    assert "10 of 12 provisions met" in prisons.text
    assert "COR-INT-04" in prisons.text and "Replaces" in prisons.text
    assert 'action="/laws/' not in prisons.text  # viewers get no step form
    legal_aid = client.get(f"/laws/{laws['legal-aid-act'].id}")
    assert f'href="/lessons/documents/{laws["legal-aid-act"].document_id}"' in legal_aid.text
    assert client.get("/laws/999999").status_code == 404


def test_the_step_form_records_a_step_and_explains_a_refusal(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    login(client, "analyst")
    law = db.platform.legal.find("XCA", "gendarmerie-decree")
    assert law is not None
    page = client.get(f"/laws/{law.id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    refused = client.post(
        f"/laws/{law.id}/steps",
        data={
            "csrf_token": token.group(1),
            "stage": "in_force",
            "on": "2026-07-01",
            "evidence": "x",
        },
    )
    assert refused.status_code == 422
    assert "after publication" in refused.text and 'value="x"' in refused.text
    done = client.post(
        f"/laws/{law.id}/steps",
        data={
            "csrf_token": token.group(1),
            "stage": "consultation",
            "on": "2026-09-14",
            "evidence": "Consultation with gendarmerie commanders",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    stored = db.platform.legal.instrument(law.id or 0)
    assert stored.stage is not None and stored.stage.value == "consultation"
    assert stored.steps[-1].recorded_by == "analyst"
