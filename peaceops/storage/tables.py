"""Table definitions of the foundation: places, missions, institutions, actors, users, audit.

Later capabilities add their own modules beside this one and register their tables on the
same ``metadata``; every change reaches databases through an Alembic migration.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from peaceops.storage.types import JSONType, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

countries = Table(
    "countries",
    metadata,
    Column("iso3", String(3), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("iso2", String(2)),
    Column("numeric", Integer),
    Column("gw_code", Integer, unique=True),
    Column("ucdp_id", Integer),
    Column("fictional", Boolean, nullable=False, default=False),
)

admin_areas = Table(
    "admin_areas",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("country_iso3", String(3), ForeignKey("countries.iso3"), nullable=False),
    Column("level", SmallInteger, nullable=False),
    Column("pcode", String(64), nullable=False),
    Column("name", String(300), nullable=False),
    Column("parent_id", Integer, ForeignKey("admin_areas.id", ondelete="SET NULL")),
    Column("geometry", JSONType, nullable=False),
    Column("min_lon", Float, nullable=False),
    Column("min_lat", Float, nullable=False),
    Column("max_lon", Float, nullable=False),
    Column("max_lat", Float, nullable=False),
    Column("source", String(500)),
    UniqueConstraint("country_iso3", "pcode", name="uq_admin_areas_country_pcode"),
    CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),
)
Index("ix_admin_areas_country_level", admin_areas.c.country_iso3, admin_areas.c.level)

settlements = Table(
    "settlements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("country_iso3", String(3), ForeignKey("countries.iso3"), nullable=False),
    Column("name", String(300), nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("population", Integer),
    Column("admin_area_id", Integer, ForeignKey("admin_areas.id", ondelete="SET NULL")),
    Column("is_capital", Boolean, nullable=False, default=False),
    UniqueConstraint("country_iso3", "name", name="uq_settlements_country_name"),
)

missions = Table(
    "missions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("acronym", String(40), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("organisation", String(20), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
)

mission_countries = Table(
    "mission_countries",
    metadata,
    Column("mission_id", Integer, ForeignKey("missions.id", ondelete="CASCADE"), primary_key=True),
    Column("country_iso3", String(3), ForeignKey("countries.iso3"), primary_key=True),
)

mandate_periods = Table(
    "mandate_periods",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("mission_id", Integer, ForeignKey("missions.id", ondelete="CASCADE"), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("resolution", String(100)),
    CheckConstraint("end_date >= start_date", name="dates_ordered"),
)

mandate_tasks = Table(
    "mandate_tasks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "period_id", Integer, ForeignKey("mandate_periods.id", ondelete="CASCADE"), nullable=False
    ),
    Column("area", String(40), nullable=False),
    Column("text", Text, nullable=False),
)

actors = Table(
    "actors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(300), nullable=False, unique=True),
    Column("acronym", String(40)),
    Column("category", String(40), nullable=False),
    Column("org_type", SmallInteger, nullable=False),
    Column("iati_org_id", String(100), unique=True),
    Column("country_iso3", String(3), ForeignKey("countries.iso3")),
    Column("name_variants", JSONType, nullable=False, default=list),
)

institutions = Table(
    "institutions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("country_iso3", String(3), ForeignKey("countries.iso3"), nullable=False),
    Column("type", String(40), nullable=False),
    Column("name", String(300), nullable=False),
    Column("acronym", String(40)),
    Column("parent_id", Integer, ForeignKey("institutions.id", ondelete="SET NULL")),
    Column("description", Text),
    UniqueConstraint("country_iso3", "name", name="uq_institutions_country_name"),
)

sites = Table(
    "sites",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "institution_id",
        Integer,
        ForeignKey("institutions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(300), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("lon", Float),
    Column("lat", Float),
    Column("admin_area_id", Integer, ForeignKey("admin_areas.id", ondelete="SET NULL")),
    UniqueConstraint("institution_id", "name", name="uq_sites_institution_name"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("email", String(300)),
    Column("password_hash", String(300), nullable=False),
    Column("role", String(20), nullable=False),
    Column("actor_id", Integer, ForeignKey("actors.id", ondelete="SET NULL")),
    Column("language", String(8)),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("must_change_password", Boolean, nullable=False, default=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime()),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_login_at", UTCDateTime()),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("prefix", String(12), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("last_used_at", UTCDateTime()),
    Column("revoked", Boolean, nullable=False, default=False),
    # Space-separated TokenScope values; tokens made before scopes existed keep their role.
    Column("scopes", String(40), nullable=False, server_default="read write personal"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("user_id", Integer),  # no foreign key: the log outlives the users it names
    Column("username", String(80), nullable=False),
    Column("via", String(20)),
    Column("action", String(20), nullable=False),
    Column("entity", String(60), nullable=False),
    Column("entity_id", String(100)),
    Column("before", JSONType),
    Column("after", JSONType),
    # The hash chain (migration 0012): each entry's SHA-256 covers the one before it.
    Column("prev_hash", String(64)),
    Column("hash", String(64)),
)
Index("ix_audit_log_entity", audit_log.c.entity, audit_log.c.entity_id)
Index("ix_audit_log_at", audit_log.c.at)

# Early warning --------------------------------------------------------------------------

# A counter per kind of data, raised in the transaction of every write to it: readers that
# cache what they computed from that data (the situation map's event cells) compare counters
# instead of re-reading the data. One row per name.
data_versions = Table(
    "data_versions",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("version", Integer, nullable=False),
)

# Results computed from stored data, as of its data versions (named in the key), kept for every
# process of a server: the first worker to need one computes it, the others read it.
shared_results = Table(
    "shared_results",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("kind", String(40), nullable=False, index=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("payload", LargeBinary, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(20), nullable=False),
    Column("source_id", String(40), nullable=False),
    Column("version", String(20), nullable=False),
    Column("digest", String(40), nullable=False),
    Column("type_of_violence", SmallInteger, nullable=False),
    Column("date_start", Date, nullable=False),
    Column("date_end", Date, nullable=False),
    Column("month_id", Integer, nullable=False),
    Column("best", Integer, nullable=False),
    Column("low", Integer, nullable=False),
    Column("high", Integer, nullable=False),
    Column("lon", Float),
    Column("lat", Float),
    Column("country_gw", Integer),
    Column("country", String(120)),
    Column("priogrid_gid", Integer),
    Column("adm_1", String(200)),
    Column("adm_2", String(200)),
    Column("where_prec", SmallInteger),
    Column("date_prec", SmallInteger),
    Column("side_a", String(300)),
    Column("side_b", String(300)),
    Column("conflict_name", String(300)),
    UniqueConstraint("source", "source_id", "version", name="uq_events_source_id_version"),
    CheckConstraint("low <= best AND best <= high AND low >= 0", name="fatalities_ordered"),
    CheckConstraint("date_start <= date_end", name="dates_ordered"),
)
Index("ix_events_country_month", events.c.country_gw, events.c.month_id)
Index("ix_events_grid_month", events.c.priogrid_gid, events.c.month_id)
# The situation map asks for the events of a time window inside a bounding box and groups
# them into cells; with the toll and the type in the index, that never touches the table.
Index(
    "ix_events_map",
    events.c.month_id,
    events.c.lon,
    events.c.lat,
    events.c.best,
    events.c.type_of_violence,
)

forecast_runs = Table(
    "forecast_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("level", String(10), nullable=False),
    Column("country_iso3", String(3), ForeignKey("countries.iso3")),
    Column("target", String(10), nullable=False),
    Column("model", String(60), nullable=False),
    Column("cutoff_month_id", Integer, nullable=False),
    Column("data_vintage", Text, nullable=False),
    Column("n_draws", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(80), nullable=False),
)

forecast_values = Table(
    "forecast_values",
    metadata,
    Column("run_id", Integer, ForeignKey("forecast_runs.id", ondelete="CASCADE"), primary_key=True),
    Column("unit", String(64), primary_key=True),
    Column("month_id", Integer, primary_key=True),
    Column("mean", Float, nullable=False),
    Column("q05", Float, nullable=False),
    Column("q50", Float, nullable=False),
    Column("q95", Float, nullable=False),
    Column("p_gt0", Float, nullable=False),
    Column("p_ge25", Float, nullable=False),
    Column("p_ge100", Float, nullable=False),
)

# Institutional assessment ---------------------------------------------------------------

assessment_frameworks = Table(
    "assessment_frameworks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False),
    Column("version", String(32), nullable=False),
    Column("title", JSONType, nullable=False),
    Column("content", JSONType, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("origin", String(20), nullable=False),
    Column("loaded_at", UTCDateTime(), nullable=False),
    UniqueConstraint("code", "version", name="uq_assessment_frameworks_code_version"),
)

assessment_rounds = Table(
    "assessment_rounds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("country_iso3", String(3), ForeignKey("countries.iso3"), nullable=False),
    Column("framework_id", Integer, ForeignKey("assessment_frameworks.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("institutions", JSONType, nullable=False),
    Column("sample_frame", Text, nullable=False, default=""),
    Column("notes", Text, nullable=False, default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("country_iso3", "name", name="uq_assessment_rounds_country_name"),
    CheckConstraint("period_start <= period_end", name="period_ordered"),
)

assessment_responses = Table(
    "assessment_responses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "round_id",
        Integer,
        ForeignKey("assessment_rounds.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("source", String(20), nullable=False),
    Column("respondent_ref", String(64), nullable=False),
    Column("weight", Float, nullable=False),
    Column("sex", String(20)),
    Column("region", String(64)),
    Column("group_name", String(64)),
    Column("collected_on", Date),
    Column("answers", JSONType, nullable=False),
    UniqueConstraint(
        "round_id", "source", "respondent_ref", name="uq_assessment_responses_respondent"
    ),
    CheckConstraint("weight > 0", name="weight_positive"),
)

assessment_admin_values = Table(
    "assessment_admin_values",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "round_id",
        Integer,
        ForeignKey("assessment_rounds.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("item_code", String(64), nullable=False),
    Column("breakdown", String(120), nullable=False, default=""),
    Column("as_of", Date, nullable=False),
    Column("numerator", Float, nullable=False),
    Column("denominator", Float),
    Column("source_name", String(300), nullable=False),
    UniqueConstraint(
        "round_id", "item_code", "breakdown", "as_of", name="uq_assessment_admin_values_key"
    ),
)

assessment_checks = Table(
    "assessment_checks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "round_id",
        Integer,
        ForeignKey("assessment_rounds.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("source", String(20), nullable=False),
    Column("item_code", String(64), nullable=False),
    Column("reference", String(300), nullable=False),
    Column("met", Boolean, nullable=False),
    Column("checked_on", Date, nullable=False),
    Column("notes", Text, nullable=False, default=""),
    UniqueConstraint(
        "round_id", "source", "item_code", "reference", name="uq_assessment_checks_key"
    ),
)

# External context: governance indices as country-year series -------------------------------

context_values = Table(
    "context_values",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(20), nullable=False),
    Column("indicator", String(80), nullable=False),
    Column("label", String(300), nullable=False),
    Column("country_iso3", String(3), ForeignKey("countries.iso3"), nullable=False),
    Column("year", SmallInteger, nullable=False),
    Column("value", Float, nullable=False),
    Column("scale_low", Float),
    Column("scale_high", Float),
    Column("higher_is_better", Boolean, nullable=False, default=True),
    UniqueConstraint("source", "indicator", "country_iso3", "year", name="uq_context_values_key"),
)
Index("ix_context_values_country", context_values.c.country_iso3, context_values.c.year)

# Programmes and money ------------------------------------------------------------------------

activities = Table(
    "activities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("identifier", String(200), nullable=False, unique=True),
    Column("source", String(20), nullable=False),
    Column("title", JSONType, nullable=False),
    Column("description", JSONType, nullable=False),
    Column("status", SmallInteger),
    Column("planned_start", Date),
    Column("actual_start", Date),
    Column("planned_end", Date),
    Column("actual_end", Date),
    Column("reporting_org", String(300)),
    Column("reporting_org_ref", String(200)),
    Column("reporting_actor_id", Integer, ForeignKey("actors.id", ondelete="SET NULL")),
    Column("default_currency", String(3)),
    Column("countries", JSONType, nullable=False),
    Column("sectors", JSONType, nullable=False),
    Column("capabilities", JSONType, nullable=False),
    Column("budgets", JSONType, nullable=False),
    Column("results", JSONType, nullable=False),
    # Digest of the activity as imported: re-importing the same record changes nothing.
    Column("sha256", String(64), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

activity_participants = Table(
    "activity_participants",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("activity_id", Integer, ForeignKey("activities.id", ondelete="CASCADE"), nullable=False),
    Column("role", SmallInteger, nullable=False),
    Column("name", String(300), nullable=False),
    Column("ref", String(200)),
    Column("org_type", String(10)),
    Column("actor_id", Integer, ForeignKey("actors.id", ondelete="SET NULL")),
)
Index("ix_activity_participants_activity", activity_participants.c.activity_id)
Index("ix_activity_participants_actor", activity_participants.c.actor_id)

activity_institutions = Table(
    "activity_institutions",
    metadata,
    Column(
        "activity_id",
        Integer,
        ForeignKey("activities.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "institution_id",
        Integer,
        ForeignKey("institutions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

activity_locations = Table(
    "activity_locations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("activity_id", Integer, ForeignKey("activities.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(300), nullable=False),
    Column("lon", Float),
    Column("lat", Float),
    Column("country_iso3", String(3)),
    Column("admin_level", SmallInteger),
    Column("admin_code", String(40)),
    Column("admin_area_id", Integer, ForeignKey("admin_areas.id", ondelete="SET NULL")),
)
Index("ix_activity_locations_activity", activity_locations.c.activity_id)
Index("ix_activity_locations_area", activity_locations.c.admin_area_id)

activity_transactions = Table(
    "activity_transactions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("activity_id", Integer, ForeignKey("activities.id", ondelete="CASCADE"), nullable=False),
    Column("type", SmallInteger, nullable=False),
    Column("date", Date, nullable=False),
    Column("value", Float, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("value_date", Date),
    Column("provider", String(300)),
    Column("provider_ref", String(200)),
    Column("receiver", String(300)),
    Column("receiver_ref", String(200)),
    Column("description", Text),
)
Index("ix_activity_transactions_activity", activity_transactions.c.activity_id)

duplicate_decisions = Table(
    "duplicate_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("first_identifier", String(200), nullable=False),
    Column("second_identifier", String(200), nullable=False),
    Column("decision", String(20), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("decided_by", String(120)),
    Column("decided_at", UTCDateTime(), nullable=False),
    UniqueConstraint("first_identifier", "second_identifier", name="uq_duplicate_decisions_pair"),
    CheckConstraint("first_identifier < second_identifier", name="pair_ordered"),
)

actor_merges = Table(
    "actor_merges",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("into_actor_id", Integer, ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("merged_name", String(300), nullable=False),
    Column("merged_acronym", String(40)),
    Column("merged_iati_org_id", String(100)),
    Column("merged_by", String(120)),
    Column("merged_at", UTCDateTime(), nullable=False),
)

# Training records ----------------------------------------------------------------------------

training_courses = Table(
    "training_courses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(60), nullable=False, unique=True),
    Column("title", String(300), nullable=False),
    Column("topic", String(40), nullable=False),
    Column("tags", JSONType, nullable=False),
    Column("duration_days", SmallInteger),
    Column("provider", String(300)),
)

training_sessions = Table(
    "training_sessions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "course_id", Integer, ForeignKey("training_courses.id", ondelete="CASCADE"), nullable=False
    ),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("place", String(200), nullable=False),
    Column("provider", String(300)),
    Column("activity_identifier", String(200)),
    Column("admin_area_id", Integer, ForeignKey("admin_areas.id", ondelete="SET NULL")),
    UniqueConstraint("course_id", "start", "place", name="uq_training_sessions_key"),
    CheckConstraint('start <= "end"', name="dates_ordered"),
)

trainees = Table(
    "trainees",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "institution_id", Integer, ForeignKey("institutions.id", ondelete="CASCADE"), nullable=False
    ),
    Column("service_number", String(60), nullable=False),
    # The trainee's name, encrypted with the platform's data key (Fernet).
    Column("name_encrypted", Text, nullable=False),
    Column("sex", String(10), nullable=False),
    Column("rank", String(80)),
    Column("birth_year", SmallInteger),
    Column("vetting", String(20), nullable=False),
    Column("deployment", String(20), nullable=False),
    Column("status_date", Date),
    UniqueConstraint("institution_id", "service_number", name="uq_trainees_service_number"),
)

training_participations = Table(
    "training_participations",
    metadata,
    Column(
        "session_id",
        Integer,
        ForeignKey("training_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("trainee_id", Integer, ForeignKey("trainees.id", ondelete="CASCADE"), primary_key=True),
    Column("completed", Boolean, nullable=False),
    Column("certified", Boolean, nullable=False),
    Column("score", Float),
)
Index("ix_training_participations_trainee", training_participations.c.trainee_id)

# Perception surveys ----------------------------------------------------------------------------

surveys = Table(
    "surveys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("form_id", String(100), nullable=False),
    Column("version", String(60), nullable=False),
    Column("country_iso3", String(3), ForeignKey("countries.iso3"), nullable=False),
    Column("title", JSONType, nullable=False),
    Column("framework_code", String(64)),
    # The questionnaire as read from the XLSForm (questions, choices, roles, item mapping).
    Column("definition", JSONType, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("loaded_at", UTCDateTime(), nullable=False),
    UniqueConstraint("form_id", "version", name="uq_surveys_form_version"),
)

survey_waves = Table(
    "survey_waves",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("survey_id", Integer, ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("round_id", Integer, ForeignKey("assessment_rounds.id", ondelete="SET NULL")),
    UniqueConstraint("survey_id", "name", name="uq_survey_waves_survey_name"),
    CheckConstraint("period_start <= period_end", name="period_ordered"),
)

survey_submissions = Table(
    "survey_submissions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("wave_id", Integer, ForeignKey("survey_waves.id", ondelete="CASCADE"), nullable=False),
    Column("uuid", String(100), nullable=False),
    Column("submitted_at", UTCDateTime()),
    Column("digest", String(64), nullable=False),
    # Design and breakdowns, pulled out of the answers for estimation.
    Column("weight", Float, nullable=False),
    Column("stratum", String(100)),
    Column("cluster", String(100)),
    Column("admin_area_id", Integer, ForeignKey("admin_areas.id", ondelete="SET NULL")),
    Column("sex", String(20)),
    Column("age_group", String(10)),
    # Answers without personal fields; GPS points are replaced by admin_area_id.
    Column("answers", JSONType, nullable=False),
    Column("repeats", JSONType, nullable=False),
    # Personal answers (names, phones, exact GPS) as one Fernet token of their JSON.
    Column("personal_encrypted", Text),
    UniqueConstraint("wave_id", "uuid", name="uq_survey_submissions_wave_uuid"),
    CheckConstraint("weight > 0", name="weight_positive"),
)

# Complaints against security forces -----------------------------------------------------------

complaints = Table(
    "complaints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reference", String(24), nullable=False, unique=True),
    Column("country_iso3", String(3), ForeignKey("countries.iso3"), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("external_id", String(120)),
    Column("category", String(30), nullable=False),
    Column("confidentiality", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("institution_id", Integer, ForeignKey("institutions.id", ondelete="SET NULL")),
    Column("admin_area_id", Integer, ForeignKey("admin_areas.id", ondelete="SET NULL")),
    Column("incident_date", Date),
    Column("victim_sex", String(10)),
    Column("language", String(8), nullable=False),
    # The narrative and the unit named, and the complainant's identity and contact, each
    # encrypted with the data key (Fernet); the identity may be absent (anonymous).
    Column("description_encrypted", Text, nullable=False),
    Column("unit_encrypted", Text),
    Column("complainant_encrypted", Text),
    Column("referred_to_actor_id", Integer, ForeignKey("actors.id", ondelete="SET NULL")),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("stage_since", UTCDateTime(), nullable=False),
    Column("stage_due", UTCDateTime()),
    Column("closed_at", UTCDateTime()),
    UniqueConstraint("channel", "external_id", name="uq_complaints_channel_external_id"),
)
Index("ix_complaints_status", complaints.c.status)

complaint_transitions = Table(
    "complaint_transitions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "complaint_id", Integer, ForeignKey("complaints.id", ondelete="CASCADE"), nullable=False
    ),
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("by", String(120), nullable=False),
    Column("actor_id", Integer, ForeignKey("actors.id", ondelete="SET NULL")),
    # A handler's note may name people: encrypted like the narrative.
    Column("note_encrypted", Text),
)
Index("ix_complaint_transitions_complaint", complaint_transitions.c.complaint_id)

# Incidents reported by the mission, and peacekeeping deployments ------------------------------

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("country_iso3", String(3), ForeignKey("countries.iso3"), nullable=False),
    Column("type", String(30), nullable=False),
    Column("date", Date, nullable=False),
    Column("date_precision", String(10), nullable=False),
    Column("lon", Float),
    Column("lat", Float),
    Column("admin_area_id", Integer, ForeignKey("admin_areas.id", ondelete="SET NULL")),
    Column("place_precision", String(10), nullable=False),
    Column("place_name", String(200), nullable=False, default=""),
    Column("actors", JSONType, nullable=False),
    Column("fatalities_best", Integer, nullable=False),
    Column("fatalities_low", Integer, nullable=False),
    Column("fatalities_high", Integer, nullable=False),
    Column("injured", Integer, nullable=False),
    Column("sources", JSONType, nullable=False),
    Column("narrative", Text, nullable=False, default=""),
    Column("attachments", JSONType, nullable=False),
    Column("institution_site_id", Integer, ForeignKey("sites.id", ondelete="SET NULL")),
    Column("status", String(20), nullable=False),
    Column("reference", String(120)),
    Column("reported_by", String(120), nullable=False),
    Column("reported_at", UTCDateTime(), nullable=False),
    Column("merged_into_id", Integer, ForeignKey("incidents.id", ondelete="SET NULL")),
    UniqueConstraint("country_iso3", "reference", name="uq_incidents_country_reference"),
    CheckConstraint(
        "fatalities_low >= 0 AND fatalities_low <= fatalities_best "
        "AND fatalities_best <= fatalities_high",
        name="fatalities_ordered",
    ),
)
Index("ix_incidents_country_date", incidents.c.country_iso3, incidents.c.date)

incident_steps = Table(
    "incident_steps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("by", String(120), nullable=False),
    Column("reason", Text, nullable=False, default=""),
)
Index("ix_incident_steps_incident", incident_steps.c.incident_id)

deployments = Table(
    "deployments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(40), nullable=False),
    Column("mission", String(40), nullable=False),
    Column("country", String(100), nullable=False, default=""),
    Column("location", String(200), nullable=False),
    Column("year", SmallInteger, nullable=False),
    # 0 for a yearly record, so that the key below is unique on both engines.
    Column("month", SmallInteger, nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("troops", Integer),
    Column("units", JSONType, nullable=False),
    Column("contributors", JSONType, nullable=False),
    Column("is_hq", Boolean, nullable=False),
    Column("admin_area_id", Integer, ForeignKey("admin_areas.id", ondelete="SET NULL")),
    UniqueConstraint(
        "source", "mission", "year", "month", "location", "lon", "lat", name="uq_deployments_key"
    ),
    CheckConstraint("month >= 0 AND month <= 12", name="month_range"),
)
Index("ix_deployments_mission_year", deployments.c.mission, deployments.c.year)

# Alerts --------------------------------------------------------------------------------------

alert_rules = Table(
    "alert_rules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("country_iso3", String(3), ForeignKey("countries.iso3"), nullable=False),
    Column("params", JSONType, nullable=False),
    Column("severity", String(10), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("recipients", JSONType, nullable=False),
    Column("webhook_url", String(500)),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("country_iso3", "name", name="uq_alert_rules_country_name"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule_id", Integer, ForeignKey("alert_rules.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(200), nullable=False),
    Column("title", String(300), nullable=False),
    Column("explanation", Text, nullable=False),
    Column("severity", String(10), nullable=False),
    Column("country_iso3", String(3), ForeignKey("countries.iso3"), nullable=False),
    Column("evidence", JSONType, nullable=False),
    Column("admin_area_id", Integer, ForeignKey("admin_areas.id", ondelete="SET NULL")),
    Column("lon", Float),
    Column("lat", Float),
    Column("raised_at", UTCDateTime(), nullable=False),
    Column("acknowledged_by", String(120)),
    Column("acknowledged_at", UTCDateTime()),
    Column("notified", JSONType, nullable=False),
    UniqueConstraint("rule_id", "key", name="uq_alerts_rule_key"),
)
Index("ix_alerts_open", alerts.c.country_iso3, alerts.c.acknowledged_at)

# The knowledge base -------------------------------------------------------------------------
# Full-text search lives beside these tables and outside this metadata, because it differs by
# engine (see migration 0009 and ``storage.repositories.knowledge``): an FTS5 table
# ``passages_fts`` kept in step by triggers on SQLite; on PostgreSQL a generated ``tsvector``
# column ``passages.passages_fts`` under a GIN index.

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(500), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("symbol", String(60)),
    Column("date", Date),
    Column("language", String(8), nullable=False),
    Column("missions", JSONType, nullable=False),
    Column("countries", JSONType, nullable=False),
    Column("source_name", String(300), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("chars", Integer, nullable=False),
    Column("passage_count", Integer, nullable=False),
    Column("added_at", UTCDateTime(), nullable=False),
    Column("added_by", String(120), nullable=False),
    UniqueConstraint("digest", name="uq_documents_digest"),
)
Index("ix_documents_symbol", documents.c.symbol)
Index("ix_documents_date", documents.c.date)

passages = Table(
    "passages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("ordinal", Integer, nullable=False),
    Column("number", String(20)),
    Column("heading", String(500), nullable=False),
    Column("text", Text, nullable=False),
    Column("themes", JSONType, nullable=False),
    # The passage's sentence embedding: float16, little-endian (384 x 2 bytes for MiniLM).
    Column("vector", LargeBinary),
    UniqueConstraint("document_id", "ordinal", name="uq_passages_document_ordinal"),
)

# A trained theme classifier (vocabulary, weights, thresholds as JSON, never pickled).
theme_models = Table(
    "theme_models",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("trained_at", UTCDateTime(), nullable=False),
    Column("trained_by", String(120), nullable=False),
    Column("source", String(300), nullable=False),
    Column("scores", JSONType, nullable=False),
    Column("model", JSONType, nullable=False),
)

# Legal frameworks ---------------------------------------------------------------------------
# Instruments (laws, decrees, regulations, policies, procedures) of a country, the dated steps
# of their lifecycle, and their reviews against the standards checklists of
# ``peaceops/frameworks/legal``. Ids of supporting actors and activities are kept as JSON lists,
# checked against the coordination register when a step is recorded.

legal_instruments = Table(
    "legal_instruments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("country_iso3", String(3), ForeignKey("countries.iso3"), nullable=False),
    Column("code", String(80), nullable=False),
    Column("title", JSONType, nullable=False),
    Column("type", String(30), nullable=False),
    Column("sector", String(20), nullable=False),
    Column("institution_types", JSONType, nullable=False),
    Column("reference", String(120), nullable=False, default=""),
    Column("amends_id", Integer, ForeignKey("legal_instruments.id", ondelete="SET NULL")),
    Column("replaces", Boolean, nullable=False, default=False),
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="SET NULL")),
    Column("text_url", String(500), nullable=False, default=""),
    Column("summary", Text, nullable=False, default=""),
    Column("created_by", String(120), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("country_iso3", "code", name="uq_legal_instruments_country_code"),
)

legal_steps = Table(
    "legal_steps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "instrument_id",
        Integer,
        ForeignKey("legal_instruments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("stage", String(20), nullable=False),
    Column("date", Date, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("evidence_document_id", Integer, ForeignKey("documents.id", ondelete="SET NULL")),
    Column("actors", JSONType, nullable=False),
    Column("activities", JSONType, nullable=False),
    Column("exception", Text, nullable=False, default=""),
    Column("recorded_by", String(120), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    UniqueConstraint("instrument_id", "stage", "date", name="uq_legal_steps_instrument_stage_date"),
)

legal_reviews = Table(
    "legal_reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "instrument_id",
        Integer,
        ForeignKey("legal_instruments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("checklist", String(60), nullable=False),
    Column("checklist_version", String(20), nullable=False),
    Column("reviewed_on", Date, nullable=False),
    # [{"provision": key, "finding": met|not_met|not_applicable, "article": ..., "note": ...}]
    Column("findings", JSONType, nullable=False),
    Column("reviewed_by", String(120), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    UniqueConstraint(
        "instrument_id", "checklist", "reviewed_on", name="uq_legal_reviews_instrument_checklist_on"
    ),
)

benchmark_sets = Table(
    "benchmark_sets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("country_iso3", String(3), ForeignKey("countries.iso3"), nullable=False),
    Column("code", String(60), nullable=False),
    Column("version", String(20), nullable=False),
    Column("title", JSONType, nullable=False),
    Column("target_date", Date, nullable=False),
    # [{"key", "statement": {lang: text}, "institution", "area",
    #   "conditions": [{"key", "kind", "threshold", "direction", "target", "months", "label"}]}]
    Column("benchmarks", JSONType, nullable=False),
    Column("status", String(12), nullable=False),
    Column("agreed_by", String(200), nullable=False, default=""),
    Column("agreed_on", Date),
    Column("note", Text, nullable=False, default=""),
    Column("revises_id", Integer, ForeignKey("benchmark_sets.id", ondelete="SET NULL")),
    Column("created_by", String(120), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint(
        "country_iso3", "code", "version", name="uq_benchmark_sets_country_code_version"
    ),
)
