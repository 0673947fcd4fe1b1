"""Programmes, money and training in Carana: who supports which institution, where, with what.

``build_coordination(scenario, seed=...)`` adds to the Carana scenario the organisations not
already in it, about forty IATI-style activities (2021-2026) and the training records of the
police, the prisons service, the courts and the prosecution. The structure is written down
below; the seed draws amounts, dates within months, results, trainee names and statuses.

Planted on purpose, so that the duplicate finder, the gap analysis and the actor merge have
something real to find (all identifiers are fixed; P-codes are stable across seeds):

1. Duplicates (``planted_duplicates``):
   - XM-DAC-41114-CAR-2022-003 / XX-GPP-CAR-2023-002: UNDP and the Global Policing
     Partnership both train the police station of the seat of Soloba (district XCA0401) in
     community policing, overlapping 2023-2024, described in different words.
   - XX-NAIC-CAR-2023-014 / XX-JWBI-CAR-2023-002: one legal-aid grant reported twice, by the
     funder (disbursements to JWBI, ``receiver_ref`` XX-JWBI) and by the implementer (incoming
     funds of the same amounts a few days later, ``provider_ref`` = NAIC's activity).
   - XX-UNODC-CAR-2023-006 / XX-EADC-CAR-2024-002: case-flow training at the High Court of the
     seat of Ambara (XCA0801) by UNODC and by a contractor for the Estorian agency (in French).
   - XX-WJNC-CAR-2024-001 / XX-USS-CAR-2024-003: police gender desks and "specialised SGBV
     units" at the same police stations in XCA0501 (Wanjeri).
   Sessions of the second activity of each training pair re-train people from the first.
2. Near misses (``near_misses``): the same police in XCA0401 in 2021 only (a finished pilot)
   or for equipment; community policing in Ambara and Tarunga; a legal-aid desk at the same
   High Court; case management in Tarunga; SGBV work with the courts, not the police, in XCA0501.
3. Gaps (``planted_gaps``): corrections capacity, the weakest dimension of the latest
   rule-of-law round (``assessment.TRENDS``: -0.12 a round), gets one small training activity;
   corrections treatment of vulnerable groups (also falling) gets nothing. Lesedi (XCA07) and
   Nkoro (XCA06), where fighting flares from 2024 (``violence.py``), have no activity and no
   training located in them, while Kalari, Soloba and Ambara get most.
4. Data faults: XX-WFM-CAR-2021-004 disbursed 12% more than it committed (a cost overrun), and
   one activity names its implementer "Justice Without Borders Intl.", a second actor record
   of JWBI (``actor_merge_candidates``).

Trainees tell a story too: most vetted police officers still serve, those rejected by the
vetting programme were dismissed, a third of the officers trained on SGBV were moved out of
gender desks, and a quarter of the trained prison officers have left the service.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from peaceops.domain.actors import Actor, ActorCategory, OrganisationType
from peaceops.domain.coordination import (
    Activity,
    ActivityLocation,
    ActivityStatus,
    Budget,
    Capability,
    Money,
    OrgRole,
    Participant,
    Result,
    ResultIndicator,
    ResultPeriod,
    SectorShare,
    Transaction,
    TransactionType,
)
from peaceops.domain.training import (
    Course,
    DeploymentStatus,
    Participation,
    Sex,
    Trainee,
    TrainingRecords,
    TrainingSession,
    VettingStatus,
)
from peaceops.scenario.carana import ISO3, Scenario

AS_OF = date(2026, 6, 30)
"""The scenario's today: later periods have targets but no actuals yet."""
USD_PER_UNIT = {"USD": 1.0, "EUR": 1.08}
"""The scenario's fixed exchange rates, to compare amounts across currencies."""
GAP_DIMENSIONS = (("corrections", "capacity"), ("corrections", "vulnerable_groups"))
"""Rule-of-law (institution, dimension) cells left with little or no programming."""
RISK_GAP_REGIONS = ("XCA07", "XCA06")
"""Lesedi and Nkoro: the regions violent since 2024 with no programme located in them."""

# New organisations: name|category|IATI organisation type|acronym|IATI id|variants (";").
NEW_ACTORS = (
    "Estorian Agency for Development Cooperation|bilateral_donor|GOVERNMENT|EADC|XX-EADC|"
    "Estoria Development Cooperation;Agence estorienne de coopération",
    "Union of Southern States|regional_organisation|MULTILATERAL|USS|XX-USS|"
    "Southern States Union;Union des États du Sud",
    "Global Policing Partnership|international_ngo|INTERNATIONAL_NGO|GPP|XX-GPP|"
    "Global Policing Partnership Foundation",
    "Meridian Justice Consulting Ltd|private_contractor|PRIVATE_SECTOR_PROVIDER|MJC||"
    "Meridian Justice Consulting",
    "Carana Prison Watch|national_ngo|NATIONAL_NGO|CPW||",
    "Community Safety Forum of Carana|national_ngo|NATIONAL_NGO|CSFC||Forum for Community Safety",
    # A second record of Justice Without Borders International, as a donor spelled it.
    "Justice Without Borders Intl.|international_ngo|INTERNATIONAL_NGO|JWB||",
)
MERGE_CANDIDATES = [("Justice Without Borders Intl.", "Justice Without Borders International")]

# Activities, one string each: identifier|reporter|funders|implementers|start|end|currency and
# thousands|institutions|capabilities|DAC sectors[:percent]|locations|framework indicators|
# flags|title|description[|French title|French description]. Actors by acronym; a location is
# a P-code (admin1 or admin2) or "@" and a district's P-code for a point at its town; {town},
# {district} and {region} come from the first location.
ACTIVITIES = (
    # Community policing in XCA0401: duplicate pair 1, a 2021 pilot, equipment; other regions.
    "XM-DAC-41114-CAR-2022-003|UNDP|UNDP|UNDP,CSFC|2022-03|2024-12|USD 1450|"
    "CNP,MIPS|community_policing|15210|XCA0401,@XCA0401|POL-PERF-01,POL-VUL-03||"
    "Community-oriented policing in {district}|"
    "Trains officers of the {town} police station and its posts in community-oriented policing, "
    "sets up neighbourhood safety committees and joint problem-solving meetings.",
    "XX-GPP-CAR-2023-002|GPP|EADC|GPP|2023-06|2025-06|EUR 980|"
    "Carana National Police|community_policing|15210|XCA0401|POL-PERF-01||"
    "Building trust between police and residents in {town}|"
    "Helps the Carana National Police in {town} work with local people: station staff learn "
    "problem-solving policing, and commanders meet residents' forums every month.",
    "XX-NAIC-CAR-2021-002|NAIC|NAIC|JWBI|2021-01|2021-12|USD 320|"
    "CNP|community_policing|15210|XCA0401|||"
    "Community policing pilot, {district}|"
    "A one-year pilot at two police stations of {district}: training of station staff, a first "
    "community safety survey and a lessons-learned workshop.",
    "XX-USS-CAR-2022-001|USS|USS|MJC|2022-05|2024-04|EUR 760|"
    "CNP|equipment,infrastructure|15210|XCA0401,XCA0402|POL-CAP-03||"
    "Equipment and refurbishment of police stations in {region}|"
    "Supplies vehicles, radios and secure evidence storage to the police stations of {region} and "
    "refurbishes two station buildings.|"
    "Équipement et réhabilitation des commissariats de {region}|"
    "Véhicules, radios et locaux sécurisés pour les scellés ; réhabilitation de deux "
    "commissariats.",
    "XX-UNMICA-CAR-2023-005|UNMICA|UNMICA|UNMICA|2023-01|2026-12|USD 600|"
    "CNP|community_policing|15210|XCA0801,@XCA0801|POL-PERF-01||"
    "Community policing forums in {region}|"
    "UNMICA police advisers co-located with the police in {district} set up community policing "
    "forums, train officers and follow up residents' complaints.",
    "XX-CSFC-CAR-2024-001|CSFC|UNDP|CSFC|2024-01|2025-12|USD 120|"
    "CNP,MLG|community_policing|15210|XCA0302|POL-PERF-01||"
    "Community safety committees in {district}|"
    "Village safety committees in {district} meet the police each month and agree local safety "
    "plans with the district administration.",
    # Duplicate pair 2: the funder's and the implementer's record of one grant.
    "XX-NAIC-CAR-2023-014|NAIC|NAIC|JWBI|2023-02|2026-03|USD 1200|"
    "NLAB,Judiciary of Carana|legal_aid|15130|XCA0101,XCA0102|JUD-PERF-05,JUD-CAP-02||"
    "Legal aid for pre-trial detainees in {region}|"
    "Grant to Justice Without Borders International to provide lawyers and paralegals to people "
    "held on remand in {region}, with the National Legal Aid Board.",
    "XX-JWBI-CAR-2023-002|JWBI|NAIC|JWBI,CBA|2023-03|2026-03|USD 0|"
    "National Legal Aid Board|legal_aid|15130|XCA0101|JUD-PERF-05|mirror:XX-NAIC-CAR-2023-014|"
    "Access to counsel for remand prisoners, {region}|"
    "With Northland funding, JWBI and the Bar Association place duty lawyers and trained "
    "paralegals in stations and prisons of {region} so remand detainees get counsel sooner.",
    # The High Court in XCA0801: duplicate pair 3, legal aid there; case management elsewhere.
    "XX-UNODC-CAR-2023-006|UNODC|UNODC|UNODC|2023-04|2025-03|USD 850|"
    "Judiciary of Carana,OPG|justice_reform|15130|XCA0801|JUD-PERF-01,JUD-PERF-04||"
    "Case-flow management at the {town} High Court|"
    "Introduces case-flow management at the {town} High Court: training of judges, prosecutors and "
    "clerks, a backlog inventory and weekly case reviews with prosecutors.",
    "XX-EADC-CAR-2024-002|EADC|EADC|MJC|2024-01|2026-06|EUR 1100|"
    "Judiciary of Carana,Office of the Prosecutor-General|justice_reform|15130|XCA0801,@XCA0801|"
    "JUD-PERF-01||"
    "Court administration and backlog reduction in {town}|"
    "A consultancy works with the judges and registry of the {town} High Court to clear its "
    "backlog: a reorganised registry, scheduling training and monthly pending-case figures.|"
    "Administration judiciaire et réduction de l'arriéré à {town}|"
    "Un cabinet de conseil appuie les juges et le greffe de la Haute Cour de {town} pour résorber "
    "l'arriéré : greffe réorganisé, formation à l'audiencement, statistiques.",
    "XX-CBA-CAR-2023-001|CBA|WFM|CBA|2023-05|2025-04|USD 240|"
    "NLAB,Judiciary of Carana|legal_aid|15130|XCA0801|JUD-PERF-05||"
    "Legal aid desk at the {town} High Court|"
    "Volunteer lawyers of the Bar Association staff a desk at the {town} High Court, advising "
    "unrepresented accused persons and victims before their hearings.",
    "XM-DAC-41114-CAR-2023-011|UNDP|UNDP|UNDP|2023-02|2026-01|USD 700|"
    "Judiciary of Carana|justice_reform|15130|XCA0301|JUD-PERF-01,JUD-PERF-03||"
    "Court case management in {region}|"
    "Supports the courts of {region} with case registration, training of clerks and judges on case "
    "management, and mobile court sessions for remote areas.",
    # SGBV in XCA0501: duplicate pair 4 (police), and work with prosecutors and courts.
    "XX-WJNC-CAR-2024-001|WJNC|WFM|WJNC|2024-02|2025-12|USD 380|"
    "CNP|gender_sgbv,human_rights_training|15180|XCA0501|POL-VUL-02||"
    "Police gender desks in {district}|"
    "Sets up gender desks at the police stations of {district} and trains their officers to "
    "receive and investigate reports of sexual and gender-based violence.",
    "XX-USS-CAR-2024-003|USS|USS|GPP|2024-09|2026-08|EUR 900|"
    "Carana National Police|gender_sgbv|15180|XCA0501,XCA05|POL-VUL-02||"
    "Specialised police units for sexual and gender-based violence, {region}|"
    "GPP helps the police in {district} and across {region} create units for sexual violence "
    "cases: trained investigators, private interview rooms, survivor referrals.|"
    "Unités spécialisées de la police contre les violences sexuelles, {region}|"
    "Création d'unités d'enquête sur les violences sexuelles : enquêteurs formés, salles "
    "d'audition, orientation des survivantes.",
    "XX-OHCHR-CAR-2024-005|OHCHR|OHCHR|OHCHR,WJNC|2024-01|2026-06|USD 300|"
    "OPG,Judiciary of Carana|gender_sgbv|15180|XCA0501|JUD-VUL-02||"
    "Survivor-centred prosecution of sexual violence in {district}|"
    "Trains prosecutors and magistrates of {district} on survivor-centred handling of sexual "
    "violence cases, with protective measures for witnesses in court.",
    # The rest: none in Lesedi or Nkoro, little for the prisons.
    "XX-UNMICA-CAR-2021-001|UNMICA|UNMICA|UNMICA|2021-04|2026-12|USD 2400|"
    "CNP,MIPS|police_reform,ssr_general|15210|XCA0101,@XCA0101|POL-CAP-01,POL-INT-03||"
    "Police reform and restructuring support|"
    "Advice to the ministry and police leadership on the police development plan, structure, "
    "standard operating procedures and public order, and deployment to regions.",
    "XX-NAIC-CAR-2022-003|NAIC|NAIC|UNDP|2022-01|2026-12|USD 2100|"
    "CNP|vetting,anti_corruption|15210|XCA0101|POL-INT-01,POL-INT-02||"
    "Police vetting and certification programme|"
    "Background checks, integrity interviews and certification of serving police officers, with an "
    "appeals board, ethics training and removal of those found unfit.",
    "XX-WFM-CAR-2021-004|WFM|WFM|MJC|2021-06|2023-12|USD 1800|"
    "CNP|infrastructure|15210|XCA0102|POL-CAP-04|overspend|"
    "Rehabilitation of the National Police Academy|"
    "Rebuilds classrooms, dormitories and the firing range of the police academy in {district} so "
    "that it can train 600 recruits a year.",
    "XX-UNODC-CAR-2022-008|UNODC|UNODC|UNODC|2022-04|2025-03|USD 1050|"
    "CNP,OPG|police_reform|15210:70,15130:30|XCA0101,XCA0301|POL-PERF-03||"
    "Criminal investigation and forensics|"
    "Training of detectives in investigation and crime-scene work, a small forensic laboratory, "
    "and joint case conferences with prosecutors.",
    "XM-DAC-41114-CAR-2021-001|UNDP|UNDP,NAIC,WFM|UNDP|2021-01|2026-12|USD 4800|"
    "Judiciary of Carana,OPG,NLAB,MJHR|justice_reform,legal_aid|15130:70,15160:30|"
    "XCA01,XCA03,XCA04,XCA08|JUD-PERF-03,JUD-INT-03,JUD-CAP-01||"
    "Rule of Law and Access to Justice Programme|"
    "Multi-donor programme for the justice chain: court infrastructure, publication of judgements, "
    "deployment of magistrates to the regions and state-funded legal aid.",
    "XX-OHCHR-CAR-2021-002|OHCHR|OHCHR|OHCHR|2021-07|2026-06|USD 900|"
    "NHRC|oversight,human_rights_training|15160|XCA0101,XCA0201|OV-INT-01,OV-VUL-02||"
    "Strengthening the National Human Rights Commission|"
    "Supports the Commission's complaints unit, a regional office in {region} and its monitoring "
    "of places of detention and of security forces' conduct.",
    "XX-OHCHR-CAR-2022-006|OHCHR|OHCHR|OHCHR|2022-02|2024-12|USD 420|"
    "CNP|human_rights_training|15160|XCA0301,XCA0802|POL-VUL-03||"
    "Human rights training for police officers|"
    "Three-day courses on human rights in arrest, detention and the use of force for police "
    "officers in {region} and Ambara.",
    "XX-UNMICA-CAR-2021-003|UNMICA|UNMICA|UNMICA,UNDP|2021-05|2024-06|USD 3200|"
    "CDF,MOD|ddr|15240|XCA02,XCA0201,XCA0202|||"
    "DDR and community violence reduction in {region}|"
    "Disarmament and demobilisation of former fighters in {region}, with labour-intensive "
    "community projects and reintegration grants.",
    "XX-UNMICA-CAR-2022-007|UNMICA|UNMICA|UNMICA|2022-01|2023-12|USD 650|"
    "CDF|mine_action|15250|XCA0202|||"
    "Explosive ordnance clearance in {district}|"
    "Survey and clearance of explosive remnants of war around former front lines in {district}, "
    "and risk education in schools.",
    "XX-USS-CAR-2023-004|USS|USS|USS|2023-03|2026-02|EUR 1300|"
    "MOD,CDF|defence_reform|15210|@XCA0101|DM-PERF-01,DM-CAP-01||"
    "Civilian management of defence|"
    "Helps the Ministry of Defence plan and execute its budget and build a biometric personnel "
    "database of the Carana Defence Forces.|"
    "Gestion civile de la défense|",
    "XX-WFM-CAR-2022-002|WFM|WFM|WFM|2022-01|2024-12|USD 540|"
    "Parliamentary Committee on Defence and Security|oversight,legislative_drafting|15152|@XCA0101|"
    "OV-PERF-01,OV-CAP-01||"
    "Parliamentary oversight of the security sector|"
    "Staff, research support and public hearings for the parliamentary committee that scrutinises "
    "security budgets and laws.",
    "XX-EADC-CAR-2022-001|EADC|EADC|EADC|2022-06|2026-05|EUR 700|"
    "ACC|anti_corruption|15113|XCA0101|OV-INT-03||"
    "Support to the Anti-Corruption Commission|"
    "Training of investigators, a case-management system and joint work with prosecutors on "
    "corruption cases in the security institutions.|"
    "Appui à la Commission de lutte contre la corruption|",
    "XX-WFM-CAR-2023-006|WFM|WFM|JWB|2023-01|2025-12|USD 350|"
    "CPS,NLAB|legal_aid|15130|XCA0301|COR-PERF-01,COR-PERF-02||"
    "Legal clinics in the prisons of {region}|"
    "Lawyers review the files of remand prisoners in {region} and bring expired detention orders "
    "before the courts.",
    "XX-NAIC-CAR-2021-005|NAIC|NAIC|UNODC|2021-09|2024-08|USD 1100|"
    "BIS|border_management|15210|@XCA0101|||"
    "Border management at {town}|"
    "Document examination, risk analysis and a passenger information system for the Border and "
    "Immigration Service at the port and airport of {town}.",
    "XX-UNODC-CAR-2024-003|UNODC|UNODC|UNODC|2024-01|2025-06|USD 180|"
    "CPS|corrections|15130|XCA0101|COR-CAP-04||"
    "Basic training for prison officers|"
    "Two courses of basic prison management and safe custody for officers of the Carana Prisons "
    "Service.",
    "XX-CPW-CAR-2023-001|CPW|OHCHR|CPW|2023-01|2024-12|USD 90|"
    "CPS|oversight|15160|XCA0101,XCA0401|COR-INT-01||"
    "Independent monitoring of detention conditions|"
    "Unannounced visits to prisons of {region} and Soloba by trained monitors, with reports to the "
    "prisons service and the human rights commission.",
    "XX-CBA-CAR-2022-002|CBA|NAIC|CBA|2022-01|2024-12|USD 260|"
    "NLAB|legal_aid|15130|XCA04,XCA05|JUD-VUL-02,JUD-CAP-02||"
    "Community paralegals in {region} and Wanjeri|"
    "Trains village paralegals who advise women and displaced people on disputes and refer "
    "criminal matters to the legal aid board.",
    "XX-GPP-CAR-2025-001|GPP|EADC|GPP|2025-01|2026-12|EUR 450|"
    "CNP|police_reform|15210|XCA0801,XCA0802|POL-INT-02||"
    "Leadership for police station commanders|"
    "Leadership, supervision and accountability training for station commanders of {region}, with "
    "mentoring after the course.",
    "XM-DAC-41114-CAR-2022-009|UNDP|UNDP,WFM|UNDP|2022-01|2026-12|USD 950|"
    "Judiciary of Carana|justice_reform|15130|@XCA0101|JUD-CAP-01,JUD-CAP-03||"
    "Judicial Training Institute|"
    "Initial and continuing training of magistrates and court staff, with places reserved for "
    "women candidates.",
    "XX-WJNC-CAR-2023-002|WJNC|NAIC|WJNC|2023-01|2026-12|USD 310|"
    "CNP|gender_sgbv|15170|XCA0101,XCA0102|POL-CAP-02||"
    "Women in the police: recruitment and mentoring|"
    "Outreach to young women, preparation for the police entrance exam and mentoring of serving "
    "policewomen.",
    "XX-EADC-CAR-2022-004|EADC|EADC|JWBI|2022-03|2024-09|EUR 520|"
    "Judiciary of Carana,OPG|justice_reform|15130|XCA0402|JUD-VUL-01||"
    "Juvenile justice and diversion in {district}|"
    "Juvenile judges, diversion for children in conflict with the law and a child-friendly hearing "
    "room in {district}.|"
    "Justice des mineurs et mesures alternatives, {district}|",
    "XX-NAIC-CAR-2026-002|NAIC|NAIC|UNODC|2026-10|2028-09|USD 1400|"
    "OPG|justice_reform,equipment|15130|@XCA0101|JUD-PERF-04||"
    "Prosecution case-tracking system|"
    "An electronic case-tracking system linking the prosecution offices with the police and the "
    "courts.",
    "XX-USS-CAR-2021-002|USS|USS|MJC|2021-02|2021-12|EUR 280|"
    "MJHR|legislative_drafting|15130|@XCA0101|||"
    "Revision of the Criminal Procedure Code|"
    "Drafting support to the ministry for a revised Criminal Procedure Code and its consultation "
    "with the judiciary and the bar.|"
    "Révision du Code de procédure pénale|",
    "XX-WFM-CAR-2023-003|WFM|WFM|MJC|2023-01|2023-09|USD 900|"
    "CNP|infrastructure|15210|XCA03|POL-CAP-03|cancelled|"
    "Police posts in {region}|"
    "Construction of six rural police posts in {region}; cancelled when the land could not be "
    "secured.",
)
# Framework indicator: "title|unit (% or n)|baseline|change a year" (a fall for lower-better).
FRAMEWORK_RESULTS = {
    "POL-PERF-01": "Share of residents who would report a crime to the police|%|38|4",
    "POL-PERF-03": "Share of serious offences referred to prosecution with a suspect|%|18|3",
    "POL-INT-01": "Share of contacts with the police without a bribe request|%|52|5",
    "POL-INT-02": "Share of complaints against officers closed with a decision|%|25|6",
    "POL-INT-03": "Share of stations displaying the code of conduct and complaint line|%|30|12",
    "POL-VUL-02": "Share of residents satisfied with police handling of SGBV reports|%|28|5",
    "POL-VUL-03": "Perceived equal treatment by the police (mean, 1 to 5)|n|2.4|0.2",
    "POL-CAP-01": "Police officers per 100,000 inhabitants|n|190|8",
    "POL-CAP-02": "Share of police officers who are women|%|11|1.5",
    "POL-CAP-03": "Share of stations with transport, radios and secure storage|%|22|12",
    "POL-CAP-04": "Share of serving officers who completed basic training|%|55|6",
    "JUD-PERF-01": "Case clearance rate (cases disposed of per new case)|n|0.72|0.06",
    "JUD-PERF-03": "Perceived timeliness of the courts (mean, 1 to 5)|n|2.3|0.15",
    "JUD-PERF-04": "Share of case files decided by the prosecution within six months|%|34|6",
    "JUD-PERF-05": "Share of accused persons assisted by a lawyer|%|21|7",
    "JUD-INT-03": "Share of courts publishing judgements and hearing schedules|%|15|10",
    "JUD-VUL-01": "Share of juvenile cases heard by a juvenile judge|%|20|8",
    "JUD-VUL-02": "Perceived equal access to justice (mean, 1 to 5)|n|2.2|0.15",
    "JUD-CAP-01": "Professional judges per 100,000 inhabitants|n|1.9|0.3",
    "JUD-CAP-02": "Legal aid lawyers and paralegals per 100,000 inhabitants|n|0.6|0.3",
    "JUD-CAP-03": "Share of judges and prosecutors who are women|%|17|2",
    "COR-PERF-01": "Pre-trial detainees as a share of all prisoners|%|71|-4",
    "COR-PERF-02": "Share of prisoners with a valid detention order on file|%|64|6",
    "COR-INT-01": "Share of prisons visited unannounced by an independent monitor|%|10|20",
    "COR-CAP-04": "Share of prison staff who completed basic training|%|31|8",
    "OV-PERF-01": "Hearings of the parliamentary defence committee a year|n|2|2",
    "OV-INT-01": "Expert rating of the Commission's independence (1 to 5)|n|2.1|0.2",
    "OV-INT-03": "Share of referred corruption cases with a prosecution decision|%|12|6",
    "OV-VUL-02": "Share of people who know how to complain to the Commission|%|18|6",
    "OV-CAP-01": "Research staff in post for the defence committee|n|2|1",
    "DM-PERF-01": "Share of the defence budget executed as approved|%|58|6",
    "DM-CAP-01": "Share of military personnel in the biometric HR database|%|35|15",
}
OUTPUTS = {
    "police_reform": ("Officers trained on standard procedures", 120),
    "community_policing": ("Officers trained in community policing", 60),
    "justice_reform": ("Judges, prosecutors and clerks trained", 40),
    "legal_aid": ("Detainees and accused persons assisted by a lawyer", 600),
    "corrections": ("Prison officers trained", 40),
    "defence_reform": ("Defence staff trained in planning and budgeting", 25),
    "oversight": ("Oversight and monitoring reports published", 3),
    "anti_corruption": ("Investigators trained", 20),
    "ddr": ("Former combatants in reintegration programmes", 900),
    "border_management": ("Border officers trained", 50),
    "legislative_drafting": ("Draft laws submitted", 1),
    "vetting": ("Officers vetted", 2000),
    "human_rights_training": ("Officers trained in human rights", 150),
    "gender_sgbv": ("Officers trained on sexual and gender-based violence", 45),
    "infrastructure": ("Buildings rehabilitated or built", 2),
    "equipment": ("Sites equipped", 8),
    "mine_action": ("Hectares cleared of explosive ordnance", 120),
    "ssr_general": ("Advisory products delivered", 6),
}

PLANTED_DUPLICATES = (
    "XM-DAC-41114-CAR-2022-003|XX-GPP-CAR-2023-002|community policing, same station, 2023-24",
    "XX-NAIC-CAR-2023-014|XX-JWBI-CAR-2023-002|one legal-aid grant, funder's and NGO's record",
    "XX-UNODC-CAR-2023-006|XX-EADC-CAR-2024-002|case-flow training, same High Court, 2024-25",
    "XX-WJNC-CAR-2024-001|XX-USS-CAR-2024-003|gender desks and SGBV units, same stations",
)
NEAR_MISSES = (
    "XX-NAIC-CAR-2021-002|XM-DAC-41114-CAR-2022-003|same police and district, 2021 only",
    "XX-USS-CAR-2022-001|XM-DAC-41114-CAR-2022-003|same police and district, equipment",
    "XX-UNMICA-CAR-2023-005|XX-GPP-CAR-2023-002|community policing in another region",
    "XX-CSFC-CAR-2024-001|XM-DAC-41114-CAR-2022-003|community policing in Tarunga",
    "XX-CBA-CAR-2023-001|XX-UNODC-CAR-2023-006|same High Court, legal aid not case-flow",
    "XM-DAC-41114-CAR-2023-011|XX-UNODC-CAR-2023-006|case management in another region",
    "XX-OHCHR-CAR-2024-005|XX-WJNC-CAR-2024-001|SGBV in XCA0501, courts not police",
)
PLANTED_GAPS = [
    "rule_of_law corrections/capacity (COR-CAP): the weakest dimension of the latest round; "
    "only XX-UNODC-CAR-2024-003 (about USD 180,000 of staff training) addresses it",
    "rule_of_law corrections/vulnerable_groups (COR-VUL): falling every round; no activity",
    "XCA07 Lesedi: the most violent region since 2024; no activity or training located there",
    "XCA06 Nkoro: renewed fighting from 2026; no activity or training located there, while "
    "Kalari (XCA01), Soloba (XCA04) and Ambara (XCA08) hold most programmes",
]

# Courses: code|title|capability|tags|days|designer (acronym).
COURSES = (
    "POL-CP-01|Community policing and problem solving|community_policing|"
    "community_policing,human_rights,ethics|5|GPP",
    "POL-HR-01|Human rights in arrest, detention and the use of force|human_rights_training|"
    "human_rights,public_order,ethics|3|OHCHR",
    "POL-INV-01|Criminal investigation and crime-scene management|police_reform|"
    "investigation,forensics,sops|10|UNODC",
    "POL-PO-01|Public order management|police_reform|public_order,human_rights,sops|5|UNMICA",
    "POL-SGBV-01|Investigating sexual and gender-based violence|gender_sgbv|"
    "gender_sgbv,investigation,human_rights|5|WJNC",
    "POL-LDR-01|Leadership for station commanders|police_reform|leadership,ethics,sops|4|GPP",
    "JUS-CM-01|Criminal case management for courts and prosecutors|justice_reform|"
    "case_management,ethics|4|UNODC",
    "JUS-JJ-01|Juvenile justice and diversion|justice_reform|human_rights,case_management|3|JWBI",
    "COR-PM-01|Basic prison management and safe custody|corrections|"
    "prison_management,human_rights,sops|10|UNODC",
    "ALL-ETH-01|Professional ethics and integrity|anti_corruption|ethics,leadership|2|UNDP",
)
# Sessions: course|funding activity|district P-code|months|R: re-trains earlier attendees.
SESSIONS = (
    "POL-CP-01|XM-DAC-41114-CAR-2022-003|XCA0401|2022-06,2023-03|",
    "POL-CP-01|XX-GPP-CAR-2023-002|XCA0401|2023-10,2024-05|R",
    "POL-CP-01|XX-UNMICA-CAR-2023-005|XCA0801|2023-06|",
    "POL-CP-01|XX-CSFC-CAR-2024-001|XCA0302|2024-04|",
    "POL-HR-01|XX-OHCHR-CAR-2022-006|XCA0301|2022-05,2024-06|",
    "POL-HR-01|XX-OHCHR-CAR-2022-006|XCA0802|2023-09|",
    "POL-INV-01|XX-UNODC-CAR-2022-008|XCA0101|2022-09,2024-10|",
    "POL-INV-01|XX-UNODC-CAR-2022-008|XCA0301|2023-11|",
    "POL-PO-01|XX-UNMICA-CAR-2021-001|XCA0101|2022-11,2025-03|",
    "POL-SGBV-01|XX-WJNC-CAR-2024-001|XCA0501|2024-06|",
    "POL-SGBV-01|XX-USS-CAR-2024-003|XCA0501|2025-02,2025-10|R",
    "POL-LDR-01|XX-GPP-CAR-2025-001|XCA0801|2025-05|",
    "POL-LDR-01|XX-GPP-CAR-2025-001|XCA0802|2026-03|",
    "JUS-CM-01|XM-DAC-41114-CAR-2022-009|XCA0101|2022-10|",
    "JUS-CM-01|XX-UNODC-CAR-2023-006|XCA0801|2023-07|",
    "JUS-CM-01|XX-EADC-CAR-2024-002|XCA0801|2024-04|R",
    "JUS-JJ-01|XX-EADC-CAR-2022-004|XCA0402|2023-02|",
    "COR-PM-01|XX-UNODC-CAR-2024-003|XCA0101|2024-05,2025-02|",
    "ALL-ETH-01|XX-NAIC-CAR-2022-003|XCA0101|2023-04,2024-09|",
)
# Who attends a course family: institution (as trainees name it) and its weight.
AUDIENCES = {
    "POL": (("CNP", 1.0),),
    "JUS": (("Judiciary of Carana", 0.55), ("OPG", 0.45)),
    "COR": (("CPS", 1.0),),
    "ALL": (("CNP", 0.8), ("OPG", 0.2)),
}
# Institution: service-number prefix and digits, share of women; ranks junior first, weighted.
PERSONNEL = {
    "CNP": ("CNP", 6, 0.22),
    "CPS": ("CPS", 5, 0.18),
    "Judiciary of Carana": ("JSC", 4, 0.32),
    "OPG": ("OPG", 4, 0.3),
}
RANKS = {
    "CNP": "Constable:45,Corporal:20,Sergeant:15,Inspector:12,Chief Inspector:5,Superintendent:3",
    "CPS": "Prison Officer:55,Senior Prison Officer:25,Principal Officer:15",
    "Judiciary of Carana": "Clerk:35,Magistrate:50,High Court Judge:15",
    "OPG": "State Attorney:55,Senior State Attorney:30,Chief Prosecutor:15",
}
SENIOR = ("Inspector", "Chief Inspector", "Superintendent")
# Vetting and deployment odds: the police vetting programme cleared most officers and dismissed
# those it rejected; gender desks lose trained officers; overcrowded prisons lose their staff.
VETTING = {
    "CNP": "cleared:78,pending:7,rejected:5,not_vetted:10",
    "CPS": "not_vetted:85,pending:15",
    "justice": "cleared:90,pending:8,rejected:2",
}
DEPLOYMENT = {
    "rejected": "dismissed:85,left:15",
    "sgbv": "serving:55,reassigned:38,left:7",
    "cleared": "serving:82,reassigned:11,left:5,deceased:2",
    "CNP": "serving:55,reassigned:20,left:15,unknown:10",
    "CPS": "serving:55,reassigned:15,left:25,unknown:5",
    "justice": "serving:90,reassigned:6,left:4",
}
ONSETS = ("k", "m", "t", "s", "w", "n", "l", "b", "r", "d", "z", "f", "g", "ch", "nd", "mb", "y")
VOWELS = ("a", "e", "i", "o", "u", "a", "i")
ENDINGS = {
    Sex.FEMALE: ("na", "ra", "la", "ni", "sa", "ya", "ise", "ima", "eni"),
    Sex.MALE: ("ro", "bo", "ko", "ndu", "mo", "ri", "to", "tu", "leke"),
}


@dataclass(slots=True)
class CoordinationScenario:
    """Programmes, training and the planted findings that go with the Carana scenario."""

    actors: list[Actor] = field(default_factory=list)
    """Organisations not already in ``Scenario.actors``."""
    actor_merge_candidates: list[tuple[str, str]] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    trainings: TrainingRecords = field(default_factory=TrainingRecords)
    planted_duplicates: list[tuple[str, str, str]] = field(default_factory=list)
    """Pairs of activity identifiers that report the same work, with the reason."""
    near_misses: list[tuple[str, str, str]] = field(default_factory=list)
    """Pairs that look alike but are not duplicates, with the difference."""
    planted_gaps: list[str] = field(default_factory=list)
    planted_overspend: list[str] = field(default_factory=list)
    """Activities that disbursed more than they committed."""


@dataclass(slots=True)
class _Places:
    regions: dict[str, tuple[str, str]]  # pcode -> (name, seat town)
    districts: dict[str, str]  # pcode -> name
    towns: dict[str, tuple[str, float, float]]  # district pcode -> its town (name, lon, lat)


@dataclass(slots=True)
class _Person:
    number: str
    institution: str
    name: str
    sex: Sex
    rank: str
    birth_year: int
    district: str
    courses: set[str] = field(default_factory=set)


def build_coordination(scenario: Scenario, *, seed: int) -> CoordinationScenario:
    """Programmes, money and training for ``scenario``; the same seed gives the same output."""
    rng = random.Random(seed)
    places = _places(scenario)
    new = [_actor(row) for row in NEW_ACTORS]
    actors = {a.acronym or a.name: a for a in (*scenario.actors, *new)}
    built: dict[str, Activity] = {}
    for row in ACTIVITIES:
        activity = _activity(rng, row.split("|"), places, actors, built)
        built[activity.identifier] = activity
    return CoordinationScenario(
        actors=new,
        actor_merge_candidates=list(MERGE_CANDIDATES),
        activities=list(built.values()),
        trainings=_trainings(rng, places, actors, built),
        planted_duplicates=[_triple(row) for row in PLANTED_DUPLICATES],
        near_misses=[_triple(row) for row in NEAR_MISSES],
        planted_gaps=list(PLANTED_GAPS),
        planted_overspend=["XX-WFM-CAR-2021-004"],
    )


def _actor(row: str) -> Actor:
    name, category, kind, acronym, iati, variants = row.split("|")
    home = ISO3 if category == "national_ngo" else None
    names = tuple(v for v in variants.split(";") if v)
    group, org_type = ActorCategory(category), OrganisationType[kind]
    return Actor(name, group, org_type, acronym, iati or None, home, names)


def _triple(row: str) -> tuple[str, str, str]:
    first, second, reason = row.split("|")
    return first, second, reason


def _pick(rng: random.Random, odds: str) -> str:
    """One value of "value:weight,value:weight..." drawn by weight."""
    pairs = [item.split(":") for item in odds.split(",")]
    return rng.choices([value for value, _ in pairs], [int(w) for _, w in pairs])[0]


def _places(scenario: Scenario) -> _Places:
    towns: dict[str, tuple[str, float, float]] = {}
    for town in scenario.settlements:
        towns.setdefault(town.admin_pcode or "", (town.name, town.lon, town.lat))
    regions = {}
    for region in scenario.regions:
        seat = next(name for code, (name, _, _) in towns.items() if code[:5] == region.pcode)
        regions[region.pcode] = (region.name, seat)
    return _Places(regions, {d.pcode: d.name for d in scenario.districts}, towns)


def _month(text: str, *, last: bool = False) -> date:
    year, month = (int(part) for part in text.split("-"))
    return date(year, month, calendar.monthrange(year, month)[1] if last else 1)


def _years(start: date, end: date) -> list[tuple[date, date]]:
    """The calendar-year pieces of [start, end]."""
    years = range(start.year, end.year + 1)
    return [(max(start, date(y, 1, 1)), min(end, date(y, 12, 31))) for y in years]


def _days(piece: tuple[date, date]) -> int:
    return (piece[1] - piece[0]).days + 1


def _locations(codes: list[str], places: _Places) -> tuple[list[ActivityLocation], dict[str, str]]:
    out: list[ActivityLocation] = []
    for code in codes:
        if code.startswith("@"):
            name, lon, lat = places.towns[code[1:]]
            out.append(ActivityLocation(name, lon=lon, lat=lat, country_iso3=ISO3))
            continue
        level = 1 if len(code) == 5 else 2
        name = places.regions[code][0] if level == 1 else places.districts[code]
        out.append(ActivityLocation(name, country_iso3=ISO3, admin_level=level, admin_code=code))
    first = codes[0].lstrip("@")
    district = first if len(first) > 5 else next(c for c in places.towns if c[:5] == first)
    region, town = places.regions[first[:5]][0], places.towns[district][0]
    return out, {"region": region, "district": places.districts[district], "town": town}


def _activity(
    rng: random.Random,
    row: list[str],
    places: _Places,
    actors: dict[str, Actor],
    built: dict[str, Activity],
) -> Activity:
    ident, reporter, funders, doers, start_m, end_m, money, insts, caps, sectors = row[:10]
    locs, fw, flags, title, text, *fr = row[10:]
    start, end = _month(start_m), _month(end_m, last=True)
    currency, thousands = money.split()
    total = float(round(int(thousands) * 1000 * rng.uniform(0.95, 1.05), -3))
    mirror = built[flags[7:]] if flags.startswith("mirror:") else None
    if mirror is not None:
        total = sum(mirror.total(TransactionType.OUTGOING_COMMITMENT).values())
    locations, words = _locations(locs.split(","), places)
    funding = [actors[k] for k in funders.split(",")]
    implementing = [actors[k] for k in doers.split(",")]
    rep = actors[reporter]
    status = ActivityStatus.IMPLEMENTATION
    if flags == "cancelled":
        status = ActivityStatus.CANCELLED
    elif start > AS_OF:
        status = ActivityStatus.PIPELINE
    elif end <= AS_OF:
        recent = end > AS_OF - timedelta(days=90)
        status = ActivityStatus.FINALISATION if recent else ActivityStatus.CLOSED
    roles = [(OrgRole.FUNDING, a) for a in funding]
    if rep in funding and rep not in implementing:
        roles.append((OrgRole.EXTENDING, rep))
    roles += [(OrgRole.IMPLEMENTING, a) for a in implementing]
    activity = Activity(
        identifier=ident,
        title={"en": title, "fr": fr[0] if fr else ""},
        description={"en": text, "fr": fr[1] if fr else ""},
        status=status,
        planned_start=start,
        actual_start=start if start <= AS_OF else None,
        planned_end=end,
        actual_end=end if end <= AS_OF else None,
        reporting_org=_participant(OrgRole.EXTENDING, rep),
        participants=[_participant(role, a) for role, a in roles],
        countries=[(ISO3, 100.0)],
        sectors=[_sector(s) for s in sectors.split(",")],
        capabilities=[Capability(c) for c in caps.split(",")],
        institution_refs=insts.split(","),
        locations=locations,
        budgets=[
            Budget(
                a, b, Money(float(round(total * _days((a, b)) / _days((start, end)))), currency, a)
            )
            for a, b in _years(start, end)
        ],
        default_currency=currency,
    )
    # Fill the place names in; drop the French texts the table leaves empty.
    activity.title = {k: v.format(**words) for k, v in activity.title.items() if v}
    activity.description = {k: v.format(**words) for k, v in activity.description.items() if v}
    if status not in (ActivityStatus.CANCELLED, ActivityStatus.PIPELINE):
        activity.transactions = _transactions(
            rng, activity, total, (funding[0], implementing[0], rep), flags == "overspend", mirror
        )
    if status != ActivityStatus.CANCELLED:
        codes = [code for code in fw.split(",") if code]
        activity.results = _results(rng, caps.split(",")[0], codes, start, end)
    return activity


def _participant(role: OrgRole, actor: Actor) -> Participant:
    return Participant(role, actor.name, actor.iati_org_id, str(actor.org_type.value))


def _sector(text: str) -> SectorShare:
    code, _, pct = text.partition(":")
    return SectorShare(code, "1", float(pct) if pct else 100.0)


def _transactions(
    rng: random.Random,
    activity: Activity,
    total: float,
    who: tuple[Actor, Actor, Actor],
    overspend: bool,
    mirror: Activity | None,
) -> list[Transaction]:
    """A commitment, yearly payments and spending; incoming flows when an implementer reports."""
    assert activity.start is not None and activity.end is not None
    (funder, doer, reporter), currency = who, activity.default_currency or "USD"
    start, end, tt = activity.start, activity.end, TransactionType
    hi = min(end, AS_OF)
    commit, pay = (tt.OUTGOING_COMMITMENT, tt.DISBURSEMENT)
    if reporter is not funder:
        commit, pay = (tt.INCOMING_COMMITMENT, tt.INCOMING_FUNDS)
    # An implementer names the funder's activity as the provider, as IATI's provider-activity-id.
    provider_ref = mirror.identifier if mirror is not None else funder.iati_org_id
    parties = {"provider": funder.name, "provider_ref": provider_ref, "receiver": doer.name}
    parties["receiver_ref"] = doer.iati_org_id
    out = [Transaction(commit, start, Money(total, currency, start), **parties)]
    payments: list[tuple[date, float]] = []
    if mirror is not None:  # the implementer's record of the funder's disbursements
        for t in mirror.transactions:
            if t.type == tt.DISBURSEMENT:
                payments.append((min(hi, max(start, t.date + timedelta(days=4))), t.amount.value))
    else:
        rate = 1.12 if overspend else rng.uniform(0.78, 0.95)
        for lo, up in _years(start, hi):
            when = lo + timedelta(days=rng.randrange((up - lo).days + 1))
            payments.append(
                (when, float(round(total * rate * _days((lo, up)) / _days((start, end)))))
            )
    for when, value in payments:
        out.append(Transaction(pay, when, Money(value, currency, when), **parties))
        if reporter is doer:
            spent = min(hi, when + timedelta(days=rng.randint(10, 90)))
            value = float(round(value * rng.uniform(0.8, 0.97)))
            out.append(Transaction(tt.EXPENDITURE, spent, Money(value, currency, spent)))
    return out


def _results(
    rng: random.Random, capability: str, codes: list[str], start: date, end: date
) -> list[Result]:
    """One output for the main capability; an outcome for each framework indicator."""
    pieces = _years(start, end)
    title, per_year = OUTPUTS[capability]
    periods = []
    for k, (lo, up) in enumerate(pieces, start=1):
        actual = float(round(per_year * k * rng.uniform(0.6, 1.1))) if up <= AS_OF else None
        periods.append(ResultPeriod(lo, up, float(per_year * k), actual))
    output = ResultIndicator(title, "1", 0.0, start.year, tuple(periods))
    results = [Result(f"Outputs: {title.lower()}", "1", (output,))]
    indicators = []
    for code in codes:
        name, unit, base, step = FRAMEWORK_RESULTS[code].split("|")
        top = 98.0 if unit == "%" else float("inf")
        baseline = round(float(base) * rng.uniform(0.9, 1.1), 2)
        outcome = []
        for k, (lo, up) in enumerate(pieces, start=1):
            target = min(top, baseline + float(step) * k)
            realised = min(top, baseline + float(step) * k * rng.uniform(0.2, 1.1))
            actual = round(realised, 2) if up <= AS_OF else None
            outcome.append(ResultPeriod(lo, up, round(target, 2), actual))
        measure = "2" if unit == "%" else "1"
        periods_ = tuple(outcome)
        indicators.append(ResultIndicator(name, measure, baseline, start.year - 1, periods_, code))
    if indicators:
        results.append(Result("Outcomes", "2", tuple(indicators)))
    return results


def _name(rng: random.Random, sex: Sex) -> str:
    """A Caranese-sounding name from syllables; it belongs to no real person."""

    def syllables(n: int) -> str:
        return "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(n))

    given = syllables(rng.randint(1, 2)) + rng.choice(ENDINGS[sex])
    family = syllables(rng.randint(2, 3))
    if family[0] in "bdgkz" and rng.random() < 0.3:  # a nasal onset: Mbeshe, Nkoro
        family = ("m" if family[0] == "b" else "n") + family
    return f"{given.capitalize()} {family.capitalize()}"


def _trainings(
    rng: random.Random, places: _Places, actors: dict[str, Actor], activities: dict[str, Activity]
) -> TrainingRecords:
    records = TrainingRecords()
    days: dict[str, int] = {}
    for row in COURSES:
        code, title, topic, tags, duration, designer = row.split("|")
        days[code] = int(duration)
        tag_list = tuple(tags.split(","))
        records.courses.append(
            Course(code, title, topic, tag_list, int(duration), actors[designer].name)
        )
    people: dict[str, _Person] = {}
    numbers: dict[str, set[int]] = {inst: set() for inst in PERSONNEL}
    attended: dict[tuple[str, str], list[str]] = {}  # (course, district) -> people's keys
    for row in SESSIONS:
        code, ident, district, months, flag = row.split("|")
        implementers = activities[ident].participants
        provider = next(p.name for p in implementers if p.role == OrgRole.IMPLEMENTING)
        audience = [inst for inst, _ in AUDIENCES[code.split("-")[0]]]
        shares = [share for _, share in AUDIENCES[code.split("-")[0]]]
        for month in months.split(","):
            start = _month(month) + timedelta(days=rng.randrange(20))
            end = start + timedelta(days=days[code] - 1)
            town = places.towns[district][0]
            index = len(records.sessions)
            records.sessions.append(
                TrainingSession(code, start, end, town, provider, ident, admin_code=district)
            )
            earlier = list(attended.get((code, district), []))
            here: list[str] = []
            size = rng.randint(18, 25) if code.startswith("JUS") else rng.randint(20, 28)
            while len(here) < size:
                inst = rng.choices(audience, shares)[0]
                again = [k for k in earlier if k not in here and people[k].institution == inst]
                others = [
                    k
                    for k, p in people.items()
                    if (p.institution, p.district) == (inst, district)
                    and code not in p.courses
                    and k not in here
                ]
                if flag == "R" and again and rng.random() < 0.55:
                    key = rng.choice(again)
                elif others and rng.random() < 0.2:
                    key = rng.choice(others)
                else:
                    person = _person(rng, inst, district, code, numbers)
                    key = f"{inst}/{person.number}"
                    people[key] = person
                here.append(key)
                people[key].courses.add(code)
            attended.setdefault((code, district), []).extend(here)
            for key in here:
                p, completed = people[key], rng.random() < 0.93
                score = round(min(99.0, max(35.0, rng.gauss(74, 11))), 1) if completed else None
                passed = completed and (score or 0) >= 60
                taken = Participation(None, p.number, p.institution, completed, passed, score)
                records.attendance.append((index, taken))
    records.trainees = [_trainee(rng, p) for p in people.values()]
    return records


def _person(
    rng: random.Random, inst: str, district: str, course: str, numbers: dict[str, set[int]]
) -> _Person:
    prefix, digits, women = PERSONNEL[inst]
    sex = Sex.FEMALE if rng.random() < (0.5 if course == "POL-SGBV-01" else women) else Sex.MALE
    rank = rng.choice(SENIOR) if course == "POL-LDR-01" else _pick(rng, RANKS[inst])
    number = rng.randrange(10 ** (digits - 1), 10**digits)
    while number in numbers[inst]:
        number = rng.randrange(10 ** (digits - 1), 10**digits)
    numbers[inst].add(number)
    ladder = [item.split(":")[0] for item in RANKS[inst].split(",")]
    born = rng.randint(1992, 2002) - 18 * ladder.index(rank) // len(ladder) - rng.randint(0, 8)
    number_text = f"{prefix}-{number:0{digits}d}"
    return _Person(number_text, inst, _name(rng, sex), sex, rank, born, district)


def _trainee(rng: random.Random, p: _Person) -> Trainee:
    """Vetting and deployment as the personnel records stood in May 2026."""
    group = p.institution if p.institution in ("CNP", "CPS") else "justice"
    vetting = VettingStatus(_pick(rng, VETTING[group]))
    odds = DEPLOYMENT[group]
    if vetting == VettingStatus.REJECTED:
        odds = DEPLOYMENT["rejected"]
    elif group == "CNP" and "POL-SGBV-01" in p.courses:
        odds = DEPLOYMENT["sgbv"]
    elif group == "CNP" and vetting == VettingStatus.CLEARED:
        odds = DEPLOYMENT["cleared"]
    deployment = DeploymentStatus(_pick(rng, odds))
    confirmed = date(2026, 5, 31) - timedelta(days=rng.randrange(60))
    return Trainee(
        p.number, p.institution, p.name, p.sex, p.rank, p.birth_year, vetting, deployment, confirmed
    )
