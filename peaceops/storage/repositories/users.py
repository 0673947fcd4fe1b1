"""Users, web sessions and API tokens. Passwords and tokens arrive here already hashed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, RowMapping, delete, select, update

from peaceops.domain.access import Principal, Role, TokenScope, User
from peaceops.errors import ConflictError, NotFound
from peaceops.storage.repositories import audited
from peaceops.storage.tables import api_tokens, users, web_sessions
from peaceops.storage.types import utcnow


@dataclass(frozen=True, slots=True)
class Credentials:
    """What login needs to know about a user beyond the public record."""

    user: User
    password_hash: str
    failed_logins: int
    locked_until: datetime | None
    must_change_password: bool


def _user(row: RowMapping) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        role=Role(row["role"]),
        display_name=row["display_name"],
        email=row["email"],
        actor_id=row["actor_id"],
        language=row["language"],
        is_active=bool(row["is_active"]),
        created_at=row["created_at"],
        last_login_at=row["last_login_at"],
    )


def list_users(conn: Connection) -> list[User]:
    return [_user(r) for r in conn.execute(select(users).order_by(users.c.username)).mappings()]


def get_user(conn: Connection, user_id: int) -> User:
    row = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
    if row is None:
        raise NotFound(f"user {user_id} does not exist")
    return _user(row)


def credentials(conn: Connection, username: str) -> Credentials | None:
    row = conn.execute(select(users).where(users.c.username == username)).mappings().first()
    if row is None:
        return None
    return Credentials(
        user=_user(row),
        password_hash=row["password_hash"],
        failed_logins=row["failed_logins"],
        locked_until=row["locked_until"],
        must_change_password=bool(row["must_change_password"]),
    )


def create_user(
    conn: Connection,
    by: Principal,
    user: User,
    *,
    password_hash: str,
    must_change_password: bool = False,
) -> int:
    taken = conn.execute(
        select(users.c.id).where(users.c.username == user.username)
    ).scalar_one_or_none()
    if taken is not None:
        raise ConflictError(f"user name {user.username!r} is taken")
    new_id: int = audited.create(
        conn,
        by,
        users,
        {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "password_hash": password_hash,
            "role": user.role.value,
            "actor_id": user.actor_id,
            "language": user.language,
            "is_active": user.is_active,
            "must_change_password": must_change_password,
            "failed_logins": 0,
            "created_at": utcnow(),
        },
    )
    return new_id


def update_user(conn: Connection, by: Principal, user_id: int, values: dict[str, object]) -> bool:
    return audited.change(conn, by, users, user_id, values)


def set_login_state(
    conn: Connection,
    user_id: int,
    *,
    failed_logins: int,
    locked_until: datetime | None,
    last_login_at: datetime | None = None,
) -> None:
    """Bookkeeping of login attempts; the attempt itself is audited by the caller."""
    values: dict[str, object] = {"failed_logins": failed_logins, "locked_until": locked_until}
    if last_login_at is not None:
        values["last_login_at"] = last_login_at
    conn.execute(update(users).where(users.c.id == user_id).values(**values))


def create_session(conn: Connection, user_id: int, token_hash: str, expires_at: datetime) -> None:
    conn.execute(
        web_sessions.insert().values(
            token_hash=token_hash, user_id=user_id, created_at=utcnow(), expires_at=expires_at
        )
    )


def session_user(conn: Connection, token_hash: str, now: datetime) -> User | None:
    row = (
        conn.execute(
            select(users)
            .join(web_sessions, web_sessions.c.user_id == users.c.id)
            .where(web_sessions.c.token_hash == token_hash, web_sessions.c.expires_at > now)
        )
        .mappings()
        .first()
    )
    return _user(row) if row is not None else None


def delete_session(conn: Connection, token_hash: str) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash))


def delete_user_sessions(conn: Connection, user_id: int) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))


def purge_sessions(conn: Connection, now: datetime) -> int:
    return conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now)).rowcount


def create_token(
    conn: Connection,
    by: Principal,
    *,
    user_id: int,
    name: str,
    prefix: str,
    token_hash: str,
    expires_at: datetime,
    scopes: frozenset[TokenScope],
) -> int:
    new_id: int = audited.create(
        conn,
        by,
        api_tokens,
        {
            "user_id": user_id,
            "name": name,
            "prefix": prefix,
            "token_hash": token_hash,
            "created_at": utcnow(),
            "expires_at": expires_at,
            "revoked": False,
            "scopes": scopes_text(scopes),
        },
    )
    return new_id


def scopes_text(scopes: frozenset[TokenScope]) -> str:
    return " ".join(sorted(scope.value for scope in scopes))


def parse_scopes(text: str) -> frozenset[TokenScope]:
    return frozenset(TokenScope(part) for part in text.split())


# How stale a token's last use may be before it is written again: a script polling the API
# should not turn every read into a write (on SQLite, writers queue one at a time).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_user(
    conn: Connection, token_hash: str, now: datetime
) -> tuple[User, frozenset[TokenScope], int, datetime | None] | None:
    """The live token's owner, its scopes, its id and when it was last used."""
    row = (
        conn.execute(
            select(
                users,
                api_tokens.c.id.label("token_id"),
                api_tokens.c.scopes.label("token_scopes"),
                api_tokens.c.last_used_at.label("token_last_used_at"),
            )
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(
                api_tokens.c.token_hash == token_hash,
                api_tokens.c.revoked.is_(False),
                api_tokens.c.expires_at > now,
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    return (
        _user(row),
        parse_scopes(row["token_scopes"]),
        row["token_id"],
        row["token_last_used_at"],
    )


def touch_token(conn: Connection, token_id: int, now: datetime) -> None:
    conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now))


def list_tokens(conn: Connection, user_id: int) -> list[dict[str, object]]:
    query = (
        select(
            api_tokens.c.id,
            api_tokens.c.name,
            api_tokens.c.prefix,
            api_tokens.c.created_at,
            api_tokens.c.expires_at,
            api_tokens.c.last_used_at,
            api_tokens.c.revoked,
            api_tokens.c.scopes,
        )
        .where(api_tokens.c.user_id == user_id)
        .order_by(api_tokens.c.created_at.desc())
    )
    return [
        {**r, "scopes": sorted(scope.value for scope in parse_scopes(r["scopes"]))}
        for r in conn.execute(query).mappings()
    ]


def revoke_token(conn: Connection, by: Principal, token_id: int) -> bool:
    return audited.change(conn, by, api_tokens, token_id, {"revoked": True})


def token_owner(conn: Connection, token_id: int) -> int:
    owner = conn.execute(
        select(api_tokens.c.user_id).where(api_tokens.c.id == token_id)
    ).scalar_one_or_none()
    if owner is None:
        raise NotFound(f"API token {token_id} does not exist")
    return int(owner)
