"""Translatable labels for the values of enums shown in the interface."""

from __future__ import annotations

from peaceops.domain.access import Role
from peaceops.domain.actors import ActorCategory
from peaceops.domain.audit import AuditAction
from peaceops.domain.institutions import InstitutionType, SiteKind
from peaceops.domain.missions import MandateTaskArea
from peaceops.services.web.i18n import N_, Language

LABELS: dict[str, dict[str, str]] = {
    "transition_status": {
        "met": N_("Met"),
        "on_track": N_("On track"),
        "at_risk": N_("At risk"),
        "off_track": N_("Off track"),
        "no_evidence": N_("No evidence"),
    },
    "set_status": {
        "draft": N_("Draft"),
        "agreed": N_("Agreed"),
        "superseded": N_("Superseded"),
    },
    "condition_kind": {
        "indicator_score": N_("Indicator score"),
        "dimension_score": N_("Dimension score"),
        "forecast_risk": N_("Forecast risk of violence"),
        "complaints_resolved": N_("Complaints resolved"),
        "gaps_funded": N_("Gaps funded"),
        "trained_personnel": N_("Trained personnel serving"),
        "sites_handed_over": N_("Mission sites handed over"),
    },
    "framework_institution": {
        "police": N_("Police"),
        "judiciary": N_("Courts, prosecution and legal aid"),
        "corrections": N_("Prisons and corrections"),
        "armed_forces": N_("Armed forces"),
        "oversight": N_("Oversight bodies"),
    },
    "institution_type": {
        InstitutionType.POLICE: N_("Police"),
        InstitutionType.GENDARMERIE: N_("Gendarmerie"),
        InstitutionType.BORDER_AGENCY: N_("Border agency"),
        InstitutionType.COURTS: N_("Courts"),
        InstitutionType.PROSECUTION: N_("Prosecution service"),
        InstitutionType.LEGAL_AID: N_("Legal aid"),
        InstitutionType.CORRECTIONS: N_("Prisons and corrections"),
        InstitutionType.ARMED_FORCES: N_("Armed forces"),
        InstitutionType.MINISTRY_INTERIOR: N_("Ministry of interior"),
        InstitutionType.MINISTRY_JUSTICE: N_("Ministry of justice"),
        InstitutionType.MINISTRY_DEFENCE: N_("Ministry of defence"),
        InstitutionType.PARLIAMENTARY_OVERSIGHT: N_("Parliamentary oversight"),
        InstitutionType.HUMAN_RIGHTS_INSTITUTION: N_("National human rights institution"),
        InstitutionType.ANTI_CORRUPTION_BODY: N_("Anti-corruption body"),
        InstitutionType.CIVIL_ADMINISTRATION: N_("Civil administration"),
    },
    "sector": {
        "security": N_("Security"),
        "justice": N_("Justice"),
        "defence": N_("Defence"),
        "oversight": N_("Oversight"),
        "governance": N_("Governance"),
    },
    "site_kind": {
        SiteKind.HEADQUARTERS: N_("Headquarters"),
        SiteKind.POLICE_STATION: N_("Police station"),
        SiteKind.POLICE_POST: N_("Police post"),
        SiteKind.COURT: N_("Court"),
        SiteKind.PROSECUTOR_OFFICE: N_("Prosecutor's office"),
        SiteKind.PRISON: N_("Prison"),
        SiteKind.BARRACKS: N_("Barracks"),
        SiteKind.BORDER_POST: N_("Border post"),
        SiteKind.TRAINING_CENTRE: N_("Training centre"),
        SiteKind.OFFICE: N_("Office"),
    },
    "actor_category": {
        ActorCategory.UN_ENTITY: N_("UN entity"),
        ActorCategory.PEACE_OPERATION: N_("Peace operation"),
        ActorCategory.REGIONAL_ORGANISATION: N_("Regional organisation"),
        ActorCategory.INTERNATIONAL_FINANCIAL_INSTITUTION: N_(
            "International financial institution"
        ),
        ActorCategory.BILATERAL_DONOR: N_("Bilateral donor"),
        ActorCategory.INTERNATIONAL_NGO: N_("International NGO"),
        ActorCategory.NATIONAL_NGO: N_("National NGO"),
        ActorCategory.CIVIL_SOCIETY: N_("Civil society"),
        ActorCategory.HOST_GOVERNMENT: N_("Host government"),
        ActorCategory.PRIVATE_CONTRACTOR: N_("Private contractor"),
        ActorCategory.RESEARCH: N_("Research"),
    },
    "role": {
        Role.ADMIN: N_("Administrator"),
        Role.ANALYST: N_("Analyst"),
        Role.PARTNER: N_("Partner"),
        Role.CIVIL_SOCIETY: N_("Civil society"),
        Role.VIEWER: N_("Viewer"),
        Role.CASE_HANDLER: N_("Case handler"),
    },
    "task_area": {
        MandateTaskArea.PROTECTION_OF_CIVILIANS: N_("Protection of civilians"),
        MandateTaskArea.SECURITY_SECTOR_REFORM: N_("Security sector reform"),
        MandateTaskArea.RULE_OF_LAW: N_("Rule of law"),
        MandateTaskArea.DDR: N_("Disarmament, demobilisation and reintegration"),
        MandateTaskArea.HUMAN_RIGHTS: N_("Human rights"),
        MandateTaskArea.ELECTIONS: N_("Elections"),
        MandateTaskArea.STATE_AUTHORITY: N_("State authority"),
        MandateTaskArea.POLITICAL_PROCESS: N_("Political process"),
        MandateTaskArea.HUMANITARIAN_ACCESS: N_("Humanitarian access"),
        MandateTaskArea.MINE_ACTION: N_("Mine action"),
    },
    "audit_action": {
        AuditAction.CREATE: N_("created"),
        AuditAction.UPDATE: N_("updated"),
        AuditAction.DELETE: N_("deleted"),
        AuditAction.LOGIN: N_("logged in"),
        AuditAction.LOGIN_FAILED: N_("failed login"),
        AuditAction.LOGOUT: N_("logged out"),
        AuditAction.IMPORT: N_("imported"),
        AuditAction.READ: N_("read"),
    },
}


def label(language: Language, group: str, value: object) -> str:
    key = getattr(value, "value", value)
    message = LABELS.get(group, {}).get(str(key))
    return language.gettext(message) if message else str(key)
