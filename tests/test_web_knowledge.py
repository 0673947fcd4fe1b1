"""Lessons learned in the web app and the API: the search page with snippets and facets, the
document reader with the question's words marked, more like this, and the JSON search."""

from __future__ import annotations

import re

from conftest import SYSTEM, TestDatabase, api_token, login


def test_the_search_page_shows_passages_snippets_and_facets(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    login(client, "civil")
    empty = client.get("/lessons")
    assert empty.status_code == 200 and 'name="q"' in empty.text
    assert "7 documents" in empty.text
    page = client.get("/lessons", params={"q": "vetting of police officers", "mode": "lexical"})
    assert page.status_code == 200
    assert "<mark>vetting</mark>" in page.text.lower() or "<mark>vetted</mark>" in page.text.lower()
    assert "After action review: vetting" in page.text
    # A facet is a link that narrows the search; following it keeps the question.
    facet = re.search(r'href="(/lessons\?q=vetting[^"]*kind=lessons_note[^"]*)"', page.text)
    assert facet, "the kind facet links to a narrower search"
    narrowed = client.get(facet.group(1).replace("&amp;", "&"))
    assert narrowed.status_code == 200
    assert "After action review: vetting" not in narrowed.text
    assert "style=" not in page.text


def test_the_reader_marks_the_question_and_links_similar_passages(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    login(client, "viewer")
    docs, _ = db.platform.knowledge.documents(by=SYSTEM)
    corrections = next(d for d in docs if "Corrections" in d.title)
    page = client.get(f"/lessons/documents/{corrections.id}", params={"q": "overcrowding"})
    assert page.status_code == 200
    assert 'class="passage matched"' in page.text
    assert re.search(r"<mark>overcrowding</mark>", page.text, re.IGNORECASE)
    passage_link = re.search(r'href="(/lessons/passages/\d+)"', page.text)
    assert passage_link
    similar = client.get(passage_link.group(1))
    assert similar.status_code == 200 and 'id="similar-h"' in similar.text
    assert client.get("/lessons/documents/999999").status_code == 404


def test_the_api_searches_with_filters_and_facets(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    headers = api_token(db.platform, "analyst")
    answer = client.get(
        "/api/v1/search",
        params={"q": "pre-trial detention", "mode": "lexical", "kind": "end_of_assignment"},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["data"] and data["mode"] == "lexical"
    assert all(h["document"]["kind"] == "end_of_assignment" for h in data["data"])
    assert data["facets"]["kind"] == {"end_of_assignment": data["count"]}
    bad = client.get("/api/v1/search", params={"q": "x", "kind": "novel"}, headers=headers)
    assert bad.status_code == 422 and "kind" in bad.text
    docs = client.get("/api/v1/documents", headers=headers).json()
    assert docs["count"] == 7
    one = client.get(f"/api/v1/documents/{docs['data'][0]['id']}", headers=headers).json()
    assert one["passage_list"] and one["passage_list"][0]["ordinal"] == 1
    similar = client.get(
        f"/api/v1/passages/{one['passage_list'][0]['id']}/similar", headers=headers
    )
    assert similar.status_code == 200
    assert all(h["document"]["id"] != one["id"] for h in similar.json())
