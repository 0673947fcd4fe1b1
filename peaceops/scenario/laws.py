"""Carana's security and justice legislation for the demonstration scenario (fictional).

The storyline joins the rest of the demo: UNMICA and its partners support a new police act
that has sat in parliament since 2024, while a regulation on conduct and discipline (2025)
fills part of the gap and lifts the police's legal-framework score in 2026; the revised Code
of Criminal Procedure was tabled in 2025 and not adopted (as the justice unit's
end-of-assignment report says); the Legal Aid Act was adopted in 2024 but its implementing
regulations never issued, so the Legal Aid Board cannot recruit; the Prisons Service Act
replaced the 1972 ordinance and came into force in January 2026, which lifts the prisons'
legal-framework score in the 2026 assessment round; a state-of-emergency ordinance adopted
without tabling (an exception recorded) was struck down by the Constitutional Court; a bill on
parliamentary oversight of the defence forces waits for the cabinet.

Supporters are named as the coordination register names them (acronyms) and activities by
their identifiers; the platform resolves them. Reviews list the provisions met, with the
article; every other provision of the checklist is recorded as not met, unless listed as not
applicable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from peaceops.domain.institutions import InstitutionType as T
from peaceops.domain.legal import InstrumentType, LegalSector, Stage


@dataclass(frozen=True, slots=True)
class DemoStep:
    stage: Stage
    on: date
    evidence: str
    supported_by: tuple[str, ...] = ()
    activities: tuple[str, ...] = ()
    exception: str = ""


@dataclass(frozen=True, slots=True)
class DemoReview:
    checklist: str
    reviewed_on: date
    met: dict[str, str]
    """Provision key: the article that meets it."""
    not_applicable: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DemoLaw:
    code: str
    title: dict[str, str]
    type: InstrumentType
    sector: LegalSector
    institution_types: tuple[T, ...]
    steps: tuple[DemoStep, ...]
    reference: str = ""
    amends: str = ""
    replaces: bool = False
    summary: str = ""
    reviews: tuple[DemoReview, ...] = ()
    text: str = ""
    """Its text, stored in the knowledge base and linked, when the demo has one."""


LEGAL_AID_ACT = """Legal Aid Act
Act No. 2024-05 of 2 April 2024
Republic of Carana

I. General provisions

1. Every person suspected or accused of a criminal offence who cannot afford a lawyer has
the right to legal aid at every stage of the criminal process, from the moment of arrest.

2. Police officers shall inform every person arrested of the right to legal aid, orally and
in writing, in a language the person understands, before any questioning.

3. Children, persons with disabilities and survivors of sexual and gender-based violence
receive legal aid free of charge whatever their means.

II. The National Legal Aid Board

4. A National Legal Aid Board, independent in its decisions, administers legal aid. Its
members are appointed for five years by the Minister of Justice from nominations by the Bar
Association, civil society and the judiciary.

5. The Board accredits lawyers and paralegals, sets standards of quality for legal aid
providers and hears complaints about them.

6. The Board shall open offices in every region and provide legal aid in places of
detention.

III. Eligibility and funding

7. Legal aid is granted to persons whose income falls below a threshold set by regulation,
and whenever the interests of justice require it.

8. The annual budget of the State includes a line for legal aid, administered by the Board.

IV. Final provisions

9. The Minister of Justice shall issue the regulations implementing this Act within six
months of its publication."""


def build_laws() -> tuple[DemoLaw, ...]:
    """The demo's instruments, oldest first so that an amended one exists before its amendment."""
    return (
        DemoLaw(
            code="police-act-1998",
            title={"en": "Police Act 1998", "fr": "Loi de 1998 sur la police"},
            type=InstrumentType.LAW,
            sector=LegalSector.POLICE,
            institution_types=(T.POLICE, T.MINISTRY_INTERIOR),
            reference="Act No. 98-07",
            summary="Organises the Carana National Police under the Ministry of Interior.",
            steps=(
                DemoStep(Stage.TABLED, date(1998, 2, 10), "National Assembly order paper"),
                DemoStep(Stage.ADOPTED, date(1998, 6, 25), "National Assembly vote, 25 June 1998"),
                DemoStep(Stage.PROMULGATED, date(1998, 7, 15), "Official Gazette No. 1998-29"),
                DemoStep(
                    Stage.IN_FORCE, date(1998, 7, 15), "Official Gazette No. 1998-29, art. 88"
                ),
            ),
            reviews=(
                DemoReview(
                    "police_law",
                    date(2023, 11, 15),
                    met={
                        "civilian_status_neutrality": "art. 3",
                        "torture_prohibition": "art. 12",
                        "discipline": "arts. 60-72",
                    },
                ),
            ),
        ),
        DemoLaw(
            code="police-act-2026",
            title={
                "en": "Carana National Police Act (bill)",
                "fr": "Loi sur la Police nationale de Carana (projet)",
            },
            type=InstrumentType.LAW,
            sector=LegalSector.POLICE,
            institution_types=(T.POLICE, T.MINISTRY_INTERIOR),
            reference="Bill No. 2024-031",
            amends="police-act-1998",
            replaces=True,
            summary="Replaces the 1998 act: civilian oversight, use of force, complaints, "
            "vetting, women in the police.",
            steps=(
                DemoStep(
                    Stage.DRAFTING,
                    date(2022, 4, 5),
                    "Drafting committee set up by ministerial order No. 2022-118",
                    supported_by=("UNMICA",),
                    activities=("XX-UNMICA-CAR-2021-001",),
                ),
                DemoStep(
                    Stage.CONSULTATION,
                    date(2023, 6, 12),
                    "Report of the national consultations (14 regional hearings)",
                    supported_by=("UNMICA", "CSFC"),
                ),
                DemoStep(
                    Stage.CABINET,
                    date(2024, 5, 8),
                    "Council of Ministers communiqué of 8 May 2024",
                ),
                DemoStep(
                    Stage.TABLED,
                    date(2024, 10, 15),
                    "National Assembly record: Bill No. 2024-031 tabled and sent to the "
                    "Defence and Security Committee",
                    supported_by=("UNMICA",),
                ),
            ),
            reviews=(
                DemoReview(
                    "police_law",
                    date(2024, 4, 20),
                    met={
                        "civilian_status_neutrality": "art. 2",
                        "use_of_force": "art. 34",
                        "firearms": "art. 35",
                        "torture_prohibition": "art. 11",
                        "arrest_custody_safeguards": "arts. 40-44",
                        "external_oversight": "arts. 80-86",
                        "public_complaints": "art. 87",
                        "vetting_recruitment": "art. 21",
                        "discipline": "arts. 90-104",
                    },
                ),
            ),
        ),
        DemoLaw(
            code="police-discipline-regulation",
            title={
                "en": "Regulation on the conduct and discipline of the National Police",
                "fr": "Règlement relatif à la déontologie et à la discipline de la Police "
                "nationale",
            },
            type=InstrumentType.REGULATION,
            sector=LegalSector.POLICE,
            institution_types=(T.POLICE,),
            reference="Decree No. 2025-317",
            summary="Code of conduct, complaints, vetting and discipline, pending the new act.",
            steps=(
                DemoStep(
                    Stage.DRAFTING,
                    date(2024, 9, 2),
                    "Inspectorate General drafting note",
                    supported_by=("NAIC", "IGNP"),
                    activities=("XX-NAIC-CAR-2022-003",),
                ),
                DemoStep(
                    Stage.CONSULTATION,
                    date(2025, 1, 20),
                    "Consultation with the Human Rights Commission and the police union",
                    supported_by=("NHRC",),
                ),
                DemoStep(Stage.ADOPTED, date(2025, 7, 8), "Signed by the Minister of Interior"),
                DemoStep(Stage.PROMULGATED, date(2025, 7, 15), "Official Gazette No. 2025-28"),
                DemoStep(Stage.IN_FORCE, date(2025, 8, 1), "Decree No. 2025-317, art. 50"),
            ),
            reviews=(
                DemoReview(
                    "police_law",
                    date(2025, 9, 1),
                    met={
                        "public_complaints": "art. 14",
                        "discipline": "arts. 20-41",
                        "vetting_recruitment": "art. 8",
                        "transparency": "art. 45",
                        "women_in_police": "art. 10",
                        "sgbv_response": "art. 12",
                    },
                    not_applicable=("civilian_status_neutrality", "external_oversight"),
                ),
            ),
        ),
        DemoLaw(
            code="ccp-1966",
            title={
                "en": "Code of Criminal Procedure (1966)",
                "fr": "Code de procédure pénale (1966)",
            },
            type=InstrumentType.LAW,
            sector=LegalSector.JUSTICE,
            institution_types=(T.COURTS, T.PROSECUTION, T.POLICE),
            reference="Act No. 66-012",
            steps=(
                DemoStep(Stage.TABLED, date(1965, 11, 2), "National Assembly order paper"),
                DemoStep(Stage.ADOPTED, date(1966, 1, 20), "National Assembly vote"),
                DemoStep(Stage.PROMULGATED, date(1966, 3, 1), "Official Gazette No. 1966-9"),
                DemoStep(Stage.IN_FORCE, date(1966, 3, 1), "Official Gazette No. 1966-9"),
            ),
            reviews=(
                DemoReview(
                    "criminal_procedure",
                    date(2023, 12, 1),
                    met={
                        "presumption_of_innocence": "art. 1",
                        "public_trial_reasoned_judgement": "arts. 310-316",
                        "right_to_appeal": "arts. 480-492",
                        "interpretation_translation": "art. 301",
                    },
                ),
            ),
        ),
        DemoLaw(
            code="ccp-revision",
            title={
                "en": "Code of Criminal Procedure (revision)",
                "fr": "Code de procédure pénale (révision)",
            },
            type=InstrumentType.LAW,
            sector=LegalSector.JUSTICE,
            institution_types=(T.COURTS, T.PROSECUTION, T.POLICE),
            reference="Bill No. 2025-007",
            amends="ccp-1966",
            replaces=True,
            steps=(
                DemoStep(
                    Stage.DRAFTING,
                    date(2022, 2, 1),
                    "Law Reform Commission terms of reference",
                    supported_by=("USS",),
                    activities=("XX-USS-CAR-2021-002",),
                ),
                DemoStep(
                    Stage.CONSULTATION,
                    date(2023, 9, 20),
                    "Validation workshop with the judiciary, prosecutors and the Bar",
                    supported_by=("USS", "CBA"),
                ),
                DemoStep(Stage.CABINET, date(2024, 12, 5), "Council of Ministers communiqué"),
                DemoStep(
                    Stage.TABLED,
                    date(2025, 3, 18),
                    "National Assembly record: Bill No. 2025-007 tabled",
                ),
            ),
            reviews=(
                DemoReview(
                    "criminal_procedure",
                    date(2025, 2, 10),
                    met={
                        "presumption_of_innocence": "art. 1",
                        "right_to_counsel": "art. 62",
                        "police_custody_limits": "art. 58",
                        "pretrial_detention_exception": "art. 143",
                        "pretrial_detention_limits": "arts. 145-147",
                        "exclusion_torture_evidence": "art. 170",
                        "public_trial_reasoned_judgement": "arts. 310-316",
                        "right_to_appeal": "arts. 480-492",
                        "interpretation_translation": "art. 301",
                        "juvenile_justice": "arts. 520-548",
                    },
                ),
            ),
        ),
        DemoLaw(
            code="legal-aid-act",
            title={"en": "Legal Aid Act", "fr": "Loi sur l'aide juridique"},
            type=InstrumentType.LAW,
            sector=LegalSector.JUSTICE,
            institution_types=(T.LEGAL_AID, T.MINISTRY_JUSTICE),
            reference="Act No. 2024-05",
            summary="Creates the National Legal Aid Board; legal aid from arrest.",
            text=LEGAL_AID_ACT,
            steps=(
                DemoStep(
                    Stage.DRAFTING,
                    date(2021, 5, 10),
                    "Ministry of Justice drafting note",
                    supported_by=("EADC",),
                    activities=("XM-DAC-41114-CAR-2021-001",),
                ),
                DemoStep(
                    Stage.CONSULTATION,
                    date(2022, 3, 15),
                    "Consultation with the Bar Association and paralegal networks",
                    supported_by=("CBA",),
                    activities=("XX-CBA-CAR-2022-002",),
                ),
                DemoStep(Stage.CABINET, date(2023, 2, 14), "Council of Ministers communiqué"),
                DemoStep(Stage.TABLED, date(2023, 6, 6), "National Assembly order paper"),
                DemoStep(Stage.ADOPTED, date(2024, 2, 27), "National Assembly vote, 61 to 12"),
                DemoStep(Stage.PROMULGATED, date(2024, 4, 2), "Official Gazette No. 2024-14"),
            ),
            reviews=(
                DemoReview(
                    "legal_aid",
                    date(2024, 4, 20),
                    met={
                        "right_all_stages": "art. 1",
                        "immediate_access": "art. 1",
                        "information_on_right": "art. 2",
                        "eligibility_tests": "art. 7",
                        "free_aid_vulnerable": "art. 3",
                        "independent_body": "art. 4",
                        "funding": "art. 8",
                        "quality_complaints": "art. 5",
                        "geographic_coverage": "art. 6",
                    },
                ),
            ),
        ),
        DemoLaw(
            code="prisons-ordinance-1972",
            title={"en": "Prisons Ordinance 1972", "fr": "Ordonnance de 1972 sur les prisons"},
            type=InstrumentType.DECREE,
            sector=LegalSector.CORRECTIONS,
            institution_types=(T.CORRECTIONS,),
            reference="Ordinance No. 72-31",
            steps=(
                DemoStep(Stage.ADOPTED, date(1972, 8, 1), "Signed by the Head of State"),
                DemoStep(Stage.PROMULGATED, date(1972, 8, 10), "Official Gazette No. 1972-33"),
                DemoStep(Stage.IN_FORCE, date(1972, 9, 1), "Official Gazette No. 1972-33"),
            ),
            reviews=(
                DemoReview(
                    "prisons_law",
                    date(2023, 10, 1),
                    met={
                        "admission_register": "art. 9",
                        "separation_categories": "art. 14",
                        "outside_contact": "art. 40",
                    },
                ),
            ),
        ),
        DemoLaw(
            code="prisons-act-2025",
            title={"en": "Prisons Service Act", "fr": "Loi sur le Service pénitentiaire"},
            type=InstrumentType.LAW,
            sector=LegalSector.CORRECTIONS,
            institution_types=(T.CORRECTIONS, T.MINISTRY_JUSTICE),
            reference="Act No. 2025-11",
            amends="prisons-ordinance-1972",
            replaces=True,
            steps=(
                DemoStep(
                    Stage.DRAFTING,
                    date(2023, 1, 16),
                    "Ministry of Justice drafting committee",
                    supported_by=("UNODC", "UNMICA"),
                ),
                DemoStep(
                    Stage.CONSULTATION,
                    date(2023, 7, 3),
                    "Consultation with prison staff, the Human Rights Commission and Carana "
                    "Prison Watch",
                    supported_by=("CPW",),
                    activities=("XX-CPW-CAR-2023-001",),
                ),
                DemoStep(Stage.CABINET, date(2024, 3, 19), "Council of Ministers communiqué"),
                DemoStep(Stage.TABLED, date(2024, 7, 2), "National Assembly order paper"),
                DemoStep(Stage.ADOPTED, date(2025, 6, 26), "National Assembly vote"),
                DemoStep(Stage.PROMULGATED, date(2025, 7, 10), "Official Gazette No. 2025-27"),
                DemoStep(
                    Stage.REGULATIONS,
                    date(2025, 12, 15),
                    "Decree No. 2025-402 on the prison regime",
                    supported_by=("UNODC",),
                ),
                DemoStep(Stage.IN_FORCE, date(2026, 1, 1), "Act No. 2025-11, art. 120"),
            ),
            reviews=(
                DemoReview(
                    "prisons_law",
                    date(2025, 8, 1),
                    met={
                        "civilian_administration": "art. 3",
                        "admission_register": "art. 12",
                        "separation_categories": "art. 15",
                        "living_conditions": "arts. 20-27",
                        "health_care": "arts. 30-36",
                        "disciplinary_regime": "arts. 60-68",
                        "force_and_restraint": "art. 70",
                        "complaints": "art. 75",
                        "independent_inspection": "art. 78",
                        "outside_contact": "art. 44",
                    },
                ),
            ),
        ),
        DemoLaw(
            code="emergency-ordinance-2024",
            title={
                "en": "Ordinance on the state of emergency",
                "fr": "Ordonnance relative à l'état d'urgence",
            },
            type=InstrumentType.LAW,
            sector=LegalSector.DEFENCE,
            institution_types=(T.ARMED_FORCES, T.POLICE),
            reference="Ordinance No. 2024-02",
            steps=(
                DemoStep(Stage.DRAFTING, date(2024, 8, 1), "Presidency memorandum"),
                DemoStep(
                    Stage.ADOPTED,
                    date(2024, 8, 20),
                    "Signed by the President",
                    exception="Adopted by ordinance under article 87 of the Constitution while "
                    "parliament was in recess, without tabling",
                ),
                DemoStep(Stage.PROMULGATED, date(2024, 8, 21), "Official Gazette No. 2024-35"),
                DemoStep(
                    Stage.STRUCK_DOWN,
                    date(2025, 1, 30),
                    "Constitutional Court decision No. 2025-03",
                ),
            ),
        ),
        DemoLaw(
            code="defence-act-2010",
            title={"en": "National Defence Act 2010", "fr": "Loi de 2010 sur la défense nationale"},
            type=InstrumentType.LAW,
            sector=LegalSector.DEFENCE,
            institution_types=(T.ARMED_FORCES, T.MINISTRY_DEFENCE),
            reference="Act No. 2010-04",
            steps=(
                DemoStep(Stage.TABLED, date(2010, 3, 2), "National Assembly order paper"),
                DemoStep(Stage.ADOPTED, date(2010, 5, 18), "National Assembly vote"),
                DemoStep(Stage.PROMULGATED, date(2010, 6, 1), "Official Gazette No. 2010-22"),
                DemoStep(Stage.IN_FORCE, date(2010, 6, 1), "Official Gazette No. 2010-22"),
            ),
            reviews=(
                DemoReview(
                    "defence_oversight",
                    date(2024, 9, 10),
                    met={
                        "civilian_authority": "art. 4",
                        "budget_approval": "art. 31",
                        "minimum_recruitment_age": "art. 22",
                    },
                ),
            ),
        ),
        DemoLaw(
            code="defence-oversight-bill",
            title={
                "en": "Law on Parliamentary Oversight of the Defence and Security Forces (bill)",
                "fr": "Loi sur le contrôle parlementaire des forces de défense et de sécurité "
                "(projet)",
            },
            type=InstrumentType.LAW,
            sector=LegalSector.OVERSIGHT,
            institution_types=(T.PARLIAMENTARY_OVERSIGHT, T.ARMED_FORCES, T.MINISTRY_DEFENCE),
            amends="defence-act-2010",
            steps=(
                DemoStep(
                    Stage.DRAFTING,
                    date(2023, 9, 4),
                    "Parliamentary working group on security sector oversight",
                    supported_by=("WFM",),
                    activities=("XX-WFM-CAR-2022-002",),
                ),
                DemoStep(
                    Stage.CONSULTATION,
                    date(2024, 6, 17),
                    "Public hearings of the Defence and Security Committee",
                    supported_by=("WFM", "UNMICA"),
                ),
                DemoStep(Stage.CABINET, date(2025, 4, 29), "Sent to the Council of Ministers"),
            ),
            reviews=(
                DemoReview(
                    "defence_oversight",
                    date(2025, 4, 1),
                    met={
                        "civilian_authority": "art. 2",
                        "budget_approval": "arts. 10-14",
                        "deployment_abroad": "art. 18",
                        "state_of_emergency": "art. 19",
                        "defence_committee": "arts. 5-9",
                        "ombudsperson": "arts. 25-31",
                        "political_neutrality": "art. 3",
                        "independent_audit": "art. 15",
                    },
                ),
            ),
        ),
        DemoLaw(
            code="gendarmerie-decree",
            title={
                "en": "Decree on the organisation of the National Gendarmerie",
                "fr": "Décret portant organisation de la Gendarmerie nationale",
            },
            type=InstrumentType.DECREE,
            sector=LegalSector.POLICE,
            institution_types=(T.GENDARMERIE,),
            steps=(
                DemoStep(
                    Stage.DRAFTING,
                    date(2026, 6, 2),
                    "Ministry of Defence drafting note",
                    supported_by=("UNMICA",),
                ),
            ),
        ),
    )
