"""The valid seed file of every importer the fuzz tests break, and the ingest-level readers.

Seeds are written here, in code, so that what is fuzzed can be read: CSV files as their text,
workbooks as their rows, the IATI file as its XML, PDF and DOCX built in memory. Each one
reads without a row-level problem (``test_the_seeds_read_without_problems_of_their_own``).
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from fuzz_support import TODAY, Seed, csv_bytes, workbook

from peaceops.domain.surveys import Submission, SurveyForm
from peaceops.errors import Problem
from peaceops.ingest import (
    complaints,
    documents,
    geojson,
    geopko,
    governance,
    hxl,
    iati,
    iati3w,
    incidents,
    legal_tracker,
    submissions,
    trainings,
    ucdp_ged,
    xlsform,
)


def rows_of(text: str) -> list[list[Any]]:
    return list(csv.reader(io.StringIO(text.strip() + "\n", newline="")))


def _csv(text: str) -> Callable[[], bytes]:
    return lambda: (text.strip() + "\n").encode("utf-8")


def _book(sheets: dict[str, str]) -> tuple[Callable[[], bytes], Callable[[], dict[str, Any]]]:
    """(the workbook's bytes, its rows by sheet) of sheets given as CSV text."""
    rows = {title: rows_of(text) for title, text in sheets.items()}
    return cache(lambda: workbook(rows)), lambda: rows


GED_COLUMNS = "id,type_of_violence,conflict_name,side_a,side_b,country,country_id,adm_1,"
GED_COLUMNS += (
    "latitude,longitude,priogrid_gid,where_prec,date_prec,date_start,date_end,best,low,high"
)
GED_CSV = f"""
{GED_COLUMNS}
901,1,Carana: Government,Government of Carana,CLF,Carana,999,North,4.5,18.5,150000,1,1,\
2024-03-01,2024-03-02,3,2,5
902,3,,CLF,Civilians,,,,,,,,,2024-04-01,2024-04-01,1,1,1
"""


def ged_geojson() -> bytes:
    def feature(i: int, kind: int, lon: float, lat: float) -> dict[str, Any]:
        properties = {"id": i, "type_of_violence": kind, "best": 4, "low": 2, "high": 9}
        properties |= {"date_start": "2024-05-01", "date_end": "2024-05-03", "country": "Carana"}
        point = {"type": "Point", "coordinates": [lon, lat]}
        return {"type": "Feature", "geometry": point, "properties": properties}

    features = [feature(903, 1, 18.1, 4.2), feature(904, 2, 19.0, 5.0)]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


IATI_XML = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" generated-datetime="2026-01-01T00:00:00">
 <iati-activity default-currency="USD" xml:lang="en">
  <iati-identifier>XM-FUZZ-1</iati-identifier>
  <reporting-org ref="XM-FUZZ" type="40"><narrative>Fuzz Fund</narrative></reporting-org>
  <title><narrative>Police training in Carana</narrative>
   <narrative xml:lang="fr">Formation de la police</narrative></title>
  <description><narrative>Basic training of police officers.</narrative></description>
  <participating-org role="1" ref="XM-FUZZ"><narrative>Fuzz Fund</narrative></participating-org>
  <participating-org role="4"><narrative>Carana Police</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2024-01-01"/>
  <activity-date type="3" iso-date="2025-12-31"/>
  <recipient-country code="CF" percentage="100"/>
  <sector vocabulary="1" code="15130" percentage="100"/>
  <location><name><narrative>Bangui</narrative></name><point srsName="x"><pos>4.36 18.55</pos>
   </point></location>
  <budget type="1"><period-start iso-date="2024-01-01"/><period-end iso-date="2024-12-31"/>
   <value currency="USD" value-date="2024-01-01">250000</value></budget>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2024-02-01"/>
   <value value-date="2024-02-01">1000.50</value>
   <provider-org ref="XM-FUZZ"><narrative>Fuzz Fund</narrative></provider-org></transaction>
  <result type="1"><title><narrative>Officers trained</narrative></title>
   <indicator measure="1"><title><narrative>Number trained</narrative></title>
    <baseline year="2023" value="0"/>
    <period><period-start iso-date="2024-01-01"/><period-end iso-date="2024-12-31"/>
     <target value="100"/><actual value="80"/></period></indicator></result>
  <contact-info><organisation><narrative>Fuzz</narrative></organisation></contact-info>
 </iati-activity>
 <iati-activity>
  <iati-identifier>XM-FUZZ-2</iati-identifier>
  <title><narrative>Court rehabilitation</narrative></title>
  <participating-org role="4" ref="XM-OTHER"><narrative>Other NGO</narrative></participating-org>
  <recipient-country code="CAF"/>
 </iati-activity>
</iati-activities>
"""

IATI3W_JSON = """[
 {"identifier": "XM-3W-1", "title": "Police training", "description": "Training",
  "reported_by": "undp",
  "orgs": {"funding": ["eu"], "implementing": ["undp"], "programming": []},
  "dates": {"start": "2021-01-01", "end": "2022-06-30"}, "active": false,
  "locations": {"countries": ["SO"], "admin1": ["Bay"], "unclassified": ["Baidoa"]},
  "sectors": {"dac": ["Government & Civil Society"], "humanitarian": ["Protection"]}},
 {"identifier": "XM-3W-2", "title": "Courts", "dates": {"start": "1900-01-01"}}
]"""

HXL_CSV = """
Code,Org,Funder,Activity,Sector,Region,Start,End,Budget
#activity+code,#org+impl,#org+funder,#activity+name,#sector,#adm1+name,#date+start,#date+end,#value+usd
A-1,UNDP,EU,Court rehabilitation,Justice,Bay,2024-01-01,2024-12-31,120000
A-1,UNDP,EU,Court rehabilitation,Justice,Bari,2024-01-01,2024-12-31,120000
A-2,NRC,,Legal aid,Protection,,01/02/2024,,"1,500"
"""

XLSFORM = {
    "survey": """
type,name,label::English (en),label::French (fr),required
begin group,respondent,Respondent,Répondant,
integer,age,Age,Âge,yes
select_one sex,sex,Sex,Sexe,
text,resp_name,Name,Nom,
end group,,,,
select_one scale,trust_police,Trust the police?,Confiance?,
select_multiple problems,problems,Problems,Problèmes,
geopoint,gps,Where,Où,
begin repeat,household,Household,Ménage,
integer,member_age,Member age,Âge du membre,
end repeat,,,,
""",
    "choices": """
list_name,name,label::English (en),label::French (fr)
sex,f,Female,Femme
sex,m,Male,Homme
scale,1,Not at all,Pas du tout
scale,2,Somewhat,Un peu
scale,3,Fully,Tout à fait
problems,theft,Theft,Vol
problems,violence,Violence,Violence
""",
    "settings": "form_id,version,form_title\nfuzz_form,2026.1,Fuzz survey",
    "peaceops": "name,role,item,recode\nresp_name,personal,,\nsex,sex,,\nage,age,,",
}
xlsform_bytes, xlsform_sheets = _book(XLSFORM)


@cache
def fuzz_form() -> SurveyForm:
    """The questionnaire the submissions seeds answer (read from the XLSForm seed)."""
    from peaceops.ingest.xlsform import read_xlsform

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz_form.xlsx"
        path.write_bytes(xlsform_bytes())
        return read_xlsform(path)


def _submissions() -> list[Submission]:
    return [
        Submission(
            f"uuid-{i}",
            {
                "age": 20 + i,
                "sex": "f" if i % 2 else "m",
                "resp_name": f"Person {i}",
                "trust_police": str(1 + i % 3),
                "problems": ("theft", "violence") if i % 2 else ("theft",),
                "gps": (4.3 + i / 100, 18.5, 0.0, 5.0),
            },
            repeats={"household": ({"member_age": 30 + i}, {"member_age": 5})},
        )
        for i in range(3)
    ]


def _export(writer_name: str, filename: str, **options: str) -> Callable[[], bytes]:
    """The seed submissions as a writer of ``ingest.submissions_write`` exports them."""

    @cache
    def build() -> bytes:
        from peaceops.ingest import submissions_write

        writer = getattr(submissions_write, writer_name)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / filename
            writer(_submissions(), fuzz_form(), path, **options)
            return path.read_bytes()

    return build


def _rows_of_book(build: Callable[[], bytes]) -> Callable[[], dict[str, Any]]:
    def sheets() -> dict[str, Any]:
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(build()))
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb}

    return sheets


BOUNDARIES = """{"type": "FeatureCollection", "features": [
 {"type": "Feature",
  "properties": {"pcode": "XCA-FZ1", "name": "Fuzz North", "country_iso3": "XCA",
                 "parent_pcode": null},
  "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}},
 {"type": "Feature",
  "properties": {"pcode": "XCA-FZ2", "name": "Fuzz South", "country_iso3": "XCA"},
  "geometry": {"type": "MultiPolygon", "coordinates": [[[[2, 2], [3, 2], [3, 3], [2, 2]]],
                                                       [[[4, 4], [5, 4], [5, 5], [4, 4]]]]}}
]}"""

INCIDENT_CSV = f"""
{",".join(incidents.COLUMNS)}
INC-1,2026-03-01,day,attack_on_police,18.5,4.4,,exact,Checkpoint,,CLF; unknown,2,1,3,4,\
"Patrol report
Radio",Shots at dawn.,
INC-2,2026-03-02,,protest,,,North,,,,,,,,,,Market protest,photo.jpg
"""

COMPLAINT_CSV = f"""
{",".join(complaints.COLUMNS)}
R-1,2026-03-02,extortion,,,,2026-03-01,Asked for money at a checkpoint,no,Awa D.,\
+236 70 00 00 00,female,fr,,,
R-2,2026-03-05,extortion,,,,,Bribe for release,yes,,,,,,,
"""

TRACKER_CSV = """
code,title_en,title_fr,sector,institutions,stage,date,evidence,supported_by
fuzz-statute,Statute,Statut,justice,courts; prosecution,drafting,2024-02-01,Drafting note,
fuzz-statute,,,,,consultation,2024-09-10,Workshop report,
"""
tracker_book, tracker_sheets = _book({"tracker": TRACKER_CSV})

TRAINING = {
    "courses": """
code,title,topic,tags,duration_days,provider
FZ-HR-01,Human rights for police,human_rights_training,ethics,3,OHCHR
""",
    "sessions": """
session_ref,course_code,start,end,place,admin_code,provider,activity_identifier
S1,FZ-HR-01,2024-03-06,2024-03-08,Bangui,,,
""",
    "participants": f"""
{",".join(trainings.COLUMNS["participants"])}
S1,FZ-1001,Police,Awa D.,F,Lieutenant,1990,yes,yes,82.5,cleared,serving,2024-06-01
S1,FZ-1002,Police,Jean K.,male,,,,,,,,
""",
}
training_book, training_sheets = _book(TRAINING)

GEOPKO_CSV = """
source,mission,year,month,location,country,latitude,longitude,no.troops,inf,inf.no,hq
Map 1,MINUSCA,2019,6,Bangui,Central African Republic,4.39,18.56,4085,1,1950,3
Map 1,MINUSCA,2019,7,Bria,Central African Republic,6.54,21.99,650,1,650,2
"""

GOVERNANCE_CSV = """
iso3c,year,v2x_polyarchy,v2x_libdem
CAF,2019,0.36,NA
CAF,2018,0.31,0.2
LBR,2019,0.6,0.45
"""

PDF_TEXT = (
    "United Nations Security Council S/2026/101 Report of the Secretary-General on the "
    "situation in Carana. The mission supported the police and the courts in Carana "
    "during the period under review, and the transition plan advanced."
)


def pdf_bytes(text: str = PDF_TEXT) -> bytes:
    """A one-page PDF with a text layer, written by hand (with a correct cross-reference)."""
    words = text.split()
    lines = [" ".join(words[i : i + 10]) for i in range(0, len(words), 10)]
    ops = ["BT", "/F1 11 Tf", "50 750 Td", "14 TL", *(f"({line}) Tj T*" for line in lines)]
    stream = "\n".join([*ops, "ET"]).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    trailer = b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
    out.write(trailer % (len(objects) + 1, xref))
    return out.getvalue()


@cache
def docx_bytes() -> bytes:
    from docx import Document

    doc = Document()
    for paragraph in PDF_TEXT.split(". "):
        doc.add_paragraph(paragraph)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


HTML = (
    "<html><head><title>Report</title><script>alert(1)</script></head><body><h1>Report of "
    f"the Secretary-General</h1><p>{PDF_TEXT}</p><ul><li>Police</li><li>Courts</li></ul>"
    "</body></html>"
)

hxl_book, hxl_sheets = _book({"3W": HXL_CSV})
kobo_xlsx = _export("write_kobo_xlsx", "kobo.xlsx")

SEEDS: list[Seed] = [
    Seed("ucdp_ged", "GEDEvent_v23_1.csv", "csv", _csv(GED_CSV)),
    Seed("ucdp_ged", "GEDEvent_v23_1.geojson", "json", ged_geojson),
    Seed("iati", "activities.xml", "xml", IATI_XML.encode),
    Seed("iati3w", "iati-data_2024-05-01.json", "json", IATI3W_JSON.encode),
    Seed("hxl", "3w.csv", "csv", _csv(HXL_CSV)),
    Seed("hxl", "3w.xlsx", "xlsx", hxl_book, hxl_sheets),
    Seed("xlsform", "fuzz_form.xlsx", "xlsx", xlsform_bytes, xlsform_sheets),
    Seed("submissions", "kobo.csv", "csv", _export("write_kobo_csv", "kobo.csv", separator=",")),
    Seed("submissions", "kobo.xlsx", "xlsx", kobo_xlsx, _rows_of_book(kobo_xlsx)),
    Seed("submissions", "kobo.json", "json", _export("write_kobo_json", "kobo.json")),
    Seed("submissions", "odk.zip", "zip", _export("write_odk_zip", "odk.zip")),
    Seed("submissions", "odata.json", "json", _export("write_odata_json", "odata.json")),
    Seed("geojson", "boundaries.geojson", "json", BOUNDARIES.encode),
    Seed("incidents", "log.csv", "csv", _csv(INCIDENT_CSV)),
    Seed("legal_tracker", "tracker.csv", "csv", _csv(TRACKER_CSV)),
    Seed("legal_tracker", "tracker.xlsx", "xlsx", tracker_book, tracker_sheets),
    Seed("documents", "report.txt", "text", PDF_TEXT.encode),
    Seed("documents", "report.html", "html", HTML.encode),
    Seed("documents", "report.pdf", "pdf", pdf_bytes),
    Seed("documents", "report.docx", "docx", docx_bytes),
    Seed("trainings", "register.xlsx", "xlsx", training_book, training_sheets),
    Seed(
        "trainings",
        "participants.csv",
        "csv",
        _csv(TRAINING["participants"]),
        siblings={
            "courses.csv": _csv(TRAINING["courses"]),
            "sessions.csv": _csv(TRAINING["sessions"]),
        },
    ),
    Seed("complaints", "register.csv", "csv", _csv(COMPLAINT_CSV)),
    Seed("geopko", "geopko.csv", "csv", _csv(GEOPKO_CSV)),
    Seed("governance", "vdem.csv", "csv", _csv(GOVERNANCE_CSV)),
]


# Readers at the ingest level: each returns the problems it reported ------------------------


def _nothing(read: object) -> list[Problem]:
    """No problems: the reader returned (what it read is not checked here)."""
    return []


def _problems(items: Any) -> list[Problem]:
    return [i for i in items if isinstance(i, Problem)]


def read_ingest(importer: str, path: Path) -> list[Problem]:
    """Read ``path`` with the importer's ingest function, as the platform would call it."""
    readers: dict[str, Callable[[Path], list[Problem]]] = {
        "ucdp_ged": lambda p: _problems(ucdp_ged.read_ged(p)),
        "iati": lambda p: _problems(iati.read_iati(p)),
        "iati3w": lambda p: iati3w.read_iati3w(p).problems,
        "hxl": lambda p: hxl.read_3w(p, default_country="SO").problems,
        "xlsform": lambda p: _nothing(xlsform.read_xlsform(p)),
        "submissions": lambda p: submissions.read_submissions(p, fuzz_form()).problems,
        "geojson": lambda p: geojson.read_boundaries(p, level=1, country="XCA").warnings,
        "incidents": lambda p: incidents.read_log(p, country="XCA", today=TODAY).problems,
        "legal_tracker": lambda p: (
            legal_tracker.read_tracker(p, country="XCA", today=TODAY).problems
        ),
        "documents": lambda p: _nothing(documents.read_document(p)),
        "trainings": lambda p: (
            trainings.read_trainings(p if p.suffix == ".xlsx" else p.parent).problems
        ),
        "complaints": lambda p: complaints.read_register(p).problems,
        "geopko": lambda p: _problems(geopko.read_geopko(p)),
        "governance": lambda p: _problems(governance.read_indices(p)),
    }
    return readers[importer](path)


__all__ = ["SEEDS", "csv_bytes", "fuzz_form", "read_ingest"]
