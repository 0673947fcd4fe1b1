"""Lessons-learned notes of UNMICA, the mission in Carana (fictional, like the country).

Six short documents in the forms missions write: an after-action review, end-of-assignment
reports, lessons notes and a mandate extract, with numbered paragraphs under headings, so the
knowledge base's search, reader and theme tags have something of the demo's own to show next
to the real UN corpus a mission would ingest. Every name, date and figure is invented; the
institutions, places and the 2019 peace agreement are those of the rest of the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DemoNote:
    name: str
    """The file name it would have (its stem gives nothing away: no real symbol)."""
    text: str


def _note(title: str, kind_line: str, dated: str, sections: list[tuple[str, list[str]]]) -> str:
    lines = [title, "", "United Nations Mission in Carana (UNMICA)", kind_line, dated, ""]
    number = 0
    for roman, (heading, paragraphs) in enumerate(sections, start=1):
        lines.append(f"{_ROMAN[roman]}. {heading}")
        for paragraph in paragraphs:
            number += 1
            lines.append(f"    {number}.   {paragraph}")
        lines.append("")
    return "\n".join(lines)


_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}

NOTES = [
    DemoNote(
        "unmica-aar-vetting-cnp-2025.txt",
        _note(
            "After action review: vetting of the Carana National Police, first cycle",
            "After action review",
            "14 March 2025",
            [
                (
                    "Background",
                    [
                        "Under the 2019 peace agreement every serving officer of the Carana "
                        "National Police (CNP) was to be vetted for human rights violations, "
                        "criminal records and false qualifications before certification. UNMICA "
                        "police advisers supported the CNP Inspectorate in the first cycle, which "
                        "covered 3,120 officers in Kalari and Lesedi between March and December "
                        "2024.",
                    ],
                ),
                (
                    "What worked",
                    [
                        "Joint screening panels of the Inspectorate, the National Human Rights "
                        "Commission and UNMICA human rights officers reviewed each file against "
                        "complaint records, court registers and personnel files. Panels that "
                        "met in the districts, not only in the capital, received three times more "
                        "information from the public.",
                        "Publishing the names of officers under review for thirty days, with a "
                        "free telephone line, produced 412 statements, of which 96 led to a "
                        "deeper investigation and 41 to removal from the service.",
                    ],
                ),
                (
                    "What did not work",
                    [
                        "Personnel files were incomplete for a third of the officers recruited "
                        "during the conflict, so the panels could not verify ranks and training. "
                        "Vetting should start with a census of personnel and a biometric "
                        "registration, before any review of conduct.",
                        "Officers removed from the service were not offered any reintegration "
                        "support; several joined private security companies in Lesedi, and two "
                        "were later arrested with weapons of the police armoury. Removal needs "
                        "an exit package and a weapons handover checked by the armoury register.",
                    ],
                ),
                (
                    "Recommendations",
                    [
                        "Register and count before vetting; publish the criteria and the appeal "
                        "procedure; protect witnesses who come forward; budget for the exit of "
                        "those removed; and hand the vetting database to the Inspectorate with "
                        "trained staff before the mission's police component draws down.",
                    ],
                ),
            ],
        ),
    ),
    DemoNote(
        "unmica-eoa-corrections-2025.txt",
        _note(
            "End of assignment report: Corrections Advisory Unit",
            "End of assignment report",
            "30 June 2025",
            [
                (
                    "Prison conditions",
                    [
                        "The Carana Prisons Service held 3,400 detainees in eleven prisons "
                        "built for 1,900. Seven in ten were on remand, many for longer than the "
                        "sentence their alleged offence carries. Overcrowding at Hekima Central "
                        "Prison reached three times capacity after the 2024 fighting in Lesedi.",
                        "Food and medical care depended on the families of detainees; two "
                        "cholera outbreaks in 2024 were contained only with the help of "
                        "humanitarian partners.",
                    ],
                ),
                (
                    "Pre-trial detention",
                    [
                        "Case review committees of magistrates, prosecutors, prison directors "
                        "and the National Legal Aid Board, meeting monthly in each prison, "
                        "released 640 detainees held beyond the legal time limits in a year. "
                        "The committees stopped meeting whenever the mission stopped paying "
                        "transport for magistrates: the practice has to be funded in the "
                        "judiciary's own budget before the mission leaves.",
                    ],
                ),
                (
                    "Security of prisons",
                    [
                        "The armed attack on Lesedi prison in October 2024 freed 57 detainees. "
                        "Perimeter walls had not been repaired since the conflict and guards had "
                        "no radios. Prison security assessments should be joint with the police "
                        "and shared with the mission's force before each rainy season.",
                    ],
                ),
                (
                    "Handover",
                    [
                        "Co-location of corrections officers in the prisons built trust but "
                        "created dependency: directors referred decisions to advisers. The "
                        "handover plan should set dates by which each function passes to the "
                        "Carana Prisons Service, with a benchmark for each.",
                    ],
                ),
            ],
        ),
    ),
    DemoNote(
        "unmica-lessons-note-ddr-2024.txt",
        _note(
            "Lessons note: disarmament and reintegration of Movement for the Liberation of "
            "Carana combatants",
            "Lessons learned note",
            "2 December 2024",
            [
                (
                    "Disarmament",
                    [
                        "Cantonment sites in Nkoro and Mbeshe received 4,800 combatants of the "
                        "Movement for the Liberation of Carana in 2020 and 2021. Weapons "
                        "collected were fewer than half the declared strength, and a weapons "
                        "register that matched arms to individuals was kept only in one site.",
                    ],
                ),
                (
                    "Reintegration",
                    [
                        "Cash reinsertion payments without training or jobs left most former "
                        "combatants unemployed a year later. Community-based projects in which "
                        "former combatants and residents rebuilt markets and roads together "
                        "lowered tension in the villages that had them.",
                        "Integration of former combatants into the Carana Defence Forces and the "
                        "police without vetting imported command structures of the armed group "
                        "into units of the security forces.",
                    ],
                ),
                (
                    "Recommendations",
                    [
                        "Tie reinsertion to training and employment schemes; vet before "
                        "integration into the security forces; keep one national weapons "
                        "register; and involve women associated with armed groups, who were "
                        "left out of the first phase.",
                    ],
                ),
            ],
        ),
    ),
    DemoNote(
        "unmica-eoa-justice-2026.txt",
        _note(
            "End of assignment report: Justice Support Section",
            "End of assignment report",
            "31 January 2026",
            [
                (
                    "Courts",
                    [
                        "Four high courts and the magistrates' courts of Kalari, Lesedi and "
                        "Tarunga sat regularly by 2025, but two thirds of districts still had no "
                        "resident magistrate. Mobile court hearings cleared 900 cases in "
                        "2025 and brought justice to detainees who had never seen a judge.",
                        "Judges reported pressure from political and armed actors in cases "
                        "against former commanders. The Judicial Service Commission has no "
                        "budget of its own and its decisions on discipline are not published, "
                        "which weakens the independence of the judiciary.",
                    ],
                ),
                (
                    "Legislation",
                    [
                        "The draft Code of Criminal Procedure, supported by the mission since "
                        "2022, was tabled in parliament in 2025 but not adopted; the legal aid "
                        "law was adopted but no implementing regulations were issued, so the "
                        "National Legal Aid Board cannot recruit lawyers.",
                    ],
                ),
                (
                    "Transition",
                    [
                        "The drawdown plan assumes that the Ministry of Justice and Human Rights "
                        "will pay court interpreters and mobile court costs from 2027. No line "
                        "for either exists in the draft budget. A transition benchmark on "
                        "justice should measure the share of districts with a sitting "
                        "magistrate and the share of detainees on remand, not the number of "
                        "trainings delivered.",
                    ],
                ),
            ],
        ),
    ),
    DemoNote(
        "unmica-lessons-note-community-policing-2025.txt",
        _note(
            "Lessons note: community policing and complaints against the police",
            "Lessons learned note",
            "10 September 2025",
            [
                (
                    "Community policing forums",
                    [
                        "Forums of police commanders, local chiefs, women's groups and youth in "
                        "twenty districts met monthly from 2023. Where the district commander "
                        "attended in person, residents reported more crimes and the perception "
                        "survey showed higher trust in the police.",
                    ],
                ),
                (
                    "Complaints",
                    [
                        "Complaints against police officers rose after the free line and the "
                        "online form opened, then fell when complainants in Tarunga were "
                        "threatened. Confidential handling, the protection of complainants' "
                        "identity and reporting of outcomes are what make people complain "
                        "again.",
                        "Complaints referred by the National Human Rights Commission to the "
                        "police Inspectorate were rarely answered within the legal deadline; a "
                        "shared case register with deadlines and monthly reviews halved the "
                        "backlog.",
                    ],
                ),
            ],
        ),
    ),
    DemoNote(
        "unmica-mandate-extract-2024.txt",
        _note(
            "Mandate of UNMICA: security sector reform and rule of law tasks (extract)",
            "Mandate",
            "28 June 2024",
            [
                (
                    "Security sector reform",
                    [
                        "Support the Government of Carana in developing and implementing a "
                        "national security sector reform strategy, including the vetting, "
                        "training and civilian oversight of the police, the gendarmerie and the "
                        "defence forces.",
                        "Assist the Carana National Police to extend its presence to all "
                        "districts, with the aim of handing over all policing responsibilities "
                        "from the mission to the national police by the end of 2027.",
                    ],
                ),
                (
                    "Rule of law",
                    [
                        "Support the extension of the courts and prisons to all regions, the "
                        "reduction of prolonged pre-trial detention and the fight against "
                        "impunity for serious crimes, including sexual violence in conflict.",
                    ],
                ),
                (
                    "Drawdown",
                    [
                        "Develop, with the Government, benchmarks for the gradual drawdown of "
                        "the mission, based on the capacity of national institutions to protect "
                        "civilians and maintain public order.",
                    ],
                ),
            ],
        ),
    ),
]


def build_notes() -> list[DemoNote]:
    return list(NOTES)


__all__ = ["DemoNote", "build_notes"]
