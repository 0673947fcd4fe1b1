"""Transition benchmarks judged on the platform's own evidence.

A country's benchmark sets are stored with every version: a set is drafted (from the template
shipped with PeaceOps or from a YAML file), agreed (who agreed it and when, recorded; the set it
revises becomes superseded) and revised (a new draft version that keeps the old one). Reading
needs ``READ_REFERENCE``; drafting, agreeing and revising ``MANAGE_TRANSITION``. Every write is
audited.

Each condition kind has an observation builder turning the platform's records into dated
values, with a standard error where one is known, using only what was known at ``as_of``:

- indicator and dimension scores: one observation per assessment round that ended by then,
  the standard error from the score's 95% interval;
- forecast risk: one per forecast run cut off by then, the highest monthly probability of 25
  or more deaths over the condition's first ``months`` months, across the country's units (or
  in the benchmark's area); withheld from roles that may not read forecasts;
- complaints resolved: per quarter of receipt, the share of admissible complaints resolved
  within ``RESOLVE_DAYS`` days (dated when those days have run out), with a binomial error;
- gaps funded: per assessment round, the share of its top weaknesses with money committed by
  activities addressing them;
- trained personnel: per quarter, people of the institution type who completed a course by
  then, passed or awaiting vetting, and had not left by then;
- sites handed over: per quarter, the share of the mission's locations ever held that it no
  longer holds (in the benchmark's area when it names one).

``analytics.transition`` judges each condition from its series.
"""

from __future__ import annotations

import builtins
import math
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, and_, func, select

from peaceops.analytics.transition import combine, judge
from peaceops.config import Settings
from peaceops.domain.access import Permission, Principal
from peaceops.domain.places import Month
from peaceops.domain.transition import (
    BenchmarkJudgement,
    BenchmarkSet,
    Condition,
    ConditionKind,
    Observation,
    Readiness,
    SetStatus,
)
from peaceops.errors import ConflictError, InputError, NotFound
from peaceops.ingest.benchmarks import builtin_benchmark_sets, read_benchmarks
from peaceops.platform.access import require
from peaceops.platform.coordination import today
from peaceops.storage import transaction
from peaceops.storage.repositories import transition as repo
from peaceops.storage.tables import (
    admin_areas,
    complaints,
    countries,
    institutions,
    trainees,
    training_participations,
    training_sessions,
)

if TYPE_CHECKING:
    from peaceops.platform import Platform
    from peaceops.platform.assessment import ScoredRound

Z95 = 1.959964
RESOLVE_DAYS = 90
"""A complaint counts as resolved when it was resolved within this many days of receipt."""
GAPS_TOP = 10
"""How many of a round's ranked weaknesses the gaps-funded share looks at."""
MIN_COHORT = 5
"""Quarters with fewer admissible complaints give no observation (too few to say)."""


def _quarter_ends(first: date, last: date) -> builtins.list[date]:
    """Last days of the quarters from the one holding ``first``, up to ``last``."""
    out: builtins.list[date] = []
    year, quarter = first.year, (first.month - 1) // 3
    while True:
        month = quarter * 3 + 3
        end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
        if end > last:
            return out
        out.append(end)
        year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)


class TransitionService:
    def __init__(self, settings: Settings, engine: Engine, *, platform: Platform) -> None:
        self._settings = settings
        self._engine = engine
        self._platform = platform

    # Benchmark sets --------------------------------------------------------------------------

    def templates(self) -> tuple[BenchmarkSet, ...]:
        return builtin_benchmark_sets()

    def template(self, code: str) -> BenchmarkSet:
        for t in self.templates():
            if t.code == code:
                return t
        raise NotFound(f"no benchmark template '{code}'")

    def sets(self, *, country: str | None = None, by: Principal) -> builtins.list[BenchmarkSet]:
        require(by, Permission.READ_REFERENCE)
        with transaction(self._engine, write=False) as conn:
            return repo.list_sets(conn, country=country.upper() if country else None)

    def get(self, set_id: int, *, by: Principal) -> BenchmarkSet:
        require(by, Permission.READ_REFERENCE)
        with transaction(self._engine, write=False) as conn:
            return repo.get_set(conn, set_id)

    def current(self, country: str, *, by: Principal) -> BenchmarkSet | None:
        """The set a country's readiness is judged against: its latest agreed set, else its
        latest draft; None when it has none."""
        found = [s for s in self.sets(country=country, by=by) if s.status != SetStatus.SUPERSEDED]
        if not found:
            return None
        agreed = [s for s in found if s.status == SetStatus.AGREED]
        pool = agreed or found
        return max(pool, key=lambda s: (s.agreed_on or date.min, s.id or 0))

    def draft(
        self,
        benchmarks: BenchmarkSet,
        *,
        country: str,
        by: Principal,
        target_date: date | None = None,
        note: str = "",
    ) -> BenchmarkSet:
        """Store a set (a template, a file's) as a draft for a country."""
        require(by, Permission.MANAGE_TRANSITION)
        iso3 = country.strip().upper()
        with transaction(self._engine) as conn:
            if (
                conn.execute(select(countries.c.iso3).where(countries.c.iso3 == iso3)).first()
                is None
            ):
                raise InputError(f"no country {iso3}", field="country")
            clash = [
                s
                for s in repo.list_sets(conn, country=iso3)
                if (s.code, s.version) == (benchmarks.code, benchmarks.version)
            ]
            if clash:
                raise ConflictError(
                    f"{iso3} already has version {benchmarks.version} of benchmark set "
                    f"'{benchmarks.code}' (set {clash[0].id}); give the new one another version"
                )
            self._check_areas(conn, benchmarks, iso3)
            new = BenchmarkSet(
                code=benchmarks.code,
                version=benchmarks.version,
                title=dict(benchmarks.title),
                benchmarks=benchmarks.benchmarks,
                target_date=target_date or benchmarks.target_date,
                status=SetStatus.DRAFT,
                country_iso3=iso3,
                note=note,
                revises_id=benchmarks.revises_id,
            )
            new_id = repo.add_set(conn, new, by=by)
            return repo.get_set(conn, new_id)

    def import_file(
        self, path: Path, *, country: str, by: Principal, note: str = ""
    ) -> BenchmarkSet:
        """A set read from a YAML file, stored as a draft (see ``import_set``)."""
        return self.import_set(read_benchmarks(path), country=country, by=by, note=note)

    def import_set(
        self, found: BenchmarkSet, *, country: str, by: Principal, note: str = ""
    ) -> BenchmarkSet:
        """A set stored as a draft; if the country holds an earlier version of the same code,
        the draft records that it revises the latest of them."""
        require(by, Permission.MANAGE_TRANSITION)
        previous = [s for s in self.sets(country=country, by=by) if s.code == found.code]
        if previous:
            latest = max(previous, key=lambda s: s.id or 0)
            found = replace(found, revises_id=latest.id)
        return self.draft(found, country=country, by=by, note=note)

    def revise(self, set_id: int, *, version: str, by: Principal, note: str = "") -> BenchmarkSet:
        """A new draft copying set ``set_id`` under another version, to be edited and agreed."""
        old = self.get(set_id, by=by)
        if not version.strip():
            raise InputError("a revision needs a version", field="version")
        copy = replace(old, version=version.strip(), revises_id=old.id)
        return self.draft(copy, country=old.country_iso3, by=by, note=note)

    def agree(
        self,
        set_id: int,
        *,
        agreed_by: str,
        agreed_on: date,
        by: Principal,
        note: str | None = None,
    ) -> BenchmarkSet:
        """Record that a draft was agreed (by whom: e.g. "Joint transition committee, Ministry of
        Interior and UNMICA"; on which day). Other agreed versions of the same code in the
        country become superseded."""
        require(by, Permission.MANAGE_TRANSITION)
        if not agreed_by.strip():
            raise InputError("say who agreed the benchmarks", field="agreed_by")
        if agreed_on > today():
            raise InputError("the day of agreement is in the future", field="agreed_on")
        with transaction(self._engine) as conn:
            found = repo.get_set(conn, set_id)
            if found.status != SetStatus.DRAFT:
                raise ConflictError(f"benchmark set {set_id} is {found.status.value}, not a draft")
            for other in repo.list_sets(conn, country=found.country_iso3):
                if (
                    other.code == found.code
                    and other.id != set_id
                    and other.status == SetStatus.AGREED
                ):
                    repo.set_status(conn, other.id or 0, SetStatus.SUPERSEDED, by=by)
            repo.set_status(
                conn,
                set_id,
                SetStatus.AGREED,
                by=by,
                agreed_by=agreed_by.strip(),
                agreed_on=agreed_on,
                note=note,
            )
            return repo.get_set(conn, set_id)

    def delete_draft(self, set_id: int, *, by: Principal) -> None:
        """Drafts may be thrown away; agreed and superseded sets are the record and stay."""
        require(by, Permission.MANAGE_TRANSITION)
        with transaction(self._engine) as conn:
            found = repo.get_set(conn, set_id)
            if found.status != SetStatus.DRAFT:
                raise ConflictError(
                    f"benchmark set {set_id} is {found.status.value}; only drafts can be deleted"
                )
            repo.remove_set(conn, set_id, by=by)

    def _check_areas(self, conn: Any, benchmarks: BenchmarkSet, iso3: str) -> None:
        named = {b.area for b in benchmarks.benchmarks if b.area}
        named |= {
            c.target
            for b in benchmarks.benchmarks
            for c in b.conditions
            if c.kind == ConditionKind.FORECAST_RISK and c.target
        }
        if not named:
            return
        known = set(
            conn.execute(
                select(admin_areas.c.pcode).where(
                    admin_areas.c.country_iso3 == iso3, admin_areas.c.pcode.in_(named)
                )
            ).scalars()
        )
        missing = sorted(named - known)
        if missing:
            raise InputError(
                f"no admin area {', '.join(missing)} in {iso3}", field="benchmarks.area"
            )

    # Evidence --------------------------------------------------------------------------------

    def observations(
        self,
        condition: Condition,
        *,
        country: str,
        by: Principal,
        as_of: date | None = None,
        area: str = "",
        mission: str | None = None,
        _scored: builtins.list[ScoredRound] | None = None,
    ) -> builtins.list[Observation]:
        """The condition's series, oldest first, known at ``as_of`` (today by default)."""
        require(by, Permission.READ_REFERENCE)
        when = as_of or today()
        iso3 = country.upper()
        kind = condition.kind
        scored = _scored if _scored is not None else self._scored(iso3, when)
        if kind in (ConditionKind.INDICATOR_SCORE, ConditionKind.DIMENSION_SCORE):
            found = self._scores(condition, scored)
        elif kind == ConditionKind.FORECAST_RISK:
            if not by.can(Permission.READ_FORECASTS):
                return []
            found = self._risk(condition, iso3, when, condition.target or area)
        elif kind == ConditionKind.COMPLAINTS_RESOLVED:
            found = self._complaints(condition, iso3, when)
        elif kind == ConditionKind.GAPS_FUNDED:
            found = self._gaps(iso3, scored)
        elif kind == ConditionKind.TRAINED_PERSONNEL:
            found = self._trained(condition, iso3, when)
        else:
            found = self._sites(condition, iso3, when, area, mission)
        return [o for o in found if o.on <= when]

    def _scored(self, iso3: str, as_of: date) -> builtins.list[ScoredRound]:
        service = self._platform.assessment
        rounds = [r for r in service.rounds(country=iso3) if r.period_end <= as_of]
        return [service.score(r.id or 0) for r in sorted(rounds, key=lambda r: r.period_end)]

    def _scores(
        self, condition: Condition, scored: builtins.list[ScoredRound]
    ) -> builtins.list[Observation]:
        out = []
        for item in scored:
            scores, rnd = item.scores, item.round
            if condition.kind == ConditionKind.INDICATOR_SCORE:
                found = scores.indicators.get(condition.target)
                if found is None:
                    continue
                value, low, high = found.value, found.low, found.high
            else:
                institution, _, dimension = condition.target.partition("/")
                rollup = next(
                    (
                        r
                        for r in (scores.dimensions if dimension else scores.institutions)
                        if r.institution == institution
                        and (r.dimension.value if r.dimension else "") == dimension
                    ),
                    None,
                )
                if rollup is None:
                    continue
                value, low, high = rollup.value, rollup.low, rollup.high
            out.append(
                Observation(
                    on=rnd.period_end,
                    value=value,
                    se=max((high - low) / (2 * Z95), 1e-6),
                    evidence=f"assessment round {rnd.id}: {rnd.name}",
                )
            )
        return out

    def _risk(
        self, condition: Condition, iso3: str, as_of: date, area: str
    ) -> builtins.list[Observation]:
        service = self._platform.forecasting
        out = []
        runs = [r for r in service.runs(country=iso3) if r["level"] != "pgm"]
        if area:
            runs = [r for r in runs if r["level"] != "cm"]
        for run in sorted(runs, key=lambda r: (r["cutoff_month_id"], r["id"])):
            month = Month.from_month_id(run["cutoff_month_id"])
            made = date(month.year, month.month, 1)
            if made > as_of:
                continue
            window = range(
                run["cutoff_month_id"] + 1, run["cutoff_month_id"] + 1 + condition.months
            )
            values = [
                float(v["p_ge25"])
                for v in service.run_values(run["id"])
                if v["month_id"] in window and (not area or v["unit"] == area)
            ]
            if not values:
                continue
            where = f" in {area}" if area else ""
            out.append(
                Observation(
                    on=made,
                    value=max(values),
                    evidence=(
                        f"forecast run {run['id']} ({run['model']}, {run['level']}), highest "
                        f"monthly P(25+ deaths){where} over {condition.months} month(s)"
                    ),
                )
            )
        return out

    def _complaints(
        self, condition: Condition, iso3: str, as_of: date
    ) -> builtins.list[Observation]:
        c = complaints
        query = select(c.c.status, c.c.received_at, c.c.closed_at).where(c.c.country_iso3 == iso3)
        if condition.target:
            query = query.join(institutions, institutions.c.id == c.c.institution_id).where(
                institutions.c.type == condition.target
            )
        with transaction(self._engine, write=False) as conn:
            rows = builtins.list(conn.execute(query).mappings())
        cohorts: dict[tuple[int, int], builtins.list[int]] = defaultdict(lambda: [0, 0])
        for r in rows:
            received = r["received_at"].date()
            closed = r["closed_at"].date() if r["closed_at"] else None
            decided_by = received + timedelta(days=RESOLVE_DAYS)
            if r["status"] == "closed" and closed is not None and closed <= decided_by:
                continue  # closed without a decision (withdrawn, inadmissible): not counted
            key = (received.year, (received.month - 1) // 3)
            cohorts[key][0] += 1
            if r["status"] == "resolved" and closed is not None and closed <= decided_by:
                cohorts[key][1] += 1
        out = []
        for (year, quarter), (n, resolved) in sorted(cohorts.items()):
            last_month = quarter * 3 + 3
            end = date(year + (last_month == 12), last_month % 12 + 1, 1) - timedelta(days=1)
            known = end + timedelta(days=RESOLVE_DAYS)
            if n < MIN_COHORT or known > as_of:
                continue
            share = resolved / n
            out.append(
                Observation(
                    on=known,
                    value=share,
                    se=max(math.sqrt(share * (1 - share) / n), 0.5 / n),
                    evidence=(
                        f"complaints received {year}Q{quarter + 1}: {resolved} of {n} resolved "
                        f"within {RESOLVE_DAYS} days"
                    ),
                )
            )
        return out

    def _gaps(self, iso3: str, scored: builtins.list[ScoredRound]) -> builtins.list[Observation]:
        from peaceops.analytics.assessment.scoring import priorities

        coordination = self._platform.coordination
        # Rounds of several frameworks ending the same day are one look at the gaps.
        counts: dict[date, builtins.list[Any]] = {}
        for item in scored:
            found = coordination.priority_gaps(
                iso3,
                priorities(item.scores),
                framework=item.framework,
                as_of=item.round.period_end,
                top=GAPS_TOP,
            )
            if not found:
                continue
            funded = sum(1 for g in found if g.committed > 0 or any(g.other_currencies.values()))
            entry = counts.setdefault(item.round.period_end, [0, 0, []])
            entry[0] += funded
            entry[1] += len(found)
            entry[2].append(str(item.round.id))
        out = []
        for on, (funded, total, ids) in sorted(counts.items()):
            out.append(
                Observation(
                    on=on,
                    value=funded / total,
                    evidence=(
                        f"assessment round(s) {', '.join(ids)}: {funded} of the {total} top "
                        "weaknesses addressed by funded activities"
                    ),
                )
            )
        return out

    def _trained(self, condition: Condition, iso3: str, as_of: date) -> builtins.list[Observation]:
        t, p, s, i = trainees, training_participations, training_sessions, institutions
        query = (
            select(
                t.c.id,
                t.c.vetting,
                t.c.deployment,
                t.c.status_date,
                func.min(s.c.end).label("trained_on"),
            )
            .join(p, and_(p.c.trainee_id == t.c.id, p.c.completed.is_(True)))
            .join(s, s.c.id == p.c.session_id)
            .join(i, i.c.id == t.c.institution_id)
            .where(i.c.country_iso3 == iso3)
            .group_by(t.c.id, t.c.vetting, t.c.deployment, t.c.status_date)
        )
        if condition.target:
            query = query.where(i.c.type == condition.target)
        with transaction(self._engine, write=False) as conn:
            rows = builtins.list(conn.execute(query).mappings())
        if not rows:
            return []
        out = []
        for end in _quarter_ends(min(r["trained_on"] for r in rows), as_of):
            serving = 0
            for r in rows:
                if r["trained_on"] > end or r["vetting"] == "rejected":
                    continue
                gone = r["deployment"] in ("left", "dismissed", "deceased", "reassigned")
                if gone and (r["status_date"] is None or r["status_date"] <= end):
                    continue
                serving += 1
            out.append(
                Observation(
                    on=end,
                    value=float(serving),
                    evidence=(
                        "training register: people trained by then, not rejected at vetting, "
                        "still serving in a post that uses the training"
                    ),
                )
            )
        return out

    def _sites(
        self, condition: Condition, iso3: str, as_of: date, area: str, mission: str | None
    ) -> builtins.list[Observation]:
        acronym = condition.target or mission
        records = [
            d
            for d in self._platform.deployments.deployments(mission=acronym, country=iso3)
            if d.month
        ]
        everywhere = records
        if area and records:
            areas = self._platform.places.admin_areas(iso3, with_geometry=False)
            names = {a.id: (a.pcode, a.parent_pcode) for a in areas}
            records = [d for d in records if area in names.get(d.admin_area_id or 0, ())]
            if not records:
                # The mission never held a base there: nothing is left to hand over.
                last = min(as_of, max(date(d.year, d.month or 1, 1) for d in everywhere))
                return [  # one observation: the latest quarter end
                    Observation(
                        on=end,
                        value=1.0,
                        evidence=f"deployments of {acronym or 'the mission'}: no base in {area}",
                    )
                    for end in _quarter_ends(last - timedelta(days=92), last)[-1:]
                ]
        if not records:
            return []
        # The series runs to the mission's latest record anywhere: a base closed in the area
        # counts as handed over in every quarter after.
        latest = max(date(d.year, d.month or 1, 1) for d in everywhere)
        held: dict[str, tuple[date, date]] = {}
        for d in records:
            month = date(d.year, d.month or 1, 1)
            first, last = held.get(d.location, (month, month))
            held[d.location] = (min(first, month), max(last, month))
        out = []
        for end in _quarter_ends(min(f for f, _ in held.values()), min(as_of, latest)):
            opened = [loc for loc, (f, _) in held.items() if f <= end]
            left = [loc for loc in opened if held[loc][1] < end.replace(day=1)]
            if not opened:
                continue
            out.append(
                Observation(
                    on=end,
                    value=len(left) / len(opened),
                    evidence=(
                        f"deployments of {acronym or 'the mission'}: {len(left)} of "
                        f"{len(opened)} locations no longer held"
                    ),
                )
            )
        return out

    # Judging ---------------------------------------------------------------------------------

    def evaluate(
        self,
        benchmarks: BenchmarkSet,
        *,
        country: str,
        by: Principal,
        as_of: date | None = None,
    ) -> builtins.list[BenchmarkJudgement]:
        require(by, Permission.READ_REFERENCE)
        when = as_of or today()
        iso3 = country.upper()
        scored = self._scored(iso3, when)
        mission = self._mission(iso3)
        out = []
        for b in benchmarks.benchmarks:
            judged = [
                judge(
                    c,
                    self.observations(
                        c,
                        country=iso3,
                        by=by,
                        as_of=when,
                        area=b.area,
                        mission=mission,
                        _scored=scored,
                    ),
                    target_date=benchmarks.target_date,
                    seed=sum(map(ord, c.key)),
                )
                for c in b.conditions
            ]
            out.append(combine(b, judged))
        return out

    def readiness(
        self, country: str, *, by: Principal, as_of: date | None = None
    ) -> Readiness | None:
        """The country's current set judged at ``as_of``; None when it has no set."""
        found = self.current(country, by=by)
        if found is None:
            return None
        when = as_of or today()
        return Readiness(
            found, when, tuple(self.evaluate(found, country=country, by=by, as_of=when))
        )

    def _mission(self, iso3: str) -> str | None:
        here = [m for m in self._platform.missions.list() if iso3 in m.countries]
        return max(here, key=lambda m: m.start).acronym if here else None

    # Demonstration ---------------------------------------------------------------------------

    def load_demo(
        self,
        benchmarks: BenchmarkSet,
        *,
        country: str,
        agreed_by: str,
        agreed_on: date,
        by: Principal,
    ) -> BenchmarkSet:
        stored = self.draft(benchmarks, country=country, by=by, note="Carana demonstration")
        return self.agree(stored.id or 0, agreed_by=agreed_by, agreed_on=agreed_on, by=by)


def observation_dict(o: Observation) -> dict[str, Any]:
    return {"on": o.on.isoformat(), "value": o.value, "se": o.se, "evidence": o.evidence}


def judgement_dict(j: BenchmarkJudgement, *, language: str = "en") -> dict[str, Any]:
    """A judged benchmark as plain data (the API, ``--json``, report contexts)."""

    def day(d: date | None) -> str | None:
        return d.isoformat() if d else None

    b = j.benchmark
    return {
        "key": b.key,
        "statement": b.statement.get(language) or b.statement.get("en", ""),
        "institution": b.institution or None,
        "area": b.area or None,
        "status": j.status.value,
        "conditions": [
            {
                "key": c.condition.key,
                "kind": c.condition.kind.value,
                "target": c.condition.target or None,
                "threshold": c.condition.threshold,
                "direction": c.condition.direction.value,
                "months": c.condition.months,
                "status": c.status.value,
                "latest": observation_dict(c.latest) if c.latest else None,
                "trend_per_year": c.trend_per_year,
                "trend_se": c.trend_se,
                "projected": day(c.projected),
                "projected_low": day(c.projected_low),
                "projected_high": day(c.projected_high),
                "confidence": c.confidence,
                "reason": c.reason,
                "observations": [observation_dict(o) for o in c.observations],
            }
            for c in j.conditions
        ],
    }


def set_dict(s: BenchmarkSet, *, language: str = "en") -> dict[str, Any]:
    return {
        "id": s.id,
        "country": s.country_iso3,
        "code": s.code,
        "version": s.version,
        "title": s.title.get(language) or s.title.get("en", ""),
        "target_date": s.target_date.isoformat(),
        "status": s.status.value,
        "agreed_by": s.agreed_by or None,
        "agreed_on": s.agreed_on.isoformat() if s.agreed_on else None,
        "note": s.note,
        "revises": s.revises_id,
        "benchmarks": len(s.benchmarks),
        "conditions": sum(len(b.conditions) for b in s.benchmarks),
        "created_by": s.created_by,
        "created_at": s.created_at.isoformat() if s.created_at else None,
    }
