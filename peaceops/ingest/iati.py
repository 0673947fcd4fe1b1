"""IATI activity XML: streaming import (2.01-2.03, legacy 1.0x best effort) and 2.03 export.

Reading uses ``lxml.etree.iterparse`` and frees each ``iati-activity`` once it is mapped, so
memory stays flat for files of hundreds of megabytes. When the IATI 2.03 schema folder is
given, every 2.0x activity is validated against it as it streams past; activities that fail
are reported (file, line, identifier, the schema's message) and skipped, the rest import.
Elements PeaceOps does not map are counted and reported once per element name.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO

import pycountry
from lxml import etree

from peaceops.domain.coordination import (
    Activity,
    ActivityLocation,
    ActivityStatus,
    Budget,
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
from peaceops.errors import InputError, Problem

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA_FILE = "iati-activities-schema.xsd"

MAPPED = {
    "iati-identifier",
    "title",
    "description",
    "activity-status",
    "activity-date",
    "reporting-org",
    "participating-org",
    "recipient-country",
    "sector",
    "location",
    "budget",
    "transaction",
    "result",
}

# IATI 1.0x used words and letters where 2.0x uses numbers.
LEGACY_ROLES = {
    "funding": OrgRole.FUNDING,
    "accountable": OrgRole.ACCOUNTABLE,
    "extending": OrgRole.EXTENDING,
    "implementing": OrgRole.IMPLEMENTING,
}
LEGACY_TRANSACTIONS = {
    "IF": TransactionType.INCOMING_FUNDS,
    "C": TransactionType.OUTGOING_COMMITMENT,
    "D": TransactionType.DISBURSEMENT,
    "E": TransactionType.EXPENDITURE,
    "IR": TransactionType.INTEREST_PAYMENT,
    "LR": TransactionType.LOAN_REPAYMENT,
    "R": TransactionType.REIMBURSEMENT,
    "QP": TransactionType.PURCHASE_OF_EQUITY,
    "QS": TransactionType.SALE_OF_EQUITY,
    "CG": TransactionType.CREDIT_GUARANTEE,
}
LEGACY_DATES = {
    "start-planned": 1,
    "start-actual": 2,
    "end-planned": 3,
    "end-actual": 4,
    "start": 1,
    "completion": 3,
}
# Pre-standard drafts (the 2010 OCHA FTS export): incoming flows with a status instead of a type.
DRAFT_FLOW_STATUS = {
    "20": TransactionType.INCOMING_PLEDGE,
    "30": TransactionType.INCOMING_COMMITMENT,
    "40": TransactionType.INCOMING_FUNDS,
}
LEGACY_VOCABULARIES = {"DAC": "1", "DAC-3": "2", "RO": "99"}


# Files come from outside: entities are never expanded (so no billion laughs and no external
# entity reads a local file), no DTD is loaded, nothing is fetched from the network, and
# libxml2 keeps its limits on the depth of elements and the size of a text node.
HARDENED = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(**HARDENED)


def load_schema(folder: Path) -> etree.XMLSchema:
    """The IATI activities schema from a folder holding the 2.03 XSD files."""
    path = folder / SCHEMA_FILE
    if not path.exists():
        raise InputError(f"no {SCHEMA_FILE} in {folder}", field="schema")
    try:
        return etree.XMLSchema(etree.parse(str(path), parser=_parser()))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise InputError(f"the IATI schema cannot be read: {exc}", source=str(path)) from None


# Reading ---------------------------------------------------------------------------------------


def _text(el: etree._Element | None) -> str:
    return "" if el is None or el.text is None else " ".join(el.text.split())


def _narratives(el: etree._Element | None, default_lang: str) -> dict[str, str]:
    """Texts by language: 2.0x ``<narrative xml:lang>`` children, or 1.0x element text."""
    if el is None:
        return {}
    out: dict[str, str] = {}
    narratives = el.findall("narrative")
    for n in narratives or [el]:
        text = _text(n)
        if text:
            lang = (n.get(XML_LANG) or el.get(XML_LANG) or default_lang or "en")[:2].lower()
            out.setdefault(lang, text)
    return out


def _first_text(el: etree._Element | None, default_lang: str) -> str:
    texts = _narratives(el, default_lang)
    return texts.get("en") or next(iter(texts.values()), "")


def _date(value: str | None) -> date | None:
    if not value:
        return None
    value = value.strip()
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        try:
            return datetime.strptime(value[:10], "%d/%m/%Y").date()
        except ValueError:
            return None


def _code(value: str | None) -> int | None:
    """A code or year in ASCII digits, else None (``str.isdigit`` also passes '²', which
    ``int`` refuses, and strings of more digits than ``int`` converts).

    >>> _code(" 2 "), _code("²"), _code("x")
    (2, None, None)
    """
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _float(value: str | None) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        number = float(value.strip().replace(",", ""))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _iso3(code: str | None) -> str | None:
    if not code:
        return None
    code = code.strip().upper()
    found = (
        pycountry.countries.get(alpha_2=code)
        if len(code) == 2
        else pycountry.countries.get(alpha_3=code)
    )
    return found.alpha_3 if found else None


class _Mapper:
    """Maps one ``iati-activity`` element, noting what it could not map."""

    def __init__(self, version: str, source: str) -> None:
        self.legacy = not version.startswith("2")
        self.source = source
        self.unmapped: Counter[str] = Counter()
        self.problems: list[Problem] = []

    def warn(self, line: int | None, identifier: str, message: str, field: str) -> None:
        self.problems.append(
            Problem(message, source=self.source, line=line, item=identifier, field=field)
        )

    def participant(self, el: etree._Element, lang: str, role: OrgRole) -> Participant:
        return Participant(
            role=role,
            name=_first_text(el, lang) or (el.get("ref") or "").strip() or "(unnamed)",
            ref=(el.get("ref") or "").strip() or None,
            org_type=(el.get("type") or "").strip() or None,
        )

    def role(self, raw: str | None) -> OrgRole | None:
        if raw is None:
            return None
        raw = raw.strip()
        code = _code(raw)
        if code is not None and code in OrgRole._value2member_map_:
            return OrgRole(code)
        for word, role in LEGACY_ROLES.items():
            if word in raw.lower():
                return role
        return None

    def transaction_type(self, raw: str | None) -> TransactionType | None:
        if raw is None:
            return None
        raw = raw.strip()
        code = _code(raw)
        if code is not None and code in TransactionType._value2member_map_:
            return TransactionType(code)
        return LEGACY_TRANSACTIONS.get(raw.upper())

    def money(self, el: etree._Element | None, currency: str | None) -> Money | None:
        if el is None:
            return None
        value = _float(el.text)
        cur = (el.get("currency") or currency or "").strip().upper()
        if value is None or not cur:
            return None
        return Money(value, cur, _date(el.get("value-date")))

    def activity(self, el: etree._Element) -> Activity | None:
        line = el.sourceline
        lang = (el.get(XML_LANG) or "en")[:2].lower()
        currency = (el.get("default-currency") or "").strip().upper() or None
        identifier = _text(el.find("iati-identifier"))
        other = _text(el.find("other-identifier"))
        if not identifier and other:
            rep_el = el.find("reporting-org")
            rep_ref = ((rep_el.get("ref") if rep_el is not None else None) or "XX").strip()
            identifier = f"{rep_ref}-{other}"
            self.warn(
                line,
                identifier,
                "no iati-identifier: made from reporting-org ref and other-identifier",
                "iati-identifier",
            )
        if not identifier:
            self.warn(
                line,
                "(no identifier)",
                "activity without iati-identifier skipped",
                "iati-identifier",
            )
            return None
        title = _narratives(el.find("title"), lang)
        if not title:
            title = {"en": identifier}
        act = Activity(identifier=identifier, title=title, default_currency=currency, line=line)
        for d in el.findall("description"):
            for k, v in _narratives(d, lang).items():
                act.description.setdefault(k, v)
        status = el.find("activity-status")
        status_code = _code(status.get("code")) if status is not None else None
        if status_code is not None and status_code in ActivityStatus._value2member_map_:
            act.status = ActivityStatus(status_code)
        for d in el.findall("activity-date"):
            kind = (d.get("type") or "").strip()
            date_code = _code(kind)
            if date_code is None:
                date_code = LEGACY_DATES.get(kind)
            when = _date(d.get("iso-date")) or _date(d.text)
            if date_code not in (1, 2, 3, 4) or when is None:
                self.warn(
                    d.sourceline,
                    identifier,
                    f"activity-date type '{kind}' not understood",
                    "activity-date",
                )
                continue
            attr = {1: "planned_start", 2: "actual_start", 3: "planned_end", 4: "actual_end"}[
                date_code
            ]
            setattr(act, attr, when)
        rep = el.find("reporting-org")
        if rep is not None:
            act.reporting_org = self.participant(rep, lang, OrgRole.EXTENDING)
        for p in el.findall("participating-org"):
            role = self.role(p.get("role"))
            if role is None:
                self.warn(
                    p.sourceline,
                    identifier,
                    f"role '{p.get('role')}' not understood",
                    "participating-org",
                )
                continue
            act.participants.append(self.participant(p, lang, role))
        for c in el.findall("recipient-country"):
            iso3 = _iso3(c.get("code"))
            if iso3 is None:
                self.warn(
                    c.sourceline,
                    identifier,
                    f"country '{c.get('code')}' unknown",
                    "recipient-country",
                )
                continue
            act.countries.append((iso3, _float(c.get("percentage"))))
        for s in el.findall("sector"):
            code = (s.get("code") or "").strip()
            if not code:
                continue
            vocabulary = (s.get("vocabulary") or "1").strip()
            vocabulary = LEGACY_VOCABULARIES.get(vocabulary, vocabulary)
            act.sectors.append(
                SectorShare(
                    code, vocabulary, _float(s.get("percentage")), _first_text(s, lang) or None
                )
            )
        for loc in el.findall("location"):
            act.locations.append(self.location(loc, lang))
        for b in el.findall("budget"):
            start = _date(
                b.find("period-start").get("iso-date")
                if b.find("period-start") is not None
                else None
            )
            end = _date(
                b.find("period-end").get("iso-date") if b.find("period-end") is not None else None
            )
            amount = self.money(b.find("value"), currency)
            if start is None or end is None or amount is None:
                self.warn(
                    b.sourceline, identifier, "budget without period or value skipped", "budget"
                )
                continue
            act.budgets.append(Budget(start, end, amount, revised=(b.get("type") or "1") == "2"))
        for t in el.findall("transaction"):
            tx = self.transaction(t, lang, currency, identifier)
            if tx is not None:
                act.transactions.append(tx)
        for r in el.findall("result"):
            act.results.append(self.result(r, lang))
        for child in el:
            if isinstance(child.tag, str) and child.tag not in MAPPED:
                self.unmapped[child.tag] += 1
        return act

    def location(self, loc: etree._Element, lang: str) -> ActivityLocation:
        name = _first_text(loc.find("name"), lang) or _first_text(loc.find("description"), lang)
        lon = lat = None
        pos = loc.find("point/pos")
        if pos is not None and pos.text:
            parts = pos.text.split()
            if len(parts) == 2:
                lat, lon = _float(parts[0]), _float(parts[1])
        coords = loc.find("coordinates")
        if coords is not None:
            lat, lon = _float(coords.get("latitude")), _float(coords.get("longitude"))
        if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
            lat = lon = None
        return ActivityLocation(name=name or "(unnamed place)", lon=lon, lat=lat)

    def transaction(
        self, t: etree._Element, lang: str, currency: str | None, identifier: str
    ) -> Transaction | None:
        type_el = t.find("transaction-type")
        kind = self.transaction_type(type_el.get("code") if type_el is not None else None)
        if kind is None and t.get("flow") == "incoming":
            status = t.find("status")
            kind = DRAFT_FLOW_STATUS.get(status.get("ref", "") if status is not None else "")
        date_el = t.find("transaction-date")
        when = _date(date_el.get("iso-date")) if date_el is not None else None
        if when is None:
            when = _date(_text(t.find("milestone-date")))
        amount = self.money(t.find("value"), currency)
        if amount is not None and when is None:
            when = amount.value_date
        if kind is None or when is None or amount is None:
            self.warn(
                t.sourceline,
                identifier,
                "transaction without type, date or value skipped",
                "transaction",
            )
            return None
        provider = t.find("provider-org")
        receiver = t.find("receiver-org")
        return Transaction(
            type=kind,
            date=when,
            amount=amount,
            provider=_first_text(provider, lang) or None,
            provider_ref=(provider.get("provider-activity-id") or provider.get("ref"))
            if provider is not None
            else None,
            receiver=_first_text(receiver, lang) or None,
            receiver_ref=(receiver.get("ref") if receiver is not None else None),
            description=_first_text(t.find("description"), lang) or None,
        )

    def result(self, r: etree._Element, lang: str) -> Result:
        indicators = []
        for ind in r.findall("indicator"):
            baseline = ind.find("baseline")
            periods = []
            for p in ind.findall("period"):
                start = p.find("period-start")
                end = p.find("period-end")
                target = p.find("target")
                actual = p.find("actual")
                periods.append(
                    ResultPeriod(
                        start=_date(start.get("iso-date")) if start is not None else None,
                        end=_date(end.get("iso-date")) if end is not None else None,
                        target=_float(target.get("value")) if target is not None else None,
                        actual=_float(actual.get("value")) if actual is not None else None,
                    )
                )
            year = baseline.get("year") if baseline is not None else None
            indicators.append(
                ResultIndicator(
                    title=_first_text(ind.find("title"), lang) or "(untitled indicator)",
                    measure=(ind.get("measure") or "1").strip(),
                    baseline=_float(baseline.get("value")) if baseline is not None else None,
                    baseline_year=_code(year),
                    periods=tuple(periods),
                )
            )
        return Result(
            title=_first_text(r.find("title"), lang) or "(untitled result)",
            type=(r.get("type") or "1").strip(),
            indicators=tuple(indicators),
        )


def read_iati(
    source: Path | IO[bytes],
    *,
    schema: etree.XMLSchema | None = None,
    name: str | None = None,
) -> Iterator[Activity | Problem]:
    """Activities of an IATI file, streamed; problems are yielded where they are found.

    The last item yielded is a ``Problem`` per element name that was not mapped (with its
    count), so the caller can report what the file held beyond what PeaceOps keeps.
    """
    label = name or (source.name if isinstance(source, Path) else "iati.xml")
    version = ""
    mapper: _Mapper | None = None
    try:
        context = etree.iterparse(
            str(source) if isinstance(source, Path) else source,
            events=("start", "end"),
            **HARDENED,
        )
        depth = 0
        for event, el in context:
            if event == "start":
                depth += 1
                if depth == 1:
                    if el.tag != "iati-activities":
                        raise InputError(
                            f"not an IATI activity file (root is <{el.tag}>)", source=label
                        )
                    version = (el.get("version") or "1.0").strip()
                    mapper = _Mapper(version, label)
                continue
            depth -= 1
            if depth != 1 or el.tag != "iati-activity":
                continue
            assert mapper is not None
            if schema is not None and not mapper.legacy and not schema.validate(el):
                error = schema.error_log.last_error
                identifier = _text(el.find("iati-identifier")) or "(no identifier)"
                mapper.warn(
                    error.line if error is not None else el.sourceline,
                    identifier,
                    f"not valid IATI {version}: {error.message if error else 'schema error'}",
                    "schema",
                )
            else:
                activity = mapper.activity(el)
                if activity is not None:
                    yield activity
            yield from mapper.problems
            mapper.problems.clear()
            el.clear(keep_tail=False)
            parent = el.getparent()
            while parent is not None and el.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as exc:
        raise InputError(f"not well-formed XML: {exc.msg}", source=label, line=exc.lineno) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc}", source=label) from None
    if mapper is None:
        raise InputError("empty file", source=label)
    if mapper.legacy:
        yield Problem(
            f"IATI {version} is a legacy version: read on a best-effort basis, not validated",
            source=label,
        )
    for tag, n in sorted(mapper.unmapped.items()):
        yield Problem(f"{n} <{tag}> element(s) not mapped", source=label, field=tag)


# Writing ---------------------------------------------------------------------------------------


def _narrative(parent: etree._Element, tag: str, texts: dict[str, str]) -> etree._Element:
    el = etree.SubElement(parent, tag)
    for lang, text in texts.items():
        n = etree.SubElement(el, "narrative")
        n.set(XML_LANG, lang)
        n.text = text
    return el


def _org(parent: etree._Element, tag: str, p: Participant, *, role: bool) -> None:
    el = etree.SubElement(parent, tag)
    if p.ref:
        el.set("ref", p.ref)
    if p.org_type:
        el.set("type", p.org_type)
    if role:
        el.set("role", str(int(p.role)))
    n = etree.SubElement(el, "narrative")
    n.text = p.name


def _value(parent: etree._Element, amount: Money, fallback_date: date) -> None:
    v = etree.SubElement(parent, "value")
    v.set("currency", amount.currency)
    v.set("value-date", (amount.value_date or fallback_date).isoformat())
    v.text = f"{amount.value:.2f}".rstrip("0").rstrip(".")


def inferred_status(act: Activity, today: date) -> ActivityStatus:
    """The schema requires a status; one not reported is read off the dates.

    >>> from peaceops.domain.coordination import Activity
    >>> inferred_status(Activity("X", {"en": "x"}, planned_end=date(2010, 7, 15)), date(2026, 1, 1))
    <ActivityStatus.CLOSED: 4>
    """
    if act.end is not None and act.end < today:
        return ActivityStatus.CLOSED
    if act.start is not None and act.start > today:
        return ActivityStatus.PIPELINE
    return ActivityStatus.IMPLEMENTATION


def activity_element(act: Activity, *, generated: datetime) -> etree._Element:
    """One ``iati-activity`` in the 2.03 element order."""
    el = etree.Element("iati-activity")
    el.set("last-updated-datetime", generated.replace(microsecond=0).isoformat())
    el.set(XML_LANG, "en")
    if act.default_currency:
        el.set("default-currency", act.default_currency)
    etree.SubElement(el, "iati-identifier").text = act.identifier
    reporting = act.reporting_org or Participant(OrgRole.EXTENDING, "PeaceOps", None)
    rep = etree.SubElement(el, "reporting-org")
    rep.set("ref", reporting.ref or "XI-PEACEOPS")
    rep.set("type", reporting.org_type or "10")
    etree.SubElement(rep, "narrative").text = reporting.name
    _narrative(el, "title", act.title or {"en": act.identifier})
    # The 2.03 schema requires a description; an activity reported without one gets its title.
    d = _narrative(el, "description", act.description or act.title or {"en": act.identifier})
    d.set("type", "1")
    for p in act.participants:
        _org(el, "participating-org", p, role=True)
    status = act.status or inferred_status(act, generated.date())
    etree.SubElement(el, "activity-status").set("code", str(int(status)))
    for code, when in (
        (1, act.planned_start),
        (2, act.actual_start),
        (3, act.planned_end),
        (4, act.actual_end),
    ):
        if when is not None:
            d = etree.SubElement(el, "activity-date")
            d.set("type", str(code))
            d.set("iso-date", when.isoformat())
    if not any((act.planned_start, act.actual_start)):
        d = etree.SubElement(el, "activity-date")
        d.set("type", "1")
        d.set("iso-date", generated.date().isoformat())
    for iso3, pct in act.countries:
        country = pycountry.countries.get(alpha_3=iso3)
        if country is None:
            continue
        c = etree.SubElement(el, "recipient-country")
        c.set("code", country.alpha_2)
        if pct is not None:
            c.set("percentage", f"{pct:g}")
    for loc in act.locations:
        location = etree.SubElement(el, "location")
        _narrative(location, "name", {"en": loc.name})
        if loc.lat is not None and loc.lon is not None:
            point = etree.SubElement(location, "point")
            point.set("srsName", "http://www.opengis.net/def/crs/EPSG/0/4326")
            etree.SubElement(point, "pos").text = f"{loc.lat:.6f} {loc.lon:.6f}"
    for s in act.sectors:
        sector = etree.SubElement(el, "sector")
        sector.set("code", s.code)
        sector.set("vocabulary", s.vocabulary)
        if s.percentage is not None:
            sector.set("percentage", f"{s.percentage:g}")
        if s.name:
            etree.SubElement(sector, "narrative").text = s.name
    for b in act.budgets:
        budget = etree.SubElement(el, "budget")
        budget.set("type", "2" if b.revised else "1")
        budget.set("status", "1")
        etree.SubElement(budget, "period-start").set("iso-date", b.period_start.isoformat())
        etree.SubElement(budget, "period-end").set("iso-date", b.period_end.isoformat())
        _value(budget, b.amount, b.period_start)
    for t in act.transactions:
        tx = etree.SubElement(el, "transaction")
        etree.SubElement(tx, "transaction-type").set("code", str(int(t.type)))
        etree.SubElement(tx, "transaction-date").set("iso-date", t.date.isoformat())
        _value(tx, t.amount, t.date)
        if t.description:
            _narrative(tx, "description", {"en": t.description})
        if t.provider or t.provider_ref:
            prov = etree.SubElement(tx, "provider-org")
            if t.provider_ref:
                prov.set("ref", t.provider_ref)
            etree.SubElement(prov, "narrative").text = t.provider or t.provider_ref
        if t.receiver or t.receiver_ref:
            rec = etree.SubElement(tx, "receiver-org")
            if t.receiver_ref:
                rec.set("ref", t.receiver_ref)
            etree.SubElement(rec, "narrative").text = t.receiver or t.receiver_ref
    for r in act.results:
        result = etree.SubElement(el, "result")
        result.set("type", r.type)
        _narrative(result, "title", {"en": r.title})
        for ind in r.indicators:
            i = etree.SubElement(result, "indicator")
            i.set("measure", ind.measure)
            _narrative(i, "title", {"en": ind.title})
            if ind.baseline is not None:
                base = etree.SubElement(i, "baseline")
                base.set("year", str(ind.baseline_year or generated.year))
                base.set("value", f"{ind.baseline:g}")
            for rp in ind.periods:
                if rp.start is None or rp.end is None:
                    continue
                period = etree.SubElement(i, "period")
                etree.SubElement(period, "period-start").set("iso-date", rp.start.isoformat())
                etree.SubElement(period, "period-end").set("iso-date", rp.end.isoformat())
                if rp.target is not None:
                    etree.SubElement(period, "target").set("value", f"{rp.target:g}")
                if rp.actual is not None:
                    etree.SubElement(period, "actual").set("value", f"{rp.actual:g}")
    return el


def write_iati(activities: list[Activity], out: IO[bytes], *, generated: datetime) -> None:
    """An IATI 2.03 activity file, written activity by activity."""
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(
            "iati-activities",
            {"version": "2.03", "generated-datetime": generated.replace(microsecond=0).isoformat()},
        ):
            for act in activities:
                xf.write(activity_element(act, generated=generated), pretty_print=True)


def validate_file(path: Path, schema: etree.XMLSchema) -> list[str]:
    """Schema errors of a whole IATI file (for exports, which are small enough to load)."""
    doc = etree.parse(str(path), parser=_parser())
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
