"""``peaceops alerts``: run the alert rules (from cron: the schedule), list alerts and rules."""

from __future__ import annotations

import getpass
from typing import Annotated, Any

import typer
from rich.table import Table

from peaceops.services.cli.context import console, print_json, reporting_errors, state

app = typer.Typer(
    help="Alerts where risk threatens programmes or institutions' sites: run the rules, list "
    "alerts and rules.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
CountryOpt = Annotated[
    str | None, typer.Option("--country", help="ISO3 code of a country (default: all).")
]


def _by() -> Any:
    from peaceops.domain.access import Principal

    return Principal.system(f"cli:{getpass.getuser()}")


def _alerts_table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table("id", "rule", "severity", "raised", "open", "title", "notified", title=title)
    for a in rows:
        table.add_row(
            str(a["id"]),
            str(a["rule_id"]),
            a["severity"],
            (a["raised_at"] or "")[:16],
            "yes" if a["open"] else "no",
            a["title"],
            "; ".join(a["notified"]),
        )
    return table


@app.command("run")
def run_alerts(
    ctx: typer.Context, country: CountryOpt = None, json_output: JsonOpt = False
) -> None:
    """Evaluate every enabled rule, store the new alerts and send them (e-mail, webhook).
    Alerts already raised are not raised again, so this can run from cron as often as
    wanted."""
    with reporting_errors():
        report = state(ctx).platform().alerts.run(country=country, by=_by())
    data = report.as_dict()
    if json_output:
        print_json(data)
        return
    console.print(
        _alerts_table(
            data["created"],
            f"{data['rules']} rules run: {len(data['created'])} new alerts, "
            f"{data['already']} already raised",
        )
    )
    for note in data["notes"]:
        console.print(f"note: {note}")


@app.command("list")
def list_alerts(
    ctx: typer.Context,
    country: CountryOpt = None,
    open_only: Annotated[bool, typer.Option("--open", help="Open alerts only.")] = False,
    json_output: JsonOpt = False,
) -> None:
    """Alerts, open ones first, then the latest first."""
    from peaceops.platform.alerts import alert_dict

    with reporting_errors():
        found = state(ctx).platform().alerts.list(by=_by(), country=country, open_only=open_only)
    rows = [alert_dict(a) for a in found]
    if json_output:
        print_json(rows)
        return
    console.print(_alerts_table(rows, f"{len(rows)} alerts"))


@app.command("rules")
def list_rules(
    ctx: typer.Context, country: CountryOpt = None, json_output: JsonOpt = False
) -> None:
    """The alert rules with their parameters (edited on the web page /alerts, or the API)."""
    from peaceops.platform.alerts import rule_dict

    with reporting_errors():
        rows = [rule_dict(r) for r in state(ctx).platform().alerts.rules(country=country, by=_by())]
    if json_output:
        print_json(rows)
        return
    table = Table("id", "name", "kind", "country", "params", "severity", "enabled", "notify")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["name"],
            r["kind"],
            r["country_iso3"],
            ", ".join(f"{k}={v}" for k, v in r["params"].items()),
            r["severity"],
            "yes" if r["enabled"] else "no",
            ", ".join([*r["recipients"], *([r["webhook_url"]] if r["webhook_url"] else [])]),
        )
    console.print(table)
