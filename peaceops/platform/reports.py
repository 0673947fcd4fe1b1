"""The mission report's context: what it shows, gathered from the other services as plain
JSON-ready data, and only what was known at the end of the chosen period.

Rendering (HTML and PDF, in the reader's language) is ``reports/mission.py``'s job. The context
holds numbers, codes and the data's own texts (framework, benchmark and survey wording in the
chosen language), never interface wording, so that it can be snapshot-tested and rendered in
any language. A section the caller's role may not read is kept with ``omitted`` and the code of
the reason, never silently dropped.
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from peaceops.analytics.assessment.scoring import priorities
from peaceops.config import Settings
from peaceops.domain.access import Permission, Principal
from peaceops.domain.assessment import Dimension, Framework, text_in
from peaceops.domain.coordination import TransactionType
from peaceops.domain.legal import EXPECTED_DAYS, Stage, replacements, stage_on
from peaceops.domain.periods import ReportingPeriod
from peaceops.domain.places import AdminArea
from peaceops.errors import InputError
from peaceops.platform.access import require
from peaceops.platform.assessment import ScoredRound
from peaceops.platform.report_records import (
    accountability_record,
    estimate_record,
    institution_name,
    interval,
    iso_day,
    judgement_record,
    known_activities,
    map_dict,
    rollup_record,
    round_record,
    rounded,
    summary,
)
from peaceops.platform.report_security import MAP_WIDTH, SecuritySection
from peaceops.reports.svgmap import build_map

if TYPE_CHECKING:
    from peaceops.platform import Platform

REPORT_LANGUAGES = ("en", "fr")
CURRENCY = "USD"
RISK_THRESHOLD = 0.2
"""Areas at or above this risk are checked for programming (as the coordination gaps do)."""
TOP_PRIORITIES = 8
TOP_CHANGES = 8
TOP_GAPS = 10
TOP_DUPLICATES = 8

Progress = Callable[[str], None]


class ReportsService:
    """Report contexts; every section reads through the services that own its data."""

    def __init__(self, settings: Settings, engine: Engine, *, platform: Platform) -> None:
        self._settings = settings
        self._engine = engine
        self._platform = platform

    def mission_context(
        self,
        country: str,
        period: str,
        *,
        by: Principal,
        language: str = "en",
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        """The mission report of ``country`` for ``period`` (``2026``, ``2026H1``,
        ``2026Q2`` or ``2026-06``), on the evidence known at the period's last day."""
        require(by, Permission.READ_REFERENCE)
        span = ReportingPeriod.parse(period)
        if language not in REPORT_LANGUAGES:
            raise InputError(
                f"'{language}' is not a report language: use {' or '.join(REPORT_LANGUAGES)}",
                field="lang",
            )
        step = progress or (lambda _name: None)
        iso3 = country.strip().upper()
        found = self._platform.places.country(iso3)
        regions = self._platform.places.admin_areas(iso3, level=1, with_geometry=True)
        missions = [m for m in self._platform.missions.list(country=iso3) if m.start <= span.end]
        mission = max(missions, key=lambda m: m.start) if missions else None
        forecasts = by.can(Permission.READ_FORECASTS)

        step("assessment")
        scored = self._latest_rounds(iso3, span.end)
        institutions = self._institutions(iso3, span.end, scored, language)
        step("forecasts")
        security = SecuritySection(self._engine, self._platform).build(
            iso3, span, by, regions, mission.acronym if mission else None
        )
        risk = {a["pcode"]: a["risk"] for a in (security.get("forecast") or {}).get("areas", [])}
        step("programmes")
        coordination = self._coordination(
            iso3,
            span.end,
            scored,
            risk if forecasts and security.get("forecast") else None,
            language,
        )
        step("community voice")
        community = self._community(iso3, span, by, language)
        step("transition")
        transition = self._transition(iso3, span.end, by, language, regions, scored)
        context: dict[str, Any] = {
            "version": 1,
            "language": language,
            "country": {"iso3": found.iso3, "name": found.name},
            "mission": {"acronym": mission.acronym, "name": mission.name} if mission else None,
            "period": {
                "code": span.code,
                "kind": span.kind.value,
                "start": span.start.isoformat(),
                "end": span.end.isoformat(),
            },
            "audience": {"role": by.role.value, "forecasts": forecasts},
            "min_cell": self._settings.min_cell_size,
            "institutions": institutions,
            "coordination": coordination,
            "community": community,
            "security": security,
            "transition": transition,
        }
        context["summary"] = summary(context)
        return context

    # Institutions ----------------------------------------------------------------------------

    def _latest_rounds(self, iso3: str, end: date) -> builtins.list[ScoredRound]:
        """Per framework code, every round ended by ``end``, oldest first, scored."""
        service = self._platform.assessment
        rounds = sorted(
            (r for r in service.rounds(country=iso3) if r.period_end <= end),
            key=lambda r: (r.period_end, r.id or 0),
        )
        return [service.score(r.id or 0) for r in rounds]

    def _institutions(
        self, iso3: str, end: date, scored: Sequence[ScoredRound], language: str
    ) -> dict[str, Any]:
        service = self._platform.assessment
        groups: dict[str, builtins.list[ScoredRound]] = defaultdict(builtins.list)
        for item in scored:
            groups[item.framework.code].append(item)
        frameworks = []
        for code, history in sorted(groups.items()):
            latest = history[-1]
            fw, rnd, scores = latest.framework, latest.round, latest.scores
            base, moves = service.changes(rnd.id or 0)
            change_of = {c.key: c for c in moves}
            assessed = service.assessed_institutions(rnd, fw)
            rows: builtins.list[dict[str, Any]] = []
            for inst_code in assessed:
                dims = {
                    d.value: rollup_record(
                        scores.rollup(inst_code, d), change_of.get(f"{inst_code}/{d.value}")
                    )
                    for d in Dimension
                }
                rows.append(
                    {
                        "code": inst_code,
                        "name": text_in(fw.institution(inst_code).name, language),
                        "overall": rollup_record(
                            scores.rollup(inst_code), change_of.get(inst_code)
                        ),
                        "dimensions": dims,
                    }
                )
            trend = {
                "rounds": [h.round.period_end.isoformat()[:7] for h in history],
                "series": [
                    {
                        "name": row["name"],
                        "values": [interval(h.scores.rollup(row["code"])) for h in history],
                    }
                    for row in rows
                ],
            }
            names = {row["code"]: row["name"] for row in rows}
            ranked = [
                {
                    "indicator": p.indicator,
                    "text": text_in(fw.indicator(p.indicator).text, language),
                    "institution": names.get(p.institution, p.institution),
                    "dimension": p.dimension.value,
                    "score": rounded(1 - p.gap),
                    "weight": p.weight,
                    "confidence": rounded(p.confidence),
                    "priority": rounded(p.priority),
                }
                for p in priorities(scores)[:TOP_PRIORITIES]
            ]
            moved = sorted(
                (c for c in moves if c.significant and c.key in scores.indicators),
                key=lambda c: (-abs(c.difference), c.key),
            )[:TOP_CHANGES]
            frameworks.append(
                {
                    "code": code,
                    "key": fw.key,
                    "title": text_in(fw.title, language),
                    "round": round_record(latest),
                    "previous": None
                    if base is None
                    else {"id": base.id, "name": base.name, "end": base.period_end.isoformat()},
                    "institutions": rows,
                    "trend": trend,
                    "priorities": ranked,
                    "changes": [
                        {
                            "indicator": c.key,
                            "text": text_in(fw.indicator(c.key).text, language),
                            "institution": names.get(
                                scores.indicators[c.key].institution,
                                scores.indicators[c.key].institution,
                            ),
                            "before": rounded(c.before),
                            "after": rounded(c.after),
                            "difference": rounded(c.difference),
                            "direction": c.direction,
                        }
                        for c in moved
                    ],
                    "missing": len(scores.missing),
                }
            )
        return {"frameworks": frameworks, "legal": self._legal(iso3, end, language)}

    def _legal(self, iso3: str, end: date, language: str) -> builtins.list[dict[str, Any]]:
        """Each instrument as it stood at ``end``: its stage, since when, stuck or not."""
        found = self._platform.legal.instruments(iso3)
        replaced = replacements(found, end)
        rows: builtins.list[dict[str, Any]] = []
        for i in found:
            stage = stage_on(i, end)
            if stage is None:
                continue
            since = [s for s in i.steps if s.on <= end][-1].on
            days = (end - since).days
            expected = None if stage == Stage.IN_FORCE else EXPECTED_DAYS.get(stage)
            rows.append(
                {
                    "code": i.code,
                    "title": i.title_in(language),
                    "type": i.type.value,
                    "stage": stage.value,
                    "order": stage.order,
                    "since": since.isoformat(),
                    "days": days,
                    "expected_days": expected,
                    "stuck": expected is not None and days > expected,
                    "replaced_by": replaced[i.id].title_in(language)
                    if i.id is not None and i.id in replaced
                    else None,
                }
            )
        rows.sort(key=lambda r: (r["order"], -r["days"], r["code"]))
        return rows

    # Coordination ----------------------------------------------------------------------------

    def _coordination(
        self,
        iso3: str,
        end: date,
        scored: Sequence[ScoredRound],
        risk: dict[str, float] | None,
        language: str,
    ) -> dict[str, Any]:
        from peaceops.analytics.coordination import flows, gaps

        service = self._platform.coordination
        acts = known_activities(service.activities(country=iso3), end)
        by_capability: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for row in flows.disbursement_vs_commitment(acts, currency=CURRENCY):
            key = row.capability.value if row.capability else ""
            by_capability[key][0] += row.committed
            by_capability[key][1] += row.disbursed
        institutions = service.institutions_by_id()
        by_institution: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        other: dict[str, float] = defaultdict(float)
        organisations: set[str] = set()
        for a in acts:
            committed = 0.0
            for t in flows.commitments(a):
                if t.amount.currency == CURRENCY:
                    committed += t.amount.value
                else:
                    other[t.amount.currency] += t.amount.value
            disbursed = sum(
                t.amount.value
                for t in a.transactions
                if t.type == TransactionType.DISBURSEMENT and t.amount.currency == CURRENCY
            )
            names = [institutions[i].name for i in a.institution_ids if i in institutions] or [""]
            for name in names:
                by_institution[name][0] += committed / len(names)
                by_institution[name][1] += disbursed / len(names)
            organisations.update(flows.implementers(a))
        committed_total = sum(v[0] for v in by_capability.values())
        disbursed_total = sum(v[1] for v in by_capability.values())

        known = {a.identifier: a for a in acts}
        decided = service.decisions()
        pairs = [
            p for p in service.duplicates(country=iso3) if p.first in known and p.second in known
        ]
        duplicates = []
        for p in pairs[:TOP_DUPLICATES]:
            decision = decided.get(p.key)
            on_time = (
                decision is not None
                and decision.decided_at is not None
                and decision.decided_at.date() <= end
            )
            duplicates.append(
                {
                    "first": p.first,
                    "second": p.second,
                    "first_title": known[p.first].title_in("en"),
                    "second_title": known[p.second].title_in("en"),
                    "score": rounded(p.score),
                    "decision": decision.decision.value if on_time and decision else None,
                }
            )

        types = {i: inst.type.value for i, inst in institutions.items()}
        latest: dict[str, ScoredRound] = {}
        for item in scored:
            latest[item.framework.code] = item
        found: list[tuple[Framework, Any]] = []
        for item in latest.values():
            found += [
                (item.framework, g)
                for g in gaps.capability_gaps(
                    priorities(item.scores),
                    acts,
                    framework=item.framework,
                    institution_types=types,
                    as_of=end,
                    currency=CURRENCY,
                    top=TOP_GAPS,
                )
            ]
        found.sort(key=lambda fg: (-fg[1].score, fg[1].priority.indicator))
        weaknesses = [
            {
                "indicator": g.priority.indicator,
                "text": text_in(fw.indicator(g.priority.indicator).text, language),
                "institution": institution_name(g.priority.institution, [fw], language)
                or g.priority.institution,
                "dimension": g.priority.dimension.value,
                "score": rounded(1 - g.priority.gap),
                "priority": rounded(g.priority.priority),
                "activities": len(g.activities),
                "committed": rounded(g.committed, 2),
                "coverage": rounded(g.coverage),
                "funded": g.committed > 0 or any(g.other_currencies.values()),
            }
            for fw, g in found[:TOP_GAPS]
        ]
        areas_at_risk = None
        if risk is not None:
            index = service.area_index(iso3)
            ids = {a.pcode: i for i, a in index.items()}
            parents = {
                i: ids[a.parent_pcode]
                for i, a in index.items()
                if a.parent_pcode and a.parent_pcode in ids
            }
            areas_at_risk = [
                {"name": g.name, "risk": rounded(g.risk)}
                for g in gaps.risk_gaps(
                    {ids[k]: v for k, v in risk.items() if k in ids},
                    acts,
                    area_parents=parents,
                    area_names={i: a.name for i, a in index.items()},
                    threshold=RISK_THRESHOLD,
                    as_of=end,
                )
            ]
        return {
            "currency": CURRENCY,
            "activities": len(acts),
            "organisations": len(organisations),
            "committed": rounded(committed_total, 2),
            "disbursed": rounded(disbursed_total, 2),
            "disbursed_share": rounded(disbursed_total / committed_total)
            if committed_total
            else None,
            "other_currencies": {k: rounded(v, 2) for k, v in sorted(other.items())},
            "by_capability": [
                {"capability": k, "committed": rounded(v[0], 2), "disbursed": rounded(v[1], 2)}
                for k, v in sorted(by_capability.items(), key=lambda kv: (-kv[1][0], kv[0]))
                if v[0] or v[1]
            ],
            "by_institution": [
                {"name": k, "committed": rounded(v[0], 2), "disbursed": rounded(v[1], 2)}
                for k, v in sorted(by_institution.items(), key=lambda kv: (-kv[1][0], kv[0]))
                if v[0] or v[1]
            ],
            "duplicates": duplicates,
            "duplicates_total": len(pairs),
            "gaps": weaknesses,
            "unfunded": sum(1 for w in weaknesses if not w["funded"]),
            "areas_at_risk": areas_at_risk,
            "risk_threshold": RISK_THRESHOLD,
        }

    # Community voice -------------------------------------------------------------------------

    def _community(
        self, iso3: str, span: ReportingPeriod, by: Principal, language: str
    ) -> dict[str, Any]:
        from peaceops.analytics.surveys import difference

        service = self._platform.surveys
        out = []
        for summary_ in service.surveys():
            survey = summary_.survey
            if survey.country_iso3 != iso3 or survey.id is None:
                continue
            waves = sorted(
                (w for w in summary_.waves if w.period_end <= span.end),
                key=lambda w: (w.period_end, w.id or 0),
            )
            if not waves:
                continue
            latest, previous = waves[-1], (waves[-2] if len(waves) > 1 else None)
            questions = []
            regions: dict[str, Any] | None = None
            for item in survey.form.items:
                now = service.estimates(
                    survey.id, item.question, wave=latest.id, by=by, language=language
                )
                head = now.headline
                if head is None:
                    continue
                change = None
                if previous is not None:
                    before = service.estimates(
                        survey.id, item.question, wave=previous.id, by=by, language=language
                    ).headline
                    if before is not None and before.code == head.code:
                        d = difference(before.overall, head.overall)
                        if d is not None:
                            change = {
                                "before": rounded(before.overall.value),
                                "value": rounded(d.value),
                                "low": rounded(d.low),
                                "high": rounded(d.high),
                                "significant": d.significant,
                            }
                questions.append(
                    {
                        "question": item.question,
                        "label": now.label,
                        "indicator": item.item_code,
                        "kind": head.kind,
                        "outcome": head.code,
                        **estimate_record(head.overall),
                        "change": change,
                    }
                )
                if regions is None and head.kind == "share":
                    regions = {
                        "question": now.label,
                        "rows": [
                            {"label": c.label, **estimate_record(c.estimate)}
                            for c in head.breakdown("area")
                        ],
                    }
            out.append(
                {
                    "title": text_in(survey.form.title, language) or survey.form.form_id,
                    "wave": {
                        "name": latest.name,
                        "start": latest.period_start.isoformat(),
                        "end": latest.period_end.isoformat(),
                        "respondents": summary_.counts.get(latest.id or 0, 0),
                    },
                    "previous": None
                    if previous is None
                    else {"name": previous.name, "end": previous.period_end.isoformat()},
                    "questions": questions,
                    "regions": regions,
                }
            )
        complaints = self._platform.complaints
        year_start = date(span.end.year - 1, span.end.month, 1) + timedelta(days=31)
        year_start = year_start.replace(day=1)
        in_period = complaints.accountability(
            country=iso3, by=by, period_start=span.start, period_end=span.end, as_of=span.end
        )
        in_year = complaints.accountability(
            country=iso3,
            by=by,
            period_start=min(year_start, span.start),
            period_end=span.end,
            as_of=span.end,
        )
        return {
            "surveys": out,
            "complaints": {
                "period": accountability_record(in_period),
                "year": accountability_record(in_year),
            },
        }

    # Transition ------------------------------------------------------------------------------

    def _transition(
        self,
        iso3: str,
        end: date,
        by: Principal,
        language: str,
        regions: Sequence[AdminArea],
        scored: Sequence[ScoredRound],
    ) -> dict[str, Any] | None:
        readiness = self._platform.transition.readiness(iso3, by=by, as_of=end)
        if readiness is None:
            return None
        names = {a.pcode: a.name for a in regions}
        frameworks = [s.framework for s in scored] or self._platform.assessment.frameworks()
        hidden = not by.can(Permission.READ_FORECASTS)
        s = readiness.benchmark_set
        benchmarks = []
        for j in readiness.judgements:
            b = j.benchmark
            benchmarks.append(
                {
                    "key": b.key,
                    "statement": text_in(b.statement, language),
                    "institution": b.institution or None,
                    "institution_name": institution_name(b.institution, frameworks, language),
                    "area": b.area or None,
                    "area_name": names.get(b.area) if b.area else None,
                    "status": j.status.value,
                    "conditions": [
                        judgement_record(
                            c, language, hidden=hidden and c.condition.kind == "forecast_risk"
                        )
                        for c in j.conditions
                    ],
                }
            )
        by_area = {k: v.value for k, v in readiness.by_area().items()}
        status_map = None
        if by_area and regions:
            status_map = map_dict(
                build_map(
                    list(regions),
                    width=MAP_WIDTH,
                    area_classes={k: f"status-{v}" for k, v in by_area.items()},
                )
            )
        return {
            "set": {
                "code": s.code,
                "version": s.version,
                "title": text_in(s.title, language),
                "status": s.status.value,
                "agreed_by": s.agreed_by or None,
                "agreed_on": iso_day(s.agreed_on),
                "target_date": s.target_date.isoformat(),
            },
            "as_of": readiness.as_of.isoformat(),
            "overall": readiness.overall.value,
            "counts": {k.value: v for k, v in readiness.counts().items()},
            "by_institution": [
                {
                    "institution": k,
                    "name": institution_name(k, frameworks, language),
                    "status": v.value,
                }
                for k, v in readiness.by_institution().items()
            ],
            "by_area": [
                {"pcode": k, "name": names.get(k, k), "status": v} for k, v in by_area.items()
            ],
            "map": status_map,
            "benchmarks": benchmarks,
            "forecasts_hidden": hidden,
        }
