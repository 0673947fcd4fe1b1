"""The facade that the CLI and the web app both call.

``Platform`` holds the engine and one service object per capability; it is thin, and each
service checks the caller's permission before it reads or writes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from peaceops.config import Settings
from peaceops.domain.access import Permission, Principal, Role
from peaceops.platform.access import require
from peaceops.platform.accounts import AccountsService
from peaceops.platform.actors import ActorsService
from peaceops.platform.alerts import AlertsService
from peaceops.platform.assessment import AssessmentService
from peaceops.platform.audit import AuditService
from peaceops.platform.backup import BackupService
from peaceops.platform.complaints import ComplaintsService
from peaceops.platform.context import ContextService
from peaceops.platform.coordination import CoordinationService
from peaceops.platform.deployments import DeploymentsService
from peaceops.platform.events import EventsService
from peaceops.platform.incidents import IncidentsService
from peaceops.platform.institutions import InstitutionsService
from peaceops.platform.knowledge import KnowledgeService
from peaceops.platform.legal import LegalService
from peaceops.platform.missions import MissionsService
from peaceops.platform.places import ImportReport, PlacesService
from peaceops.platform.reports import ReportsService
from peaceops.platform.scenario import DemoLogin, Progress, load_scenario
from peaceops.platform.situation import SituationService
from peaceops.platform.surveys import SurveysService
from peaceops.platform.trainings import TrainingsService
from peaceops.platform.transition import TransitionService
from peaceops.storage import current_revision, head_revision, make_engine, upgrade

if TYPE_CHECKING:
    from peaceops.platform.forecasting import ForecastingService
    from peaceops.scenario.carana import Scenario


class Platform:
    """One PeaceOps database and everything that can be done with it."""

    def __init__(self, settings: Settings, *, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings.database_url)
        self.places = PlacesService(self.engine)
        self.institutions = InstitutionsService(self.engine)
        self.missions = MissionsService(self.engine)
        self.actors = ActorsService(self.engine)
        self.accounts = AccountsService(self.engine, settings)
        self.audit = AuditService(self.engine)
        self.backups = BackupService(settings, self.engine)
        self.events = EventsService(self.engine)
        self.context = ContextService(self.engine)
        self.assessment = AssessmentService(settings, self.engine)
        self.coordination = CoordinationService(
            settings, self.engine, assessment=self.assessment, forecasting=lambda: self.forecasting
        )
        self.trainings = TrainingsService(settings, self.engine)
        self.surveys = SurveysService(settings, self.engine, assessment=self.assessment)
        self.complaints = ComplaintsService(settings, self.engine, assessment=self.assessment)
        self.incidents = IncidentsService(settings, self.engine)
        self.deployments = DeploymentsService(settings, self.engine)
        # Both read across the other services (forecasts, incidents, sites, programmes).
        self.alerts = AlertsService(settings, self.engine, platform=self)
        self.listeners: list[Callable[[str, str | None], object]] = [self.alerts.changed]
        self.situation = SituationService(settings, self.engine, platform=self)
        self.knowledge = KnowledgeService(settings, self.engine, platform=self)
        self.legal = LegalService(settings, self.engine, platform=self)
        self.transition = TransitionService(settings, self.engine, platform=self)
        # Reads every other service: built last.
        self.reports = ReportsService(settings, self.engine, platform=self)

    @property
    def forecasting(self) -> ForecastingService:
        """Loaded on first use: it brings NumPy, Polars and scikit-learn. One instance, so that
        its cache of event panels lasts."""
        found: ForecastingService | None = self.__dict__.get("_forecasting")
        if found is None:
            from peaceops.platform.forecasting import ForecastingService

            found = ForecastingService(self.settings, self.engine)
            self.__dict__["_forecasting"] = found
        return found

    def close(self) -> None:
        self.engine.dispose()

    # Database lifecycle ------------------------------------------------------------------

    def upgrade(self) -> str | None:
        """Apply every pending migration; returns the revision reached."""
        upgrade(self.engine)
        return current_revision(self.engine)

    def is_current(self) -> bool:
        return current_revision(self.engine) == head_revision()

    def rotate_keys(self, *, by: Principal) -> dict[str, int]:
        """Re-encrypt every personal field with the first of ``PEACEOPS_DATA_KEY``'s keys.

        Complaints, trainees and survey respondents, each in its own transaction; a rerun after
        an interruption is safe (every key still decrypts). Afterwards the old keys may go.
        Returns the rows rewritten per kind.
        """
        require(by, Permission.MANAGE_USERS)
        return {
            "complaints": self.complaints.rotate_keys(by=by),
            "trainees": self.trainings.rotate_keys(by=by),
            "survey_submissions": self.surveys.rotate_keys(by=by),
        }

    def initialise(
        self, *, admin_username: str = "admin", by: Principal | None = None
    ) -> tuple[str, str | None]:
        """Migrate, load reference countries and the shipped indicator frameworks, and create
        the first admin if there is none.

        Returns the admin user name and its one-time password (None if an admin existed).
        """
        actor = by or Principal.system()
        self.upgrade()
        self.places.load_reference_countries(by=actor)
        self.assessment.load_builtin(by=actor)
        if any(u.role == Role.ADMIN for u in self.accounts.list_users(by=actor)):
            return admin_username, None
        user, password = self.accounts.create_user(
            username=admin_username, role=Role.ADMIN, display_name="Administrator", by=actor
        )
        return user.username, password

    def load_demo(
        self, *, seed: int | None = None, progress: Progress | None = None
    ) -> list[DemoLogin]:
        from peaceops.scenario.carana import DEFAULT_SEED, build_carana

        by = Principal.system("demo-loader")
        self.upgrade()
        self.places.load_reference_countries(by=by)
        scenario = build_carana(seed if seed is not None else DEFAULT_SEED)
        logins = load_scenario(
            scenario,
            places=self.places,
            institutions=self.institutions,
            actors=self.actors,
            missions=self.missions,
            accounts=self.accounts,
            events=self.events,
            by=by,
            progress=progress,
        )
        from peaceops.domain.places import Month
        from peaceops.scenario.violence import LAST

        # The forecasts issued each quarter of the last year, so that the risk has a trend
        # (transition benchmarks judge it); the latest is the one pages show.
        for back in (9, 6, 3, 0):
            self.forecasting.run_events(
                "admin1",
                scenario.country.iso3,
                cutoff=Month.from_month_id(LAST.month_id - back),
                by=by,
                n_draws=500,
            )
        if progress:
            progress("forecast", 1)
        self.load_demo_assessments(scenario, by=by)
        if progress:
            progress("assessment", 1)
        self.load_demo_coordination(scenario, by=by)
        self.load_demo_surveys(scenario, by=by)
        if progress:
            progress("programmes", 1)
        self.load_demo_complaints(scenario, by=by)
        self.load_demo_deployments(scenario, by=by)
        self.load_demo_incidents(scenario, by=by)
        self.load_demo_alerts(scenario, by=by)
        self.load_demo_lessons(scenario, by=by)
        self.load_demo_laws(scenario, by=by)
        self.load_demo_transition(scenario, by=by)
        return logins

    def load_demo_transition(self, scenario: Scenario, *, by: Principal) -> None:
        """UNMICA's agreed transition benchmarks (see ``scenario/transition.py``)."""
        from peaceops.scenario.transition import AGREED_BY, AGREED_ON, build_benchmarks

        iso3 = scenario.country.iso3
        benchmarks = build_benchmarks(scenario.regions, iso3=iso3)
        self.transition.load_demo(
            benchmarks, country=iso3, agreed_by=AGREED_BY, agreed_on=AGREED_ON, by=by
        )

    def load_demo_coordination(self, scenario: Scenario, *, by: Principal) -> None:
        """Partners' programmes with money, results and trainings, with planted duplicates
        and gaps (see ``scenario/coordination.py``)."""
        from peaceops.scenario.coordination import build_coordination

        built = build_coordination(scenario, seed=scenario.seed)
        for actor in built.actors:
            self.actors.create(actor, by=by)
        self.coordination.add_activities(built.activities, label="Carana programmes", by=by)
        self.trainings.add_records(built.trainings, label="Carana training register", by=by)

    def load_demo_surveys(self, scenario: Scenario, *, by: Principal) -> None:
        """Two waves of the Carana perception survey, read from the XLSForm the scenario writes."""
        import tempfile

        from peaceops.ingest.xlsform import read_xlsform
        from peaceops.scenario.perception import build_perception_waves, write_perception_xlsform

        with tempfile.TemporaryDirectory() as folder:
            path = write_perception_xlsform(
                Path(folder) / "carana_perception.xlsx", scenario=scenario
            )
            form = read_xlsform(path)
        survey, _ = self.surveys.add_form(form, country=scenario.country.iso3, by=by)
        assert survey.id is not None
        # The waves are not linked to the demo's assessment rounds, whose public-survey
        # evidence follows its own storyline; linking a wave (``peaceops import submissions
        # --round``) stores its mapped answers as a round's evidence.
        for wave in build_perception_waves(scenario, seed=scenario.seed):
            self.surveys.save_wave(
                survey.id,
                wave.name,
                period_start=wave.period_start,
                period_end=wave.period_end,
                by=by,
            )
            self.surveys.add_submissions(
                survey.id, list(wave.submissions), wave=wave.name, label=wave.name, by=by
            )

    def load_demo_assessments(self, scenario: Scenario, *, by: Principal) -> None:
        """Three rule-of-law rounds and one security-sector round of generated evidence."""
        from peaceops.scenario.assessment import build_rounds

        frameworks = {fw.code: fw for fw, _ in self.assessment.load_builtin(by=by)}
        plan = {"rule_of_law": 3, "security_sector_governance": 1}
        for code, n in plan.items():
            if code not in frameworks:
                continue
            # The legal-framework items are fed by the demo's laws (``load_demo_laws``).
            fed = frozenset(item for _, item in self.legal.feeds(code))
            for spec in build_rounds(
                frameworks[code], scenario, rounds=n, seed=scenario.seed, fed_items=fed
            ):
                rnd = self.assessment.create_round(
                    country=scenario.country.iso3,
                    framework=frameworks[code].key,
                    name=spec.name,
                    period_start=spec.period_start,
                    period_end=spec.period_end,
                    sample_frame=spec.sample_frame,
                    notes=spec.notes,
                    by=by,
                )
                assert rnd.id is not None
                self.assessment.add_evidence(rnd.id, spec.evidence, label="generated (demo)", by=by)

    def load_demo_complaints(self, scenario: Scenario, *, by: Principal) -> None:
        """Complaints against the security forces and how they were handled (see
        ``scenario/complaints.py``), fed into the integrity evidence of the rule-of-law rounds."""
        from peaceops.scenario.complaints import build_complaints

        iso3 = scenario.country.iso3
        items = build_complaints(scenario, seed=scenario.seed)
        self.complaints.load_demo(items, country=iso3, by=by)
        for rnd in self.assessment.rounds(country=iso3, framework="rule_of_law"):
            if rnd.id is not None and rnd.period_end >= items[0].complaint.received_at.date():
                self.complaints.feed_assessment(rnd.id, by=by)

    def load_demo_incidents(self, scenario: Scenario, *, by: Principal) -> None:
        """The mission's incident log with its verification history (see
        ``scenario/incidents.py``): verified incidents of organised violence become events."""
        from peaceops.scenario.incidents import build_incidents

        items = build_incidents(scenario, seed=scenario.seed)
        self.incidents.load_demo(items, country=scenario.country.iso3, by=by)

    def load_demo_alerts(self, scenario: Scenario, *, by: Principal) -> None:
        """The demo's alert rules (``scenario/alerts.py``), run once so the demo shows alerts."""
        from peaceops.scenario.alerts import build_alert_rules

        self.alerts.load_demo(build_alert_rules(scenario.country.iso3), by=by)

    def load_demo_lessons(self, scenario: Scenario, *, by: Principal) -> None:
        """UNMICA's lessons-learned notes (``scenario/lessons.py``) in the knowledge base."""
        from peaceops.scenario.lessons import build_notes

        for note in build_notes():
            self.knowledge.ingest_text(
                note.text, name=note.name, by=by, countries=(scenario.country.iso3,)
            )

    def load_demo_laws(self, scenario: Scenario, *, by: Principal) -> None:
        """Carana's security and justice legislation (``scenario/laws.py``) with its steps and
        checklist reviews, fed into every assessment round of the country."""
        from peaceops.scenario.laws import build_laws

        self.legal.load_demo(build_laws(), country=scenario.country.iso3, by=by)
        for rnd in self.assessment.rounds(country=scenario.country.iso3):
            if rnd.id is not None:
                self.legal.feed_round(rnd.id, by=by)

    def after_change(self, kind: str, country: str | None) -> None:
        """Tell the listeners (the alerts, by default) that data changed: ``forecast`` after a
        forecast run is stored, ``incident_verified`` after an incident is verified. The web
        and command-line layers call it after the change has committed."""
        for listener in self.listeners:
            listener(kind, country)

    def load_demo_deployments(self, scenario: Scenario, *, by: Principal) -> None:
        """UNMICA's bases, monthly and yearly, with the 2025-2026 drawdown (see
        ``scenario/deployments.py``)."""
        from peaceops.scenario.deployments import build_deployments

        records = build_deployments(scenario, seed=scenario.seed)
        self.deployments.add_deployments(records, label="UNMICA deployments (demo)", by=by)

    def data_dir(self) -> Path:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        return self.settings.data_dir


__all__ = ["DemoLogin", "ImportReport", "Platform"]
