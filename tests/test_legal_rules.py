"""The lifecycle rules of legal instruments and the standards checklists, without a database."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peaceops.domain.legal import (
    EXCUSABLE,
    PIPELINE,
    ChecklistReview,
    Finding,
    InstrumentType,
    ProvisionReview,
    Stage,
    Step,
    check_step,
)
from peaceops.errors import InputError, RowErrors
from peaceops.ingest.frameworks import builtin_frameworks
from peaceops.ingest.legal_checklists import builtin_checklists, read_checklist

DAY = date(2025, 3, 1)
TODAY = date(2026, 11, 1)


def steps(*stages: Stage) -> tuple[Step, ...]:
    return tuple(Step(s, DAY + timedelta(days=30 * i), "record") for i, s in enumerate(stages))


def rules(kind: InstrumentType, before: tuple[Step, ...], stage: Stage, on: date) -> list[str]:
    return [b.rule for b in check_step(kind, before, Step(stage, on, "record"), today=TODAY)]


LATER = DAY + timedelta(days=400)


@pytest.mark.parametrize(
    ("kind", "before", "stage", "expected"),
    [
        (
            InstrumentType.LAW,
            (Stage.DRAFTING, Stage.CABINET),
            Stage.ADOPTED,
            "adopted_before_tabled",
        ),
        (
            InstrumentType.CONSTITUTION_ARTICLE,
            (Stage.DRAFTING,),
            Stage.ADOPTED,
            "adopted_before_tabled",
        ),
        (
            InstrumentType.LAW,
            (Stage.DRAFTING, Stage.TABLED),
            Stage.PROMULGATED,
            "promulgated_before_adopted",
        ),
        (
            InstrumentType.LAW,
            (Stage.TABLED, Stage.ADOPTED),
            Stage.IN_FORCE,
            "in_force_before_published",
        ),
        (
            InstrumentType.DECREE,
            (Stage.ADOPTED,),
            Stage.REGULATIONS,
            "regulations_before_published",
        ),
        (InstrumentType.LAW, (Stage.TABLED,), Stage.CONSULTATION, "backwards"),
        (InstrumentType.LAW, (Stage.DRAFTING, Stage.WITHDRAWN), Stage.DRAFTING, "after_final"),
        (
            InstrumentType.LAW,
            (Stage.TABLED, Stage.ADOPTED),
            Stage.WITHDRAWN,
            "withdrawn_after_adoption",
        ),
        (
            InstrumentType.LAW,
            (Stage.DRAFTING, Stage.TABLED),
            Stage.STRUCK_DOWN,
            "struck_down_before_adoption",
        ),
    ],
)
def test_each_rule_is_named_when_broken(
    kind: InstrumentType, before: tuple[Stage, ...], stage: Stage, expected: str
) -> None:
    found = rules(kind, steps(*before), stage, LATER)
    assert expected in found
    assert expected in EXCUSABLE


def test_a_law_follows_its_path_and_a_decree_needs_no_parliament() -> None:
    law: tuple[Step, ...] = ()
    for i, stage in enumerate(PIPELINE):
        on = DAY + timedelta(days=20 * i)
        assert rules(InstrumentType.LAW, law, stage, on) == [], stage
        law += (Step(stage, on, "record"),)
    decree = steps(Stage.DRAFTING, Stage.CONSULTATION)
    assert rules(InstrumentType.DECREE, decree, Stage.ADOPTED, LATER) == []
    # A stage may be skipped when no rule needs it (a bill without public consultation).
    assert rules(InstrumentType.LAW, steps(Stage.DRAFTING), Stage.TABLED, LATER) == []
    # A court strikes down an adopted law; a bill is withdrawn before adoption.
    adopted = steps(Stage.TABLED, Stage.ADOPTED, Stage.PROMULGATED)
    assert rules(InstrumentType.LAW, adopted, Stage.STRUCK_DOWN, LATER) == []
    assert rules(InstrumentType.LAW, steps(Stage.TABLED), Stage.WITHDRAWN, LATER) == []


def test_dates_in_order_and_not_in_the_future_cannot_be_excused() -> None:
    before = steps(Stage.DRAFTING, Stage.CONSULTATION)
    assert rules(InstrumentType.LAW, before, Stage.CABINET, DAY) == ["date_order"]
    assert rules(InstrumentType.LAW, before, Stage.CABINET, TODAY + timedelta(days=1)) == [
        "future_date"
    ]
    assert "date_order" not in EXCUSABLE and "future_date" not in EXCUSABLE


@given(
    st.lists(
        st.tuples(st.sampled_from(list(Stage)), st.integers(min_value=0, max_value=3000)),
        max_size=12,
    ),
    st.sampled_from(list(InstrumentType)),
)
def test_a_history_the_rules_accept_is_ordered(
    proposals: list[tuple[Stage, int]], kind: InstrumentType
) -> None:
    """Whatever is proposed, the steps accepted without exception keep their dates in order,
    never go back along the pipeline, end at a final stage, and put adoption of a law after its
    tabling."""
    accepted: tuple[Step, ...] = ()
    start = date(2015, 1, 1)
    for stage, offset in proposals:
        step = Step(stage, start + timedelta(days=offset), "record")
        if not check_step(kind, accepted, step, today=TODAY):
            accepted += (step,)
    days = [s.on for s in accepted]
    assert days == sorted(days)
    for a, b in itertools.pairwise(accepted):
        assert not a.stage.is_final
        assert b.stage.order >= a.stage.order or b.stage.is_final
    seen = [s.stage for s in accepted]
    if kind.needs_parliament and Stage.ADOPTED in seen:
        assert Stage.TABLED in seen[: seen.index(Stage.ADOPTED)]
    if Stage.PROMULGATED in seen:
        assert Stage.ADOPTED in seen[: seen.index(Stage.PROMULGATED)]


def test_share_met_counts_applicable_provisions_only() -> None:
    review = ChecklistReview(
        instrument_id=1,
        checklist="police_law",
        reviewed_on=DAY,
        findings=(
            ProvisionReview("a", Finding.MET, "art. 3"),
            ProvisionReview("b", Finding.NOT_MET),
            ProvisionReview("c", Finding.NOT_APPLICABLE),
            ProvisionReview("d", Finding.MET, "art. 9"),
        ),
    )
    assert (review.met, review.applicable) == (2, 3)
    assert review.share_met == pytest.approx(2 / 3)
    empty = ChecklistReview(1, "x", DAY, (ProvisionReview("a", Finding.NOT_APPLICABLE),))
    assert empty.share_met is None


# The checklists -------------------------------------------------------------------------------


def test_every_builtin_checklist_loads_and_feeds_a_document_review_item() -> None:
    found = builtin_checklists()
    assert {c.code for c in found} >= {
        "police_law",
        "criminal_procedure",
        "prisons_law",
        "defence_oversight",
        "legal_aid",
    }
    frameworks = {f.code: f for f in builtin_frameworks()}
    for c in found:
        assert len(c.provisions) >= 7, c.code
        assert c.title["en"] and c.title["fr"] and c.title.get("ar"), c.code
        assert all(p.text["fr"] and p.look_for["fr"] for p in c.provisions)
        assert c.feeds, f"{c.code} feeds no assessment item"
        for framework, item in c.feeds:
            items = {i.code: i for ind in frameworks[framework].indicators for i in ind.items}
            assert items[item].source.value == "document_review", (c.code, item)


def test_a_faulty_checklist_is_refused_naming_the_provision_and_field(tmp_path: Path) -> None:
    text = (
        "format: peaceops-legal-checklist/1\ncode: bad\nversion: '1'\n"
        "title: {en: Bad, fr: Mauvais}\ndescription: {en: d, fr: d}\n"
        "instrument_types: [law]\ninstitution_types: [police]\n"
        "standards:\n  - key: ccleo\n    title: {en: Code, fr: Code}\n"
        "provisions:\n"
        "  - key: oversight\n    text: {en: An oversight body}\n"
        "    look_for: {en: x, fr: x}\n    standards: [ccleo]\n"
        "  - key: force\n    text: {en: Force, fr: Force}\n"
        "    look_for: {en: x, fr: x}\n    standards: [bpuff]\n"
    )
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RowErrors) as info:
        read_checklist(path)
    shown = str(info.value)
    assert "bad.yaml" in shown and "provision 'oversight'" in shown and "text.fr" in shown
    path.write_text(text.replace("{en: An oversight body}", "{en: Body, fr: Organe}"))
    with pytest.raises(RowErrors) as unknown:
        read_checklist(path)
    assert "'force' cites bpuff" in str(unknown.value)
    path.write_text("format: [unclosed", encoding="utf-8")
    with pytest.raises(InputError) as broken:
        read_checklist(path)
    assert "bad.yaml" in str(broken.value) and "YAML" in str(broken.value)
