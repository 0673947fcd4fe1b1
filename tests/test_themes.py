"""Theme tagging: the taxonomy file, the keyword fallback, the classifier, its JSON form, and
its quality on the PACT-coded paragraphs of Secretary-General reports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import SHARED_DATA, shared_file
from peaceops.analytics.knowledge.themes import (
    KeywordTagger,
    Theme,
    ThemeClassifier,
    evaluate,
    from_json,
    load_themes,
    score,
    to_json,
    training_set,
)
from peaceops.domain.coordination import Capability
from peaceops.domain.institutions import InstitutionType
from peaceops.errors import InputError, RowErrors
from peaceops.ingest.frameworks import builtin_frameworks
from peaceops.ingest.passages import split_passages

PACT_CSV = "texts/pact-coded-paragraphs/paragraphs.csv"


@pytest.fixture(scope="module")
def themes() -> list[Theme]:
    return load_themes()


# The taxonomy ---------------------------------------------------------------------------------


def test_taxonomy_loads_with_labels_codes_and_keywords(themes: list[Theme]) -> None:
    keys = [t.key for t in themes]
    assert 12 <= len(themes) <= 16
    assert len(set(keys)) == len(keys)
    for key in ("police_reform", "justice_reform", "corrections", "ddr", "transitional_justice"):
        assert key in keys
    for theme in themes:
        assert theme.label["en"] and theme.label["fr"]
        assert theme.pact_codes and theme.sectors
        assert theme.keywords["en"] and theme.keywords["fr"]
    codes = [c for t in themes for c in t.pact_codes]
    assert len(set(codes)) == len(codes), "a PACT code maps to one theme only"
    ddr = next(t for t in themes if t.key == "ddr")
    assert set(ddr.pact_codes) == {"DisarmamentDemobilization", "Reintegration"}


def test_sectors_capabilities_and_framework_references_exist(themes: list[Theme]) -> None:
    sectors = {t.sector for t in InstitutionType}
    frameworks = {m.code: m for m in builtin_frameworks()}
    for theme in themes:
        assert set(theme.sectors) <= sectors, theme.key
        assert all(isinstance(c, Capability) for c in theme.capabilities), theme.key
        for link in theme.frameworks:
            assert link.framework in frameworks, (theme.key, link.framework)
            model = frameworks[link.framework]
            assert set(link.institutions) <= {i.code for i in model.institutions}, theme.key
            assert set(link.indicators) <= {i.code for i in model.indicators}, theme.key
            assert link.institutions or link.indicators, theme.key
    used = {c for t in themes for c in t.capabilities}
    assert {Capability.POLICE_REFORM, Capability.CORRECTIONS, Capability.DDR} <= used


@pytest.mark.shared_data
def test_pact_codes_are_columns_of_the_coded_file(themes: list[Theme]) -> None:
    path = shared_file(PACT_CSV)
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle, delimiter=";"))
    missing = {(t.key, c) for t in themes for c in t.pact_codes if c not in header}
    assert not missing


def test_problems_name_the_theme_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "themes.yaml"
    path.write_text(
        """format: peaceops-themes/1
version: "1"
themes:
  - key: police_reform
    label: {en: Police, fr: Police}
    pact_codes: [PoliceReform]
    sectors: [security, navy]
    capabilities: [police_reform, space_programme]
    keywords: {en: [police], fr: [police]}
  - key: courts
    label: {en: Courts}
    pact_codes: [JusticeSectorReform]
    sectors: [justice]
    keywords: {en: [court], fr: [tribunal]}
  - key: courts
    label: {en: Courts, fr: Tribunaux}
    pact_codes: [JusticeSectorReform]
    sectors: [justice]
    keywords: {en: ["co*urt"], fr: [tribunal]}
""",
        encoding="utf-8",
    )
    with pytest.raises(RowErrors) as caught:
        load_themes(path)
    text = str(caught.value)
    assert "theme 'police_reform', field 'sectors'" in text and "'navy'" in text
    assert "theme 'police_reform', field 'capabilities[1]'" in text
    assert "theme 'courts', field 'label.fr'" in text
    assert "theme 'courts', field 'keywords.en'" in text
    assert "'co*urt'" in text
    path.write_text("format: peaceops-themes/1\nversion: '1'\nthemes: [\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        load_themes(path)


# Keywords -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MINUSTAH trained 300 new PRISON officers.", {"corrections"}),
        ("The Haitian National Police academy graduated cadets.", {"police_reform"}),
        ("Weapons collection and the destruction of small arms", {"small_arms"}),
        ("Support to the demobilization of ex-combatants", {"ddr"}),
        ("Sexual and gender-based violence against women", {"sexual_violence", "gender"}),
        ("Mine-clearance teams removed unexploded ordnance", {"mine_action"}),
        ("The policy on apolitical recruitment", set()),  # no "police" inside a word
        ("Imprisonment rules", set()),  # "prison*" matches on a word's start only
    ],
)
def test_keyword_tagger_in_english(themes: list[Theme], text: str, expected: set[str]) -> None:
    [found] = KeywordTagger(themes, languages=("en",)).tag([text])
    assert set(found) == expected


def test_keyword_tagger_ignores_accents_and_case(themes: list[Theme]) -> None:
    tagger = KeywordTagger(themes, languages=("fr",))
    tagged = tagger.tag(
        [
            "La MINUSCA a appuyé la DÉMOBILISATION des ex-combattants.",
            "la demobilisation des ex combattants",
            "Le déminage des zones minées et la gestion des frontieres",
            "Une réunion a eu lieu.",
        ]
    )
    assert tagged[0] == tagged[1] == ("ddr",)
    assert tagged[2] == ("border_management", "mine_action")
    assert tagged[3] == ()
    # Tags come in the taxonomy's order.
    order = [t.key for t in themes]
    both = KeywordTagger(themes).tag(["Les juges et la police, the prison and the courts"])[0]
    assert list(both) == sorted(both, key=order.index)
    with pytest.raises(InputError):
        KeywordTagger(themes, languages=("de",))


# The classifier -------------------------------------------------------------------------------

_WORDS = {
    "police": "police officers patrol station recruits academy commissioner policing",
    "prison": "prison detainees cells overcrowding corrections guards penitentiary inmates",
    "court": "judges courts prosecutors hearings trials magistrates verdict legal",
    "none": "weather road market harvest river school bridge rainfall",
}


def synthetic(n: int, seed: int) -> tuple[list[str], list[tuple[str, ...]], list[str]]:
    """Short texts built from theme words and filler, with their themes and a group each."""
    rng = np.random.default_rng(seed)
    texts, labels, groups = [], [], []
    for i in range(n):
        present = tuple(k for k in ("police", "prison", "court") if rng.random() < 0.3)
        words = list(rng.choice(_WORDS["none"].split(), size=6))
        for key in present:
            words += list(rng.choice(_WORDS[key].split(), size=3))
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(present)
        groups.append(f"doc{i // 10}")
    return texts, labels, groups


def test_classifier_learns_a_synthetic_corpus() -> None:
    texts, labels, groups = synthetic(300, seed=1)
    model = ThemeClassifier(min_df=1)
    assert model.get_params()["C"] == 1.0 and not hasattr(model, "classes_")
    assert model.fit(texts, labels, groups=groups) is model
    assert model.classes_ == ("court", "police", "prison")
    assert set(model.thresholds_) == set(model.classes_)
    assert all(0.05 <= t <= 0.95 for t in model.tuned_thresholds_.values())
    # The thresholds kept are halfway between 0.5 and the tuned ones.
    for key, tuned in model.tuned_thresholds_.items():
        assert model.thresholds_[key] == pytest.approx(0.5 + 0.5 * (tuned - 0.5), abs=1e-4)
    test_texts, test_labels, _ = synthetic(100, seed=2)
    proba = model.predict_proba(test_texts)
    assert proba.shape == (100, 3) and np.all((proba >= 0) & (proba <= 1))
    result = score(test_labels, model.predict(test_texts), model.classes_)
    assert result.micro.f1 >= 0.95
    assert model.predict(["the weather and the river"]) == [()]


def test_classifier_keeps_a_theme_without_examples() -> None:
    texts, labels, _ = synthetic(60, seed=3)
    model = ThemeClassifier(min_df=1).fit(texts, labels, classes=("police", "prison", "court", "x"))
    assert model.classes_[-1] == "x"
    assert all("x" not in tags for tags in model.predict(texts))
    with pytest.raises(ValueError, match="not among the classes"):
        ThemeClassifier().fit(texts, labels, classes=("police",))


def test_the_features_are_those_of_tfidf_vectorizer() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts, labels, _ = synthetic(80, seed=4)
    model = ThemeClassifier(min_df=1, max_df=1.0, max_features=None).fit(texts, labels)
    reference = TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode", vocabulary=model.terms_
    ).fit(texts)
    expected = reference.transform(texts[:10]).toarray()
    # The learned IDF is float32; compare with the same rounding.
    got = model._features(texts[:10]).toarray()
    assert np.allclose(got, expected, atol=1e-6)


def test_json_round_trip_gives_identical_predictions() -> None:
    texts, labels, groups = synthetic(200, seed=5)
    model = ThemeClassifier(min_df=1).fit(texts, labels, groups=groups)
    data = json.loads(json.dumps(to_json(model)))
    assert "pickle" not in json.dumps(data)
    again = from_json(data)
    test_texts, _, _ = synthetic(80, seed=6)
    assert again.predict(test_texts) == model.predict(test_texts)
    assert np.array_equal(again.predict_proba(test_texts), model.predict_proba(test_texts))
    assert again.thresholds_ == model.thresholds_ and again.get_params() == model.get_params()
    assert again.tuned_thresholds_ == model.tuned_thresholds_


def test_from_json_refuses_damaged_data() -> None:
    texts, labels, _ = synthetic(60, seed=7)
    data = to_json(ThemeClassifier(min_df=1).fit(texts, labels))
    with pytest.raises(RowErrors, match="format"):
        from_json({**data, "format": "pickle"})
    with pytest.raises(InputError, match="coef"):
        from_json({**data, "coef": data["coef"][:-8]})
    with pytest.raises(InputError, match="thresholds"):
        from_json({**data, "thresholds": {"police": 0.5}})
    with pytest.raises(RowErrors, match="shrinkage"):
        from_json({**data, "params": {**data["params"], "shrinkage": 2}})


def test_score_counts_micro_and_macro() -> None:
    result = score([("a",), ("a", "b"), (), ("c",)], [("a",), ("b",), ("b",), ()], ["a", "b", "c"])
    assert result.per_theme["a"].precision == 1.0 and result.per_theme["a"].recall == 0.5
    assert result.per_theme["b"].f1 == pytest.approx(0.667)
    assert result.per_theme["c"].f1 == 0.0 and result.per_theme["c"].support == 1
    # micro: tp 2, fp 1, fn 2
    assert result.micro.f1 == pytest.approx(round(4 / 7, 3))
    # macro: the mean of the unrounded F1s, (2/3 + 2/3 + 0) / 3
    assert result.macro.f1 == round(4 / 9, 3)


# The PACT paragraphs --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pact(themes: list[Theme]):  # type: ignore[no-untyped-def]
    shared_file(PACT_CSV)
    return training_set(SHARED_DATA, themes, split=split_passages)


@pytest.mark.shared_data
def test_training_set_matches_reports_by_paragraph_count(pact) -> None:  # type: ignore[no-untyped-def]
    # Measured: 157 of 226 coded reports with a text file match their count (8,448
    # paragraphs, 2,407 of them with a PACT row); the others are scans or two-column layouts.
    assert 140 <= pact.reports <= 175
    assert 200 <= pact.reports + len(pact.mismatched) <= 240
    assert "UNTAET_S/2001/436" in pact.mismatched  # a two-column layout
    assert 7_500 <= len(pact.texts) <= 9_500
    assert len(pact.texts) == len(pact.labels) == len(pact.groups) == len(pact.numbers)
    assert pact.coded >= 2_000
    positives = pact.positives()
    assert positives["police_reform"] >= 500 and positives["mine_action"] >= 20
    # Numbers run 1..count within each report.
    first = pact.groups.index("MINUSTAH_S/2011/540")
    assert pact.numbers[first : first + 3] == (1, 2, 3)
    i = pact.numbers.index(32, first)
    assert pact.labels[i] == ("corrections",) and "prison" in pact.texts[i]


@pytest.mark.shared_data
def test_evaluation_on_held_out_reports(pact) -> None:  # type: ignore[no-untyped-def]
    result = evaluate(pact.texts, pact.labels, pact.groups, test_size=0.2, random_state=0)
    assert result.test_reports >= 25 and result.train_reports + result.test_reports == pact.reports
    # Observed with random_state=0 (bench/themes_eval.py): classifier macro F1 0.51, micro F1
    # 0.55; keywords micro F1 0.36 (over three splits: classifier macro 0.485-0.511). The floor
    # leaves a margin for other library versions; the labels are PACT's, which code what a
    # mission does rather than what a paragraph mentions, so far higher scores are not expected.
    assert result.classifier.macro.f1 >= 0.45
    assert result.classifier.micro.f1 >= 0.50
    assert result.classifier.micro.f1 > result.keywords.micro.f1 + 0.1
    assert set(result.thresholds) == {t.key for t in load_themes()}
