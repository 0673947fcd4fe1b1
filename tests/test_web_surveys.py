"""Perception survey pages and API: the dashboard for every role, suppression in every view,
imports through the pages and the API, the estimates API against the platform, and the
row-level export with personal data only for survey administrators."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from html import unescape
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import SYSTEM, TestDatabase, api_token, csrf_from, login
from peaceops.domain.access import ROLE_PERMISSIONS, Permission, Role
from peaceops.ingest.submissions_write import write_kobo_csv, write_kobo_json
from peaceops.platform import Platform
from peaceops.scenario.carana import DEFAULT_SEED, build_carana
from peaceops.scenario.perception import build_perception_waves, write_perception_xlsform

FORM = "carana_perception"
QUESTION = "report_crime"
ROLES = ("admin", "analyst", "partner", "civil", "viewer", "handler")


@pytest.fixture(scope="module")
def scenario():  # type: ignore[no-untyped-def]
    return build_carana(DEFAULT_SEED)


@pytest.fixture(scope="module")
def waves(scenario):  # type: ignore[no-untyped-def]
    return build_perception_waves(scenario, seed=DEFAULT_SEED)


def survey_id(platform: Platform, form_id: str = FORM) -> int:
    survey = platform.surveys.survey(form_id)
    assert survey.id is not None
    return survey.id


def row_of(html: str, label: str) -> str:
    """The table row whose header cell is ``label`` (the first such row)."""
    for row in re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S):
        if re.search(rf'<th scope="row">(<a [^>]*>)?{re.escape(label)}(</a>)?', row):
            return row
    raise AssertionError(f"no row for {label!r}")


def test_dashboard_renders_for_every_role(client, platform: Platform) -> None:  # type: ignore[no-untyped-def]
    sid = survey_id(platform)
    client.get("/lang/en")  # some demo users prefer French
    for username in ROLES:
        login(client, username)
        listing = client.get("/surveys")
        assert listing.status_code == 200
        assert "Carana public perception survey" in listing.text
        assert "Wave 2 (2026)" in listing.text
        manager = username in ("admin", "analyst")
        assert ('action="/surveys/import-form"' in listing.text) is manager
        assert (f'action="/surveys/{sid}/import"' in listing.text) is manager
        assert (f"/surveys/{sid}/submissions.csv" in listing.text) is manager

        page = client.get(f"/surveys/{sid}", params={"question": QUESTION})
        assert page.status_code == 200, username
        html = page.text
        assert "how likely is it that you would report it to the police" in html
        assert "POL-PERF-01-PS" in html  # the framework item it measures
        assert html.count('<svg class="ibar"') >= 6 + 8 + 2 + 5  # outcomes, regions, sex, age
        assert len(re.findall(r'<path d="[^"]+" class="area svy svy-c\d', html)) == 8
        assert 'class="survey-map"' in html and 'class="wave-chart"' in html
        assert "By sex" in html and "By age group" in html and "Design effect" in html
        assert 'href="/surveys/method"' in html
        for region in ("Kalari", "Nkoro", "Lesedi"):
            assert re.search(rf"<title>{region}: \d+%", html), region  # map tooltip
            assert "%" in row_of(html, region)  # and the table beside the map
        assert (f"/surveys/{sid}/submissions.csv" in html) is manager
    assert client.get("/surveys/method").text.startswith("# How PeaceOps estimates")


def test_dashboard_speaks_the_form_language(client, platform: Platform) -> None:  # type: ignore[no-untyped-def]
    login(client, "viewer")
    sid = survey_id(platform)
    client.get("/lang/fr")
    page = client.get(f"/surveys/{sid}", params={"question": "trust_police"})
    assert page.status_code == 200
    assert '<html lang="fr"' in page.text
    assert "Quelle confiance accordez-vous à la police ?" in unescape(page.text)
    assert "Une grande confiance" in unescape(page.text)
    client.get("/lang/ar")
    arabic = client.get(f"/surveys/{sid}", params={"question": "trust_police"})
    assert '<html lang="ar" dir="rtl"' in arabic.text
    assert "ما مدى ثقتك في الشرطة؟" in arabic.text
    client.get("/lang/en")
    # Another wave and another answer on the map, chosen with the GET form.
    first = platform.surveys.waves(sid)[0]
    other = client.get(
        f"/surveys/{sid}", params={"question": "trust_police", "wave": first.id, "outcome": "none"}
    )
    assert other.status_code == 200
    assert re.search(r'<option value="none"\s+selected>', other.text)
    assert client.get(f"/surveys/{sid}", params={"question": "resp_name"}).status_code == 404
    assert client.get("/surveys/99999").status_code == 404


def test_a_suppressed_cell_never_shows_a_value(db: TestDatabase) -> None:
    """With a minimum cell of 84 respondents some regions and age groups are suppressed:
    the page, the map, the API and the CSV give their n and reason, never their value."""
    from fastapi.testclient import TestClient

    from peaceops.services.web.app import create_app

    settings = db.settings(min_cell_size=84)
    strict = Platform(settings)
    try:
        sid = survey_id(strict)
        found = strict.surveys.estimates(sid, QUESTION, by=SYSTEM)
        headline = found.headline
        assert headline is not None
        hidden = [c for c in headline.cells if c.estimate.suppressed]
        assert {c.breakdown for c in hidden} >= {"area", "age_group"}
        open_values = {
            (c.breakdown, c.label): c.estimate
            for c in db.platform.surveys.estimates(sid, QUESTION, by=SYSTEM).headline.cells  # type: ignore[union-attr]
        }
        app = create_app(settings, platform=strict)
        with TestClient(app, base_url="http://testserver") as client:
            login(client, "civil")
            html = client.get(f"/surveys/{sid}", params={"question": QUESTION}).text
            assert "fewer than 84 respondents" in html
            assert 'class="area svy svy-suppressed"' in html
            for c in hidden:
                label = c.label or ""
                row = row_of(html, label)
                assert "fewer than 84" in row or "cannot be derived" in row, row
                assert not re.search(r"\d+%", row), row  # no value, no interval
                assert f'<td class="num">{c.estimate.n}</td>' in row  # n stays published
                if c.breakdown == "area":
                    title = re.search(rf"<title>{re.escape(label)}: ([^<]*)</title>", html)
                    assert title is not None and "%" not in title.group(1)
                    true_value = open_values[("area", c.label)].value
                    assert true_value is not None
                    assert f"{round(100 * true_value)}%" not in title.group(1)

            api = client.get(
                f"/api/v1/surveys/{sid}/estimates", params={"question": QUESTION}
            ).json()
            assert api["min_cell"] == 84
            cells = [cell for o in api["outcomes"] for cell in o["cells"]]
            suppressed = [cell for cell in cells if cell["suppressed"]]
            assert suppressed and all(
                cell["value"] is None
                and cell["low"] is None
                and cell["high"] is None
                and cell["se"] is None
                and cell["reason"]
                and cell["n"] > 0
                for cell in suppressed
            )
            assert all(cell["n"] >= 84 or cell["suppressed"] for cell in cells)

            text = client.get(f"/surveys/{sid}/estimates.csv", params={"question": QUESTION}).text
            rows = list(csv.DictReader(io.StringIO(text)))
            hidden_rows = [r for r in rows if r["suppressed"] == "yes"]
            assert len(hidden_rows) == len(suppressed) + sum(
                o["overall"]["suppressed"] for o in api["outcomes"]
            )
            for r in hidden_rows:
                assert r["value"] == r["low"] == r["high"] == r["se"] == r["deff"] == ""
                assert r["reason"]
                assert int(r["n"]) < 84 or "derived" in r["reason"]
            assert all(r["value"] for r in rows if r["suppressed"] == "no")
    finally:
        strict.close()


def _new_form(tmp_path: Path, scenario, version: str) -> Path:  # type: ignore[no-untyped-def]
    """The Carana questionnaire under another version: a new survey to import into."""
    path = write_perception_xlsform(tmp_path / f"form-{version}.xlsx", scenario=scenario)
    wb = load_workbook(path)
    settings = wb["settings"]
    settings.cell(row=2, column=2, value=version)
    wb.save(path)
    return path


def _post_form(client, csrf: str, path: Path, country: str = "XCA"):  # type: ignore[no-untyped-def]
    return client.post(
        "/surveys/import-form",
        data={"csrf_token": csrf, "country": country},
        files={"file": (path.name, path.read_bytes(), "application/octet-stream")},
    )


def _post_export(client, csrf: str, sid: int, name: str, data: bytes, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/surveys/{sid}/import",
        data={"csrf_token": csrf, **fields},
        files={"file": (name, data, "text/csv")},
    )


def test_import_through_the_pages(
    client, platform: Platform, tmp_path: Path, scenario, waves
) -> None:  # type: ignore[no-untyped-def]
    login(client, "analyst")
    csrf = csrf_from(client.get("/surveys").text)
    form = _new_form(tmp_path, scenario, "2026.9-web")
    first = _post_form(client, csrf, form)
    assert first.status_code == 200 and "1 new" in first.text  # the report, after the redirect
    again = _post_form(client, csrf, form)
    assert "0 new, 0 updated, 1 unchanged" in again.text
    (summary,) = [s for s in platform.surveys.surveys() if s.survey.form.version == "2026.9-web"]
    sid = summary.survey.id
    assert sid is not None and summary.waves == []
    empty = client.get(f"/surveys/{sid}")
    assert empty.status_code == 200 and "No wave of fieldwork has been imported" in empty.text

    survey = platform.surveys.survey(sid)
    subs = list(waves[0].submissions[:80])
    export = write_kobo_csv(subs, survey.form, tmp_path / "kobo.csv")
    data = export.read_bytes()
    fields = {"wave": "Web wave", "period_start": "2025-03-03", "period_end": "2025-04-11"}
    done = _post_export(client, csrf, sid, "kobo.csv", data, **fields)
    assert done.status_code == 200
    assert "80 new, 0 updated, 0 unchanged, 0 skipped" in done.text
    # The same export again (the wave now exists, no dates needed) changes nothing.
    same = _post_export(client, csrf, sid, "kobo.csv", data, wave="Web wave")
    assert "0 new, 0 updated, 80 unchanged, 0 skipped" in same.text
    (summary,) = [s for s in platform.surveys.surveys() if s.survey.id == sid]
    assert [w.name for w in summary.waves] == ["Web wave"] and summary.respondents == 80
    page = client.get(f"/surveys/{sid}", params={"question": QUESTION})
    assert page.status_code == 200 and "Web wave" in page.text


def test_a_bad_file_is_explained_by_line_and_column(
    client, platform: Platform, tmp_path: Path, waves
) -> None:  # type: ignore[no-untyped-def]
    login(client, "admin")
    csrf = csrf_from(client.get("/surveys").text)
    sid = survey_id(platform)
    survey = platform.surveys.survey(sid)
    subs = [replace(s, uuid=f"web-bad-{i}") for i, s in enumerate(waves[1].submissions[:12])]
    path = write_kobo_csv(subs, survey.form, tmp_path / "bad.csv", separator=",")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    column = next(i for i, h in enumerate(rows[0]) if h.endswith(QUESTION))
    rows[3][column] = "perhaps"  # line 4 of the file: not a choice of the question
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    fields = {"wave": "Checks", "period_start": "2026-09-01", "period_end": "2026-09-30"}
    answer = _post_export(client, csrf, sid, "bad.csv", buffer.getvalue().encode(), **fields)
    assert answer.status_code == 200
    text = unescape(answer.text)
    assert "12 new" in text
    assert re.search(rf"line 4, [^<]*field '[^']*{QUESTION}'[^<]*'perhaps'", text), text[-3000:]

    # A file that is not an export of this form: refused, with what to do; nothing stored.
    before = platform.surveys.waves(sid)
    other = _post_export(
        client,
        csrf,
        sid,
        "other.csv",
        b"a,b\n1,2\n",
        wave="Nothing",
        period_start="2026-10-01",
        period_end="2026-10-02",
    )
    assert other.status_code == 422
    assert 'role="alert"' in other.text and "none of the columns match" in other.text
    assert platform.surveys.waves(sid) == before  # no empty wave left behind
    wrong = _post_export(client, csrf, sid, "notes.txt", b"hello", wave="Checks")
    assert (
        wrong.status_code == 422 and "send a file ending in .csv, .json, .xlsx, .zip" in wrong.text
    )
    undated = _post_export(client, csrf, sid, "bad.csv", path.read_bytes(), wave="Brand new")
    assert undated.status_code == 422 and "first and last day of its fieldwork" in unescape(
        undated.text
    )
    bad_date = _post_export(
        client,
        csrf,
        sid,
        "bad.csv",
        path.read_bytes(),
        wave="X",
        period_start="31/12/2026",
        period_end="2027-01-01",
    )
    assert bad_date.status_code == 422 and "is not a date (YYYY-MM-DD)" in bad_date.text
    broken = _post_form(client, csrf, tmp_path / "bad.csv")
    assert broken.status_code == 422 and "send a file ending in" in broken.text
    (tmp_path / "junk.xlsx").write_bytes(b"not a workbook")
    junk = _post_form(client, csrf, tmp_path / "junk.xlsx")
    assert junk.status_code == 422 and 'role="alert"' in junk.text


def test_import_through_the_api(
    client, platform: Platform, tmp_path: Path, scenario, waves
) -> None:  # type: ignore[no-untyped-def]
    headers = api_token(platform, "analyst")
    form = _new_form(tmp_path, scenario, "2026.9-api")
    files = {"file": ("form.xlsx", form.read_bytes(), "application/octet-stream")}
    created = client.post("/api/v1/surveys", data={"country": "XCA"}, files=files, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["created"] is True and body["survey"]["version"] == "2026.9-api"
    sid = body["survey"]["id"]
    again = client.post("/api/v1/surveys", data={"country": "XCA"}, files=files, headers=headers)
    assert again.status_code == 200 and again.json()["created"] is False

    survey = platform.surveys.survey(sid)
    export = write_kobo_json(list(waves[1].submissions[:50]), survey.form, tmp_path / "k.json")
    upload = {"file": ("k.json", export.read_bytes(), "application/json")}
    fields = {"wave": "API wave", "period_start": "2026-03-02", "period_end": "2026-04-10"}
    url = f"/api/v1/surveys/{sid}/submissions"
    first = client.post(url, data=fields, files=upload, headers=headers).json()
    assert (first["created"], first["unchanged"]) == (50, 0)
    second = client.post(url, data={"wave": "API wave"}, files=upload, headers=headers).json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 50)
    detail = client.get(f"/api/v1/surveys/{sid}", headers=headers).json()
    assert [w["respondents"] for w in detail["waves"]] == [50]
    assert detail["questions"][0]["item_code"]  # mapped questions first

    refused = client.post(
        url, data={"wave": "Z"}, files={"file": ("x.pdf", b"%PDF", "x")}, headers=headers
    )
    assert refused.status_code == 422 and refused.json()["field"] == "file"
    partner = api_token(platform, "partner")
    assert client.post(url, data=fields, files=upload, headers=partner).status_code == 403


def test_api_estimates_match_the_platform(client, platform: Platform) -> None:  # type: ignore[no-untyped-def]
    headers = api_token(platform, "partner")
    sid = survey_id(platform)
    first = platform.surveys.waves(sid)[0]
    listed = client.get("/api/v1/surveys", headers=headers).json()
    assert listed["count"] >= 1 and listed["data"][0]["form_id"] == FORM
    answer = client.get(
        f"/api/v1/surveys/{sid}/estimates",
        params={"question": QUESTION, "wave": first.id, "language": "fr"},
        headers=headers,
    )
    assert answer.status_code == 200
    body = answer.json()
    found = platform.surveys.estimates(sid, QUESTION, wave=first.id, by=SYSTEM, language="fr")
    assert body["wave"]["name"] == first.name and body["item_code"] == "POL-PERF-01-PS"
    assert body["respondents"] == found.respondents
    assert [o["code"] for o in body["outcomes"]] == [o.code for o in found.outcomes]
    for public, outcome in zip(body["outcomes"], found.outcomes, strict=True):
        overall = outcome.overall
        assert public["overall"]["value"] == pytest.approx(overall.value)
        assert public["overall"]["low"] == pytest.approx(overall.low)
        assert public["overall"]["high"] == pytest.approx(overall.high)
        assert public["overall"]["n"] == overall.n
        cells = [(c.breakdown, c.label, c.estimate) for c in outcome.cells if c.breakdown]
        assert len(public["cells"]) == len(cells)
        for cell, (breakdown, label, est) in zip(public["cells"], cells, strict=True):
            assert (cell["breakdown"], cell["label"]) == (breakdown, label)
            assert cell["value"] == pytest.approx(est.value) and cell["n"] == est.n
    assert body["outcomes"][1]["label"] == "Très peu probable"

    trend = client.get(
        f"/api/v1/surveys/{sid}/trend", params={"question": QUESTION}, headers=headers
    ).json()
    points = platform.surveys.trend(sid, QUESTION, by=SYSTEM)
    assert trend["count"] == len(points) == 2
    assert trend["data"][0]["change"] is None
    change = trend["data"][1]["change"]
    assert points[1].change is not None
    assert change["value"] == pytest.approx(points[1].change.value)
    assert change["significant"] is points[1].change.significant
    default = client.get(f"/api/v1/surveys/{sid}/estimates", headers=headers).json()
    assert default["question"] == QUESTION  # the first mapped question
    missing = client.get(
        f"/api/v1/surveys/{sid}/estimates", params={"question": "nope"}, headers=headers
    )
    assert missing.status_code == 404


def _gps_texts(platform: Platform, sid: int) -> set[str]:
    """The exact latitudes and longitudes of the respondents, as any export would write them."""
    rows = platform.surveys.submissions(sid, by=SYSTEM)
    points = [r["personal"]["gps"] for r in rows if "gps" in r.get("personal", {})]
    assert len(points) > 500
    return {f"{p[0]}" for p in points[:200]} | {f"{p[1]}" for p in points[:200]}


def test_respondent_level_export_hides_personal_data_from_others(
    client, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    sid = survey_id(platform)
    gps = _gps_texts(platform, sid)
    login(client, "analyst")  # a survey administrator: MANAGE_SURVEYS and READ_PERSONAL_DATA
    full = client.get(f"/surveys/{sid}/submissions.csv")
    assert full.status_code == 200 and full.headers["content-type"].startswith("text/csv")
    header = next(csv.reader(io.StringIO(full.text)))
    assert {"personal.resp_name", "personal.resp_phone", "personal.gps"} <= set(header)
    assert any(g in full.text for g in gps)
    assert ",'+999" in full.text  # phone numbers cannot run as spreadsheet formulas

    # A role that reads evidence but does not administer surveys: no role has that mix
    # today, so the viewer is given READ_EVIDENCE for this test.
    monkeypatch.setitem(
        ROLE_PERMISSIONS, Role.VIEWER, ROLE_PERMISSIONS[Role.VIEWER] | {Permission.READ_EVIDENCE}
    )
    login(client, "viewer")
    page = client.get(f"/surveys/{sid}/submissions.csv")
    assert page.status_code == 200
    rows = list(csv.DictReader(io.StringIO(page.text)))
    assert len(rows) == sum(platform.surveys.surveys()[0].counts.values())
    assert not any(k.startswith("personal") for k in rows[0])
    assert "gps" not in rows[0] and all(r["area"] for r in rows)
    assert not any(g in page.text for g in gps)
    assert "+999" not in page.text and "Banda" not in page.text
    api = client.get(f"/api/v1/surveys/{sid}/submissions").json()
    assert api["count"] == len(rows)
    blob = json.dumps(api)
    assert '"personal"' not in blob and not any(g in blob for g in gps)
    one_wave = client.get(
        f"/surveys/{sid}/submissions.csv", params={"wave": platform.surveys.waves(sid)[0].id}
    )
    assert {r["wave"] for r in csv.DictReader(io.StringIO(one_wave.text))} == {"Wave 1 (2025)"}

    monkeypatch.undo()
    login(client, "viewer")
    assert client.get(f"/surveys/{sid}/submissions.csv").status_code == 403
