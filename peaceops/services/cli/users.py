"""``peaceops users``: accounts and API tokens, from the server's command line."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.table import Table

from peaceops.services.cli.context import console, print_json, reporting_errors, state

app = typer.Typer(help="User accounts and API tokens.", no_args_is_help=True)


def _system(ctx: typer.Context):  # type: ignore[no-untyped-def]
    from peaceops.domain.access import Principal

    return Principal.system(f"cli:{getpass.getuser()}")


@app.command("add")
def add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name (lower case).")],
    role: Annotated[
        str, typer.Option(help="admin, analyst, partner, civil_society or viewer.")
    ] = "viewer",
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    organisation: Annotated[
        str | None,
        typer.Option(
            help="Organisation (name, acronym or IATI id); needed for partner and "
            "civil_society users."
        ),
    ] = None,
    language: Annotated[str | None, typer.Option(help="Interface language: en, fr or ar.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Create a user with a one-time password (printed once; changed at first login)."""
    from peaceops.domain.access import Role
    from peaceops.errors import InputError, NotFound

    with reporting_errors():
        try:
            role_value = Role(role)
        except ValueError:
            raise InputError(
                f"unknown role {role!r}; use one of {', '.join(r.value for r in Role)}",
                field="--role",
            ) from None
        platform = state(ctx).platform()
        actor_id = None
        if organisation:
            actor = platform.actors.resolve(organisation)
            if actor is None:
                raise NotFound(f"no organisation matches {organisation!r}")
            actor_id = actor.id
        user, password = platform.accounts.create_user(
            username=username,
            role=role_value,
            display_name=name or username,
            email=email,
            actor_id=actor_id,
            language=language,
            by=_system(ctx),
        )
    if json_output:
        print_json(
            {
                "id": user.id,
                "username": user.username,
                "role": user.role.value,
                "one_time_password": password,
            }
        )
        return
    console.print(f"Created {user.role.value} [bold]{user.username}[/] (id {user.id}).")
    console.print(f"One-time password: [bold]{password}[/] (shown once).")


@app.command("list")
def list_users(
    ctx: typer.Context,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """List user accounts with their roles and last login."""
    with reporting_errors():
        platform = state(ctx).platform()
        users = platform.accounts.list_users(by=_system(ctx))
    if json_output:
        print_json(
            [
                {
                    "id": u.id,
                    "username": u.username,
                    "role": u.role.value,
                    "active": u.is_active,
                    "display_name": u.display_name,
                    "last_login_at": u.last_login_at,
                }
                for u in users
            ]
        )
        return
    table = Table("id", "user name", "role", "name", "active", "last login")
    for u in users:
        table.add_row(
            str(u.id),
            u.username,
            u.role.value,
            u.display_name,
            "yes" if u.is_active else "no",
            u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "never",
        )
    console.print(table)


@app.command("set-password")
def set_password(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Whose password to set.")],
) -> None:
    """Set a user's password (asked twice, not echoed); the user must change it at next login."""
    from peaceops.errors import InputError, NotFound

    with reporting_errors():
        platform = state(ctx).platform()
        by = _system(ctx)
        user = next(
            (u for u in platform.accounts.list_users(by=by) if u.username == username), None
        )
        if user is None or user.id is None:
            raise NotFound(f"no user {username!r}")
        first = typer.prompt("New password", hide_input=True)
        if typer.prompt("Again", hide_input=True) != first:
            raise InputError("the two passwords differ")
        platform.accounts.set_password(user.id, first, by=by)
    console.print(f"Password of {username} set; their sessions were ended.")


@app.command("token")
def token(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The user the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "script",
    days: Annotated[int | None, typer.Option(help="Lifetime in days (1-365).")] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            help="What the token may do within the user's role: read (the default), write, "
            "personal (personal data). Repeat for several."
        ),
    ] = None,
) -> None:
    """Create an API token for a user (printed once; send it as 'Authorization: Bearer ...')."""
    from peaceops.domain.access import TokenScope
    from peaceops.errors import InputError, NotFound

    with reporting_errors():
        platform = state(ctx).platform()
        user = next(
            (u for u in platform.accounts.list_users(by=_system(ctx)) if u.username == username),
            None,
        )
        if user is None:
            raise NotFound(f"no user {username!r}")
        try:
            scopes = frozenset(TokenScope(s) for s in scope) if scope else None
        except ValueError:
            raise InputError("scopes are read, write and personal", field="--scope") from None
        new = platform.accounts.create_token(
            name, by=_system(ctx), user_id=user.id, days=days, scopes=scopes
        )
    scopes_shown = ", ".join(sorted(new.scopes))
    console.print(f"Token for {username} ({scopes_shown}; expires {new.expires_at:%Y-%m-%d}):")
    console.print(new.token, markup=False)
