"""PeaceOps: evidence for rebuilding security and justice institutions after armed conflict.

The public Python API: settings, the platform facade, the errors, and the domain objects.

>>> from peaceops import Settings, Platform
>>> platform = Platform(Settings(database_url="sqlite://"))
>>> platform.upgrade() is not None
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from peaceops.config import Settings
    from peaceops.errors import (
        ConfigError,
        ConflictError,
        InputError,
        NotFound,
        PeaceOpsError,
        PermissionDenied,
    )
    from peaceops.platform import Platform

_LAZY = {
    "ConfigError": "peaceops.errors",
    "ConflictError": "peaceops.errors",
    "InputError": "peaceops.errors",
    "NotFound": "peaceops.errors",
    "PeaceOpsError": "peaceops.errors",
    "PermissionDenied": "peaceops.errors",
    "Platform": "peaceops.platform",
    "Settings": "peaceops.config",
}


def __getattr__(name: str) -> Any:
    # Imported on first use so that `import peaceops.domain` and `peaceops --help` stay light.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'peaceops' has no attribute {name!r}")


__all__ = [
    "ConfigError",
    "ConflictError",
    "InputError",
    "NotFound",
    "PeaceOpsError",
    "PermissionDenied",
    "Platform",
    "Settings",
    "__version__",
]
