"""What the web app holds for its lifetime: settings, platform, catalogues, templates, limits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi.templating import Jinja2Templates

from peaceops.config import Settings
from peaceops.platform import Platform
from peaceops.services.web.i18n import Language, load_catalogues
from peaceops.services.web.security import RateLimiter

WEB_DIR = Path(__file__).resolve().parent


@dataclass
class WebContext:
    settings: Settings
    platform: Platform
    languages: dict[str, Language]
    templates: Jinja2Templates
    login_by_client: RateLimiter
    login_by_user: RateLimiter

    @classmethod
    def build(cls, settings: Settings, platform: Platform) -> WebContext:
        templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
        templates.env.trim_blocks = True
        templates.env.lstrip_blocks = True
        return cls(
            settings=settings,
            platform=platform,
            languages=load_catalogues(),
            templates=templates,
            login_by_client=RateLimiter(settings.login_attempts * 4, settings.login_window_seconds),
            login_by_user=RateLimiter(settings.login_attempts, settings.login_window_seconds),
        )

    @property
    def secret(self) -> str:
        return self.settings.secret_key.get_secret_value()
