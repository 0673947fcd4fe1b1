"""Carana's public perception survey: the questionnaire (XLSForm) and two waves of answers.

The questionnaire has the shape of a real KoboToolbox form: groups, a household roster as a
repeat group, labels in English, French and Arabic, a relevance and constraints, and the
``peaceops`` sheet that tells PeaceOps which questions carry the sample design, the breakdowns,
personal data, and which rule-of-law framework items they measure.

The answers come from a stratified two-stage cluster sample: regions by urban/rural strata,
enumeration areas drawn with probability proportional to size, then 6 to 10 adults per area.
Sampling fractions differ between strata (towns are oversampled), so design weights matter.
The storyline: where the police vetting and community policing programme reached (Kalari,
Mbeshe, Soloba) trust rises between the waves; in Nkoro, where clashes resumed, it falls;
elsewhere it stays where it was, within sampling error. Nothing here describes a real country
or person.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from shapely.geometry import Point, Polygon
from shapely.prepared import prep

from peaceops.domain.surveys import Submission
from peaceops.scenario.carana import Scenario

FORM_ID = "carana_perception"
FORM_VERSION = "2025.1"
FRAMEWORK = "rule_of_law"
LANGUAGES = ("English (en)", "French (fr)", "Arabic (ar)")

# Survey rows: type, name, (en, fr, ar) label, extra columns.
_Row = tuple[str, str, tuple[str, str, str] | None, dict[str, str]]
_ONE_SCREEN = {"appearance": "field-list"}
SURVEY: list[_Row] = [
    ("start", "start", None, {}),
    ("end", "end", None, {}),
    ("begin group", "interview", ("Interview", "Entretien", "المقابلة"), {}),
    ("select_one region", "region", ("Region", "Région", "المنطقة"), {"required": "yes"}),
    ("select_one stratum", "stratum", ("Area type", "Milieu", "نوع المنطقة"), {"required": "yes"}),
    (
        "integer",
        "cluster",
        ("Enumeration area number", "Numéro de la zone de dénombrement", "رقم منطقة العد"),
        {"required": "yes"},
    ),
    (
        "decimal",
        "weight",
        ("Design weight (sample sheet)", "Poids de sondage (fiche)", "وزن التصميم (ورقة العينة)"),
        {"required": "yes", "constraint": ". > 0"},
    ),
    ("geopoint", "gps", ("Location of the interview", "Lieu de l'entretien", "موقع المقابلة"), {}),
    ("end group", "", None, {}),
    ("begin group", "respondent", ("Respondent", "Répondant(e)", "المستجيب"), _ONE_SCREEN),
    ("text", "resp_name", ("Respondent's name", "Nom du répondant", "اسم المستجيب"), {}),
    (
        "text",
        "resp_phone",
        ("Phone number", "Numéro de téléphone", "رقم الهاتف"),
        {"constraint": "regex(., '^\\+?[0-9 ]{7,16}$')"},
    ),
    ("select_one sex", "sex", ("Sex", "Sexe", "الجنس"), {"required": "yes"}),
    (
        "integer",
        "age",
        ("Age in completed years", "Âge en années révolues", "العمر بالسنوات الكاملة"),
        {"required": "yes", "constraint": ". >= 18 and . <= 110"},
    ),
    ("select_one education", "education", ("Education", "Instruction", "التعليم"), {}),
    ("end group", "", None, {}),
    (
        "begin group",
        "security",
        ("Security and police", "Sécurité et police", "الأمن والشرطة"),
        _ONE_SCREEN,
    ),
    (
        "select_one safe4",
        "feel_safe",
        (
            "How safe do you feel walking alone in your area at night?",
            "Vous sentez-vous en sécurité en marchant seul(e) dans votre quartier la nuit ?",
            "ما مدى شعورك بالأمان عند السير وحدك في منطقتك ليلاً؟",
        ),
        {},
    ),
    (
        "select_one confidence4",
        "trust_police",
        (
            "How much confidence do you have in the police?",
            "Quelle confiance accordez-vous à la police ?",
            "ما مدى ثقتك في الشرطة؟",
        ),
        {},
    ),
    (
        "select_one likely4",
        "report_crime",
        (
            "If you were the victim of a theft or an assault, how likely is it that you would "
            "report it to the police?",
            "Si vous étiez victime d'un vol ou d'une agression, quelle est la probabilité que "
            "vous le signaliez à la police ?",
            "إذا تعرضت لسرقة أو اعتداء، ما مدى احتمال أن تبلغ الشرطة بذلك؟",
        ),
        {},
    ),
    (
        "select_one agree5",
        "police_arrive",
        (
            "When someone calls the police in my area, they arrive within a reasonable time.",
            "Quand quelqu'un appelle la police dans mon quartier, elle arrive dans un délai "
            "raisonnable.",
            "عندما يتصل أحد بالشرطة في منطقتي، تصل في وقت معقول.",
        ),
        {},
    ),
    (
        "select_one agree5",
        "police_effective",
        (
            "The police deal effectively with crime in my area.",
            "La police lutte efficacement contre la criminalité dans mon quartier.",
            "تتعامل الشرطة بفعالية مع الجريمة في منطقتي.",
        ),
        {},
    ),
    (
        "select_one yesno",
        "police_bribe",
        (
            "In the past 12 months, did a police officer ask you for money, a gift or a favour?",
            "Au cours des 12 derniers mois, un policier vous a-t-il demandé de l'argent, un "
            "cadeau ou un service ?",
            "خلال الأشهر الاثني عشر الماضية، هل طلب منك شرطي مالاً أو هدية أو خدمة؟",
        ),
        {},
    ),
    (
        "select_one agree5",
        "sgbv_respect",
        (
            "A woman who reports violence to the police in my area would be taken seriously.",
            "Une femme qui signale des violences à la police de mon quartier serait prise au "
            "sérieux.",
            "المرأة التي تبلغ الشرطة في منطقتي عن العنف ستؤخذ على محمل الجد.",
        ),
        {},
    ),
    ("end group", "", None, {}),
    ("begin group", "justice", ("Courts", "Tribunaux", "المحاكم"), _ONE_SCREEN),
    (
        "select_one yesno",
        "court_contact",
        (
            "In the past 12 months, did you or your household deal with a court?",
            "Au cours des 12 derniers mois, vous ou votre ménage avez-vous eu affaire à un "
            "tribunal ?",
            "خلال الأشهر الاثني عشر الماضية، هل تعاملت أنت أو أسرتك مع محكمة؟",
        ),
        {},
    ),
    (
        "select_one yesno",
        "court_bribe",
        (
            "Were you asked to pay anything beyond the official fees?",
            "Vous a-t-on demandé de payer quoi que ce soit en plus des frais officiels ?",
            "هل طُلب منك دفع أي مبلغ يتجاوز الرسوم الرسمية؟",
        ),
        {"relevant": "${court_contact} = 'yes'"},
    ),
    (
        "select_one agree5",
        "judges_independent",
        (
            "Judges decide cases according to the law, whoever the parties are.",
            "Les juges tranchent selon la loi, quelles que soient les parties.",
            "يفصل القضاة في القضايا وفقاً للقانون أياً كانت الأطراف.",
        ),
        {},
    ),
    (
        "select_one agree5",
        "court_timely",
        (
            "A dispute taken to court would be decided within a reasonable time.",
            "Un litige porté devant un tribunal serait tranché dans un délai raisonnable.",
            "النزاع المعروض على المحكمة سيُفصل فيه في وقت معقول.",
        ),
        {},
    ),
    (
        "select_multiple problem",
        "justice_problems",
        (
            "Which problems did your household face in the past 12 months?",
            "Quels problèmes votre ménage a-t-il rencontrés au cours des 12 derniers mois ?",
            "ما المشكلات التي واجهتها أسرتك خلال الأشهر الاثني عشر الماضية؟",
        ),
        {},
    ),
    (
        "select_one forum",
        "first_forum",
        (
            "Where would you go first to settle a serious dispute?",
            "Où iriez-vous d'abord pour régler un litige grave ?",
            "إلى أين تلجأ أولاً لتسوية نزاع خطير؟",
        ),
        {},
    ),
    ("end group", "", None, {}),
    (
        "integer",
        "household_size",
        ("People in the household", "Personnes dans le ménage", "عدد أفراد الأسرة"),
        {"constraint": ". >= 1 and . <= 30"},
    ),
    (
        "begin repeat",
        "household_members",
        ("Other household members", "Autres membres du ménage", "أفراد الأسرة الآخرون"),
        {"relevant": "${household_size} > 1"},
    ),
    ("select_one sex", "member_sex", ("Sex", "Sexe", "الجنس"), {}),
    ("integer", "member_age", ("Age", "Âge", "العمر"), {"constraint": ". >= 0 and . <= 110"}),
    ("select_one yesno", "member_displaced", ("Displaced?", "Déplacé(e) ?", "نازح؟"), {}),
    ("end repeat", "", None, {}),
    (
        "note",
        "thanks",
        ("Thank the respondent.", "Remerciez la personne.", "اشكر المستجيب."),
        {},
    ),
]

_T = tuple[str, str, str]
CHOICES: dict[str, list[tuple[str, _T]]] = {
    "stratum": [("urban", ("Urban", "Urbain", "حضري")), ("rural", ("Rural", "Rural", "ريفي"))],
    "sex": [("female", ("Female", "Femme", "أنثى")), ("male", ("Male", "Homme", "ذكر"))],
    "education": [
        ("none", ("None", "Aucune", "لا يوجد")),
        ("primary", ("Primary", "Primaire", "ابتدائي")),
        ("secondary", ("Secondary", "Secondaire", "ثانوي")),
        ("higher", ("Higher", "Supérieur", "عالٍ")),
    ],
    "safe4": [
        ("very_unsafe", ("Very unsafe", "Très peu en sécurité", "غير آمن إطلاقاً")),
        ("unsafe", ("Unsafe", "Peu en sécurité", "غير آمن")),
        ("safe", ("Safe", "En sécurité", "آمن")),
        ("very_safe", ("Very safe", "Très en sécurité", "آمن جداً")),
        ("dont_know", ("Don't know", "Ne sait pas", "لا أعرف")),
    ],
    "confidence4": [
        ("none", ("No confidence at all", "Aucune confiance", "لا ثقة إطلاقاً")),
        ("little", ("Little confidence", "Peu de confiance", "ثقة قليلة")),
        ("some", ("Some confidence", "Une certaine confiance", "بعض الثقة")),
        ("great", ("A great deal of confidence", "Une grande confiance", "ثقة كبيرة")),
        ("dont_know", ("Don't know", "Ne sait pas", "لا أعرف")),
    ],
    "likely4": [
        ("very_unlikely", ("Very unlikely", "Très peu probable", "غير محتمل إطلاقاً")),
        ("rather_unlikely", ("Rather unlikely", "Plutôt improbable", "غير محتمل")),
        ("rather_likely", ("Rather likely", "Plutôt probable", "محتمل")),
        ("very_likely", ("Very likely", "Très probable", "محتمل جداً")),
        ("dont_know", ("Don't know", "Ne sait pas", "لا أعرف")),
    ],
    # Choice names are the scale values, so the peaceops sheet needs no recode for them.
    "agree5": [
        ("1", ("Strongly disagree", "Pas du tout d'accord", "لا أوافق بشدة")),
        ("2", ("Disagree", "Plutôt pas d'accord", "لا أوافق")),
        ("3", ("Neither agree nor disagree", "Ni d'accord ni pas d'accord", "محايد")),
        ("4", ("Agree", "Plutôt d'accord", "أوافق")),
        ("5", ("Strongly agree", "Tout à fait d'accord", "أوافق بشدة")),
        ("dk", ("Don't know", "Ne sait pas", "لا أعرف")),
    ],
    "yesno": [
        ("yes", ("Yes", "Oui", "نعم")),
        ("no", ("No", "Non", "لا")),
        ("refused", ("Refused", "Refus", "رفض")),
    ],
    "problem": [
        ("land", ("Land or housing", "Terre ou logement", "الأرض أو السكن")),
        ("theft", ("Theft", "Vol", "سرقة")),
        ("violence", ("Violence", "Violence", "عنف")),
        ("family", ("Family dispute", "Litige familial", "نزاع عائلي")),
        ("debt", ("Debt", "Dette", "دين")),
    ],
    "forum": [
        ("police", ("Police", "Police", "الشرطة")),
        ("court", ("Court", "Tribunal", "المحكمة")),
        ("chief", ("Chief or elders", "Chef ou anciens", "الزعيم أو الشيوخ")),
        ("religious", ("Religious leader", "Chef religieux", "زعيم ديني")),
        ("armed_group", ("Armed group", "Groupe armé", "جماعة مسلحة")),
        ("nobody", ("Nobody", "Personne", "لا أحد")),
    ],
}

# name, role, item, recode: the peaceops sheet.
PEACEOPS_ROWS: list[tuple[str, str, str, str]] = [
    ("region", "area", "", ""),
    ("stratum", "stratum", "", ""),
    ("cluster", "cluster", "", ""),
    ("weight", "weight", "", ""),
    ("gps", "location", "", ""),
    ("resp_name", "personal", "", ""),
    ("resp_phone", "personal", "", ""),
    ("sex", "sex", "", ""),
    ("age", "age", "", ""),
    (
        "report_crime",
        "",
        "POL-PERF-01-PS",
        "very_unlikely=1, rather_unlikely=2, rather_likely=3, very_likely=4",
    ),
    ("police_arrive", "", "POL-PERF-02-PS1", ""),
    ("police_effective", "", "POL-PERF-02-PS2", "1=1, 2=2, 3=3, 4=4, 5=5"),
    ("police_bribe", "", "POL-INT-01-PS", "yes=1, no=0"),
    ("sgbv_respect", "", "POL-VUL-02-PS", ""),
    ("judges_independent", "", "JUD-INT-01-PS", ""),
    ("court_bribe", "", "JUD-INT-02-PS", "yes=1, no=0"),
    ("court_timely", "", "JUD-PERF-03-PS", ""),
]


def write_perception_xlsform(path: Path, *, scenario: Scenario | None = None) -> Path:
    """Write Carana's perception questionnaire as an XLSForm workbook.

    Parameters
    ----------
    path
        Where to write the ``.xlsx``.
    scenario
        The scenario whose regions give the ``region`` choices (P-codes); the default seed's
        scenario when omitted.

    Returns
    -------
    Path
        ``path``.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    if scenario is None:
        from peaceops.scenario.carana import build_carana

        scenario = build_carana()
    wb = Workbook()
    survey = wb.active
    assert survey is not None
    survey.title = "survey"
    extras = ["required", "relevant", "constraint", "appearance"]
    survey.append(
        ["type", "name", *(f"label::{lang}" for lang in LANGUAGES), *extras]
        + [f"constraint_message::{lang}" for lang in LANGUAGES]
    )
    messages = ("Value out of range", "Valeur hors limites", "القيمة خارج النطاق")
    for kind, name, label, extra in SURVEY:
        row: list[str | None] = [kind, name or None, *(label or (None, None, None))]
        row += [extra.get(column) for column in extras]
        row += list(messages) if "constraint" in extra else [None, None, None]
        survey.append(row)
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", *(f"label::{lang}" for lang in LANGUAGES)])
    for region in scenario.regions:
        choices.append(["region", region.pcode, region.name, region.name, region.name])
    for list_name, options in CHOICES.items():
        for name, (en, fr, ar) in options:
            choices.append([list_name, name, en, fr, ar])
    settings = wb.create_sheet("settings")
    settings.append(["form_id", "version", "form_title", "default_language", "peaceops_framework"])
    settings.append(
        [FORM_ID, FORM_VERSION, "Carana public perception survey", LANGUAGES[0], FRAMEWORK]
    )
    sheet = wb.create_sheet("peaceops")
    sheet.append(["name", "role", "item", "recode"])
    for peaceops_row in PEACEOPS_ROWS:
        sheet.append([cell or None for cell in peaceops_row])
    for ws in wb.worksheets:
        for cell in ws[1]:
            cell.font = Font(bold=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# The waves ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WaveData:
    """One wave of fieldwork, ready to load: its name, period and submissions."""

    name: str
    period_start: date
    period_end: date
    submissions: tuple[Submission, ...]


# Latent trust in the justice chain by region index (0 worst .. 1 best), per wave.
_BASE_LEVEL = (0.62, 0.40, 0.45, 0.36, 0.50, 0.42, 0.47, 0.55)
_CHANGE = {0: 0.16, 1: 0.2, 3: 0.2, 5: -0.18}
"""Kalari, Mbeshe and Soloba gain from the programme; Nkoro falls back; the others stay."""
_WAVES = (
    ("Wave 1 (2025)", date(2025, 3, 3), date(2025, 4, 11)),
    ("Wave 2 (2026)", date(2026, 3, 2), date(2026, 4, 10)),
)
CLUSTERS_PER_STRATUM = {"urban": 6, "rural": 5}
"""Towns are oversampled for their population, so each town respondent weighs less."""
ADULTS_PER_AREA = {"urban": (700, 1400), "rural": (250, 600)}
GIVEN_NAMES = {
    "female": ["Amina", "Grace", "Fatima", "Nadia", "Esther", "Mariam", "Ruth", "Awa", "Leila"],
    "male": ["Joseph", "Ibrahim", "Samuel", "Omar", "Daniel", "Moussa", "Peter", "Karim", "Ali"],
}
FAMILY_NAMES = ["Banda", "Kamara", "Okello", "Diallo", "Mensah", "Haddad", "Tembo", "Sesay"]


def _region_polygons(scenario: Scenario) -> list[Polygon]:
    return [Polygon(r.geometry["coordinates"][0]) for r in scenario.regions]


def _point_near(
    rng: random.Random, shape: Any, centre: tuple[float, float], spread: float
) -> tuple[float, float]:
    """A point within ``spread`` degrees of ``centre`` that lies inside ``shape``."""
    for _ in range(50):
        lon = centre[0] + rng.gauss(0, spread)
        lat = centre[1] + rng.gauss(0, spread)
        if shape.contains(Point(lon, lat)):
            return lon, lat
    return centre


def _ordinal(rng: random.Random, level: float, names: Sequence[str], dont_know: str | None) -> str:
    """An answer on an ordered scale: higher ``level`` (0..1) gives higher categories."""
    if dont_know and rng.random() < 0.05:
        return dont_know
    z = level + rng.gauss(0, 0.22)
    k = len(names)
    return names[min(k - 1, max(0, int(z * k)))]


def _respondent(
    rng: random.Random,
    *,
    region: int,
    pcode: str,
    stratum: str,
    cluster: int,
    weight: float,
    location: tuple[float, float],
    level: float,
    day: date,
) -> Submission:
    sex = "female" if rng.random() < 0.5 else "male"
    age = min(95, 18 + int(rng.expovariate(1 / 17)))
    # Town dwellers, who see more patrols, judge the police a little more favourably.
    personal = level + (0.05 if stratum == "urban" else -0.03) + rng.gauss(0, 0.08)
    start = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
        hours=rng.randint(8, 16), minutes=rng.randint(0, 59), seconds=rng.randint(0, 59)
    )
    end = start + timedelta(minutes=rng.randint(18, 45), seconds=rng.randint(0, 59))
    lon, lat = location
    answers: dict[str, Any] = {
        "start": start,
        "end": end,
        "region": pcode,
        "stratum": stratum,
        "cluster": cluster,
        "weight": weight,
        "gps": (
            round(lat, 6),
            round(lon, 6),
            round(rng.uniform(0, 300), 1),
            round(rng.uniform(3, 25), 1),
        ),
        "resp_name": f"{rng.choice(GIVEN_NAMES[sex])} {rng.choice(FAMILY_NAMES)}",
        # +999 is no country's calling code, so no real number can be dialled by mistake.
        "resp_phone": f"+999 7{rng.randint(0, 9)} {rng.randint(100, 999)} {rng.randint(0, 99):02d}",
        "sex": sex,
        "age": age,
        "education": rng.choices(
            [n for n, _ in CHOICES["education"]],
            weights=[3, 4, 3, 1] if stratum == "rural" else [1, 3, 4, 2],
        )[0],
        "feel_safe": _ordinal(rng, personal + 0.05, _names("safe4"), "dont_know"),
        "trust_police": _ordinal(rng, personal, _names("confidence4"), "dont_know"),
        "report_crime": _ordinal(rng, personal + 0.1, _names("likely4"), "dont_know"),
        "police_arrive": _ordinal(rng, personal - 0.05, _names("agree5"), "dk"),
        "police_effective": _ordinal(rng, personal, _names("agree5"), "dk"),
        "police_bribe": "yes" if rng.random() < 0.55 - 0.5 * personal else "no",
        # Women doubt more that a report of violence would be taken seriously.
        "sgbv_respect": _ordinal(
            rng, personal - (0.08 if sex == "female" else 0), _names("agree5"), "dk"
        ),
        "court_contact": "yes" if rng.random() < 0.22 else "no",
        "judges_independent": _ordinal(rng, level - 0.08, _names("agree5"), "dk"),
        "court_timely": _ordinal(rng, level - 0.15, _names("agree5"), "dk"),
        "first_forum": rng.choices(
            _names("forum"),
            weights=[3 + 6 * personal, 1 + 2 * level, 4, 1.5, max(0.1, 1.2 - level), 0.5],
        )[0],
    }
    if answers["court_contact"] == "yes":
        answers["court_bribe"] = "yes" if rng.random() < 0.5 - 0.4 * level else "no"
    if rng.random() < 0.03:
        answers["police_bribe"] = "refused"
    problems = tuple(p for p in _names("problem") if rng.random() < 0.18)
    if problems:
        answers["justice_problems"] = problems
    size = max(1, min(12, round(rng.lognormvariate(1.5, 0.45))))
    answers["household_size"] = size
    members = tuple(
        {
            "member_sex": rng.choice(("female", "male")),
            "member_age": rng.randint(0, 80),
            "member_displaced": "yes" if rng.random() < 0.1 + 0.1 * (region == 5) else "no",
        }
        for _ in range(min(size - 1, 6))
    )
    return Submission(
        uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        answers={k: v for k, v in answers.items() if v is not None},
        repeats={"household_members": members} if members else {},
        submitted_at=end + timedelta(hours=rng.randint(1, 30)),
    )


def _names(list_name: str) -> list[str]:
    return [n for n, _ in CHOICES[list_name] if n not in ("dont_know", "dk")]


def build_perception_waves(scenario: Scenario, *, seed: int) -> list[WaveData]:
    """Two waves of Carana's perception survey, drawn from a stratified cluster design.

    Parameters
    ----------
    scenario
        The Carana scenario: its regions (P-codes, polygons) and towns.
    seed
        The same seed always gives the same respondents and answers.

    Returns
    -------
    list[WaveData]
        "Wave 1 (2025)" and "Wave 2 (2026)", some 700 to 900 respondents each.
    """
    rng = random.Random(seed)
    shapes = _region_polygons(scenario)
    prepared = [prep(s) for s in shapes]
    district_region = {d.pcode: d.parent_pcode for d in scenario.districts}
    towns: dict[str, list[tuple[float, float, int]]] = {}
    for s in scenario.settlements:
        region_code = district_region.get(s.admin_pcode or "")
        if region_code:
            towns.setdefault(region_code, []).append((s.lon, s.lat, s.population or 20_000))
    # The sampling frame: adults per stratum (towns from the settlements, countryside drawn).
    frame: dict[tuple[int, str], int] = {}
    for r, region in enumerate(scenario.regions):
        urban = sum(p for _, _, p in towns.get(region.pcode, [])) or 40_000
        frame[(r, "urban")] = int(urban * 0.55)
        frame[(r, "rural")] = rng.randint(180_000, 420_000)
    waves = []
    for w, (name, start, end) in enumerate(_WAVES):
        submissions: list[Submission] = []
        for r, region in enumerate(scenario.regions):
            level = _BASE_LEVEL[r % len(_BASE_LEVEL)] + w * _CHANGE.get(r, 0.0)
            for stratum in ("urban", "rural"):
                n_clusters = CLUSTERS_PER_STRATUM[stratum]
                population = frame[(r, stratum)]
                for k in range(n_clusters):
                    adults = rng.randint(*ADULTS_PER_AREA[stratum])
                    # PPS first stage, equal-size take in the second: weight = N / (n * m),
                    # varied by the areas' sizes and by how many were found at home.
                    p_area = min(1.0, n_clusters * adults / population)
                    taken = rng.randint(6, 10)
                    weight = round(1 / (p_area * taken / adults), 3)
                    cluster = (
                        (w + 1) * 10_000 + (r + 1) * 100 + (0 if stratum == "urban" else 50) + k
                    )
                    places = towns.get(region.pcode)
                    if stratum == "urban" and places:
                        lon, lat, _ = rng.choice(places)
                        centre = _point_near(rng, prepared[r], (lon, lat), 0.02)
                    else:
                        centre = _random_point(rng, shapes[r], prepared[r])
                    area_level = level + rng.gauss(0, 0.03)
                    for _ in range(taken):
                        day = start + timedelta(days=rng.randint(0, (end - start).days))
                        submissions.append(
                            _respondent(
                                rng,
                                region=r,
                                pcode=region.pcode,
                                stratum=stratum,
                                cluster=cluster,
                                weight=weight,
                                location=_point_near(rng, prepared[r], centre, 0.006),
                                level=area_level,
                                day=day,
                            )
                        )
        submissions.sort(key=lambda s: s.submitted_at or datetime.min.replace(tzinfo=UTC))
        waves.append(WaveData(name, start, end, tuple(submissions)))
    return waves


def _random_point(rng: random.Random, shape: Polygon, prepared: Any) -> tuple[float, float]:
    x0, y0, x1, y1 = shape.bounds
    while True:
        lon, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if prepared.contains(Point(lon, lat)):
            return lon, lat


__all__ = [
    "FORM_ID",
    "FRAMEWORK",
    "WaveData",
    "build_perception_waves",
    "write_perception_xlsform",
]
