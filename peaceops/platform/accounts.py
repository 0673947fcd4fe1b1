"""Users, passwords, sessions and API tokens.

Passwords are hashed with argon2id. Session and API tokens are random 256-bit values; only
their SHA-256 is stored, so a stolen database gives no working credential.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine

from peaceops.config import Settings
from peaceops.domain.access import (
    DEFAULT_TOKEN_SCOPES,
    Permission,
    Principal,
    Role,
    TokenScope,
    User,
)
from peaceops.domain.audit import AuditAction
from peaceops.errors import (
    AuthenticationError,
    ConflictError,
    InputError,
    PermissionDenied,
)
from peaceops.platform.access import require
from peaceops.storage import transaction
from peaceops.storage.repositories import actors as actors_repo
from peaceops.storage.repositories import audited
from peaceops.storage.repositories import users as repo
from peaceops.storage.types import utcnow

TOKEN_PREFIX = "po_"  # noqa: S105 - a marker, not a secret
MAX_TOKEN_DAYS = 365
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
MIN_PASSWORD = 10
ORGANISATION_ROLES = (Role.PARTNER, Role.CIVIL_SOCIETY)
# A hash to verify against when the user does not exist, so that timing does not tell
# which user names are real.
_DUMMY_HASH = PasswordHasher().hash("not-a-real-password")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_policy(password: str, *, username: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"the password needs at least {MIN_PASSWORD} characters", field="password")
    if username.casefold() in password.casefold():
        raise InputError("the password must not contain the user name", field="password")
    if len(set(password)) < 5:
        raise InputError("the password is too repetitive", field="password")


@dataclass(frozen=True, slots=True)
class NewToken:
    id: int
    token: str
    expires_at: datetime
    scopes: frozenset[TokenScope] = DEFAULT_TOKEN_SCOPES


class AccountsService:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings
        self._hasher = PasswordHasher()

    # Users -------------------------------------------------------------------------------

    def list_users(self, *, by: Principal) -> list[User]:
        require(by, Permission.MANAGE_USERS)
        with transaction(self._engine, write=False) as conn:
            return repo.list_users(conn)

    def get_user(self, user_id: int, *, by: Principal) -> User:
        if by.user_id != user_id:
            require(by, Permission.MANAGE_USERS)
        with transaction(self._engine, write=False) as conn:
            return repo.get_user(conn, user_id)

    def create_user(
        self,
        *,
        username: str,
        role: Role,
        display_name: str,
        by: Principal,
        password: str | None = None,
        email: str | None = None,
        actor_id: int | None = None,
        language: str | None = None,
    ) -> tuple[User, str | None]:
        """Create a user; with no password given, a one-time password is made and returned."""
        require(by, Permission.MANAGE_USERS)
        username = username.strip().lower()
        if not USERNAME.match(username):
            raise InputError(
                "user names are 2-80 characters: lower-case letters, digits, '.', '_' or '-'",
                field="username",
            )
        if role in ORGANISATION_ROLES and actor_id is None:
            raise InputError(
                f"a {role.value} user must belong to an organisation", field="actor_id"
            )
        one_time = None
        if password is None:
            one_time = secrets.token_urlsafe(12)
            password = one_time
        check_password_policy(password, username=username)
        user = User(
            username=username,
            role=role,
            display_name=display_name.strip() or username,
            email=email,
            actor_id=actor_id,
            language=language,
        )
        with transaction(self._engine) as conn:
            if actor_id is not None:
                actors_repo.get_actor(conn, actor_id)
            new_id = repo.create_user(
                conn,
                by,
                user,
                password_hash=self._hasher.hash(password),
                must_change_password=one_time is not None,
            )
            return repo.get_user(conn, new_id), one_time

    def update_user(self, user_id: int, changes: dict[str, Any], *, by: Principal) -> User:
        require(by, Permission.MANAGE_USERS)
        allowed = {"display_name", "email", "role", "actor_id", "language", "is_active"}
        unknown = set(changes) - allowed
        if unknown:
            raise InputError(f"cannot change {', '.join(sorted(unknown))}", field=min(unknown))
        if user_id == by.user_id and (
            changes.get("is_active") is False or changes.get("role", Role.ADMIN) != Role.ADMIN
        ):
            raise ConflictError("you cannot demote or deactivate your own account")
        values = {k: (v.value if isinstance(v, Role) else v) for k, v in changes.items()}
        with transaction(self._engine) as conn:
            repo.update_user(conn, by, user_id, values)
            if values.get("is_active") is False:
                repo.delete_user_sessions(conn, user_id)
            return repo.get_user(conn, user_id)

    def set_password(
        self, user_id: int, new_password: str, *, by: Principal, current: str | None = None
    ) -> None:
        """Change a password: one's own (with the current one) or anyone's as an admin."""
        with transaction(self._engine) as conn:
            user = repo.get_user(conn, user_id)
            if by.user_id == user_id and current is not None:
                creds = repo.credentials(conn, user.username)
                assert creds is not None
                if not self._verify(creds.password_hash, current):
                    raise AuthenticationError("the current password is wrong")
            else:
                require(by, Permission.MANAGE_USERS)
            check_password_policy(new_password, username=user.username)
            repo.update_user(
                conn,
                by,
                user_id,
                {
                    "password_hash": self._hasher.hash(new_password),
                    "must_change_password": by.user_id != user_id,
                },
            )
            repo.delete_user_sessions(conn, user_id)

    # Login -------------------------------------------------------------------------------

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def authenticate(self, username: str, password: str, *, via: str = "web") -> User:
        """Check a password, counting failures and locking the account after too many.

        A failure is recorded (and committed) before the error is raised, so that neither the
        lockout counter nor the audit entry is rolled back with it.
        """
        username = username.strip().lower()
        now = utcnow()
        failure: str | None = None
        with transaction(self._engine) as conn:
            creds = repo.credentials(conn, username)
            if creds is None:
                self._verify(_DUMMY_HASH, password)
                anonymous = Principal(username=username[:80] or "?", role=Role.VIEWER, via=via)
                audited.record(
                    conn,
                    anonymous,
                    AuditAction.LOGIN_FAILED,
                    "users",
                    None,
                    after={"reason": "unknown user"},
                )
                failure = "wrong user name or password"
            else:
                failure = self._check(conn, creds, password, now=now, via=via)
        if failure is not None or creds is None:
            raise AuthenticationError(failure)
        return creds.user

    def _check(
        self,
        conn: Connection,
        creds: repo.Credentials,
        password: str,
        *,
        now: datetime,
        via: str,
    ) -> str | None:
        """None if the password opens the account; otherwise why not (already recorded)."""
        user = creds.user
        who = user.principal(via=via)
        if creds.locked_until is not None and creds.locked_until > now:
            audited.record(
                conn, who, AuditAction.LOGIN_FAILED, "users", user.id, after={"reason": "locked"}
            )
            return "this account is locked after too many failed logins; try again later"
        if not self._verify(creds.password_hash, password) or not user.is_active:
            failures = creds.failed_logins + 1
            locked = None
            if failures >= self._settings.login_attempts:
                locked = now + timedelta(minutes=self._settings.lockout_minutes)
                failures = 0
            repo.set_login_state(conn, user.id or 0, failed_logins=failures, locked_until=locked)
            audited.record(
                conn,
                who,
                AuditAction.LOGIN_FAILED,
                "users",
                user.id,
                after={
                    "reason": "password" if user.is_active else "inactive",
                    "locked": locked is not None,
                },
            )
            return "wrong user name or password"
        if self._hasher.check_needs_rehash(creds.password_hash):
            repo.update_user(
                conn, who, user.id or 0, {"password_hash": self._hasher.hash(password)}
            )
        repo.set_login_state(
            conn, user.id or 0, failed_logins=0, locked_until=None, last_login_at=now
        )
        audited.record(conn, who, AuditAction.LOGIN, "users", user.id)
        return None

    def must_change_password(self, username: str) -> bool:
        with transaction(self._engine, write=False) as conn:
            creds = repo.credentials(conn, username)
            return bool(creds and creds.must_change_password)

    # Sessions ----------------------------------------------------------------------------

    def start_session(self, user: User) -> str:
        token = secrets.token_urlsafe(32)
        expires = utcnow() + timedelta(hours=self._settings.session_hours)
        with transaction(self._engine) as conn:
            repo.purge_sessions(conn, utcnow())
            repo.create_session(conn, user.id or 0, token_hash(token), expires)
        return token

    def session_user(self, token: str) -> User | None:
        now = utcnow()
        digest = token_hash(token)
        with transaction(self._engine, write=False) as conn:
            user = repo.session_user(conn, digest, now)
        if user is None or not user.is_active:
            return None
        return user

    def end_session(self, token: str, *, by: Principal | None = None) -> None:
        with transaction(self._engine) as conn:
            repo.delete_session(conn, token_hash(token))
            if by is not None:
                audited.record(conn, by, AuditAction.LOGOUT, "users", by.user_id)

    # API tokens --------------------------------------------------------------------------

    def create_token(
        self,
        name: str,
        *,
        by: Principal,
        user_id: int | None = None,
        days: int | None = None,
        scopes: frozenset[TokenScope] | None = None,
    ) -> NewToken:
        """A new API token for the caller, or for another user when an admin asks.

        ``scopes`` narrow the owner's role (read only by default); a token made through another
        token never gets scopes that token lacks.
        """
        owner_id = by.user_id if user_id is None else user_id
        if owner_id is None:
            raise PermissionDenied("API tokens belong to users; log in as a user first")
        if owner_id != by.user_id:
            require(by, Permission.MANAGE_USERS)
        name = name.strip()
        if not name or len(name) > 100:
            raise InputError("give the token a name of 1-100 characters", field="name")
        days = self._settings.api_token_days if days is None else days
        if not 1 <= days <= MAX_TOKEN_DAYS:
            raise InputError(f"a token lasts 1 to {MAX_TOKEN_DAYS} days", field="days")
        scopes = DEFAULT_TOKEN_SCOPES if scopes is None else frozenset(scopes)
        if not scopes:
            raise InputError("give the token at least one scope", field="scopes")
        if by.scopes is not None and not scopes <= by.scopes:
            raise PermissionDenied("a token may not create a token with scopes it lacks itself")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires = utcnow() + timedelta(days=days)
        with transaction(self._engine) as conn:
            owner = repo.get_user(conn, owner_id)
            require(owner.principal(via=by.via), Permission.USE_API_TOKENS)
            token_id = repo.create_token(
                conn,
                by,
                user_id=owner_id,
                name=name,
                prefix=token[:10],
                token_hash=token_hash(token),
                expires_at=expires,
                scopes=scopes,
            )
        return NewToken(id=token_id, token=token, expires_at=expires, scopes=scopes)

    def token_access(self, token: str) -> tuple[User, frozenset[TokenScope]] | None:
        """The live token's owner (active) and its scopes; None for anything else."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        now = utcnow()
        with transaction(self._engine, write=False) as conn:
            found = repo.token_user(conn, token_hash(token), now)
        if found is None:
            return None
        user, scopes, token_id, last_used = found
        if not user.is_active:
            return None
        if last_used is None or now - last_used > repo.LAST_USED_RESOLUTION:
            with transaction(self._engine) as conn:
                repo.touch_token(conn, token_id, now)
        return user, scopes

    def token_user(self, token: str) -> User | None:
        found = self.token_access(token)
        return found[0] if found else None

    def list_tokens(self, *, by: Principal) -> list[dict[str, object]]:
        if by.user_id is None:
            return []
        with transaction(self._engine, write=False) as conn:
            return repo.list_tokens(conn, by.user_id)

    def check_token_owner(self, token_id: int, *, by: Principal) -> None:
        """Only a token's owner, or an admin, may act on it."""
        with transaction(self._engine, write=False) as conn:
            owner = repo.token_owner(conn, token_id)
        if owner != by.user_id:
            require(by, Permission.MANAGE_USERS)

    def revoke_token(self, token_id: int, *, by: Principal) -> None:
        self.check_token_owner(token_id, by=by)
        with transaction(self._engine) as conn:
            repo.revoke_token(conn, by, token_id)
