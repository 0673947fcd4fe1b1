"""``peaceops coordination``: duplicated effort, unmet gaps, decisions and organisation merges."""

from __future__ import annotations

import csv
import getpass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from peaceops.services.cli.context import console, print_json, reporting_errors, state

app = typer.Typer(
    help="Who does what where: duplicated effort, unmet gaps, decisions, merges.",
    no_args_is_help=True,
)

CountryOpt = Annotated[
    str | None, typer.Option(help="Only activities in this ISO3 country (default: all).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _by() -> Any:
    from peaceops.domain.access import Principal

    return Principal.system(f"cli:{getpass.getuser()}")


@app.command("duplicates")
def duplicates(
    ctx: typer.Context,
    country: CountryOpt = None,
    threshold: Annotated[
        float | None,
        typer.Option(help="Lowest score shown (0-1; default: the calibrated threshold)."),
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """Candidate pairs of activities by different organisations that may be the same work,
    with the reasons and any decision already taken."""
    from peaceops.analytics.coordination.duplicates import explain

    with reporting_errors():
        pairs = state(ctx).platform().coordination.duplicates(country=country, threshold=threshold)
    if json_output:
        print_json(
            [
                {
                    "first": p.first,
                    "second": p.second,
                    "score": round(p.score, 3),
                    "text_similarity": round(p.text_similarity, 3),
                    "explanation": explain(p),
                    "decision": p.decision.value if p.decision else None,
                }
                for p in pairs
            ]
        )
        return
    table = Table("score", "first", "second", "why", "decision", title="Possible duplicates")
    for p in pairs:
        table.add_row(
            f"{p.score:.2f}",
            p.first,
            p.second,
            explain(p),
            p.decision.value if p.decision else "",
        )
    console.print(table)
    console.print(
        f"{len(pairs)} pairs. Record a decision with "
        "'peaceops coordination decide FIRST SECOND confirmed|dismissed'."
    )


@app.command("decide")
def decide(
    ctx: typer.Context,
    first: Annotated[str, typer.Argument(help="Identifier of one activity.")],
    second: Annotated[str, typer.Argument(help="Identifier of the other.")],
    decision: Annotated[str, typer.Argument(help="confirmed or dismissed.")],
    note: Annotated[str, typer.Option(help="Why (kept with the decision).")] = "",
) -> None:
    """Keep a decision on a candidate pair: the same work (confirmed) or not (dismissed)."""
    from peaceops.domain.coordination import Decision
    from peaceops.errors import InputError

    with reporting_errors():
        try:
            chosen = Decision(decision)
        except ValueError:
            raise InputError(
                "the decision must be 'confirmed' or 'dismissed'", field="DECISION"
            ) from None
        kept = state(ctx).platform().coordination.decide(first, second, chosen, note=note, by=_by())
    console.print(f"Kept: {kept.first} / {kept.second} {kept.decision.value}.")


@app.command("gaps")
def gaps(
    ctx: typer.Context,
    country: Annotated[str, typer.Option(help="ISO3 country code.")],
    currency: Annotated[str, typer.Option(help="Currency of the money shown.")] = "USD",
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the gaps as CSV.", dir_okay=False)
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """Weaknesses of the latest assessment rounds with little or no programming or money, and
    areas with high forecast risk and no security or justice programming, ranked."""
    with reporting_errors():
        platform = state(ctx).platform()
        rows = platform.coordination.gap_rows(country.upper(), currency=currency.upper(), by=_by())
    if out is not None:
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["kind"])
            writer.writeheader()
            writer.writerows(rows)
    if json_output:
        print_json(rows)
        return
    table = Table("rank", "kind", "what", "score", "why", title=f"Gaps in {country.upper()}")
    for n, r in enumerate(rows, 1):
        table.add_row(str(n), r["kind"], r["what"], f"{r['score']:.2f}", r["why"])
    console.print(table)
    if out is not None:
        console.print(f"Wrote {len(rows)} gaps to {out}.")


@app.command("merge-actors")
def merge_actors(
    ctx: typer.Context,
    keep: Annotated[int, typer.Argument(help="Id of the organisation record to keep.")],
    other: Annotated[int, typer.Argument(help="Id of the record folded into it.")],
) -> None:
    """Fold one organisation record into another: its names become name variants, its
    activities and users move, and the merge stays on record and in the audit log."""
    with reporting_errors():
        merged = state(ctx).platform().coordination.merge_actors(keep, other, by=_by())
    console.print(
        f"Merged into {merged.name} (variants: {', '.join(merged.name_variants) or 'none'})."
    )


@app.command("unresolved")
def unresolved(ctx: typer.Context, json_output: JsonOpt = False) -> None:
    """Organisation names in activities that match no known organisation, most frequent
    first (add them as actors or as name variants, then run 'coordination link-actors')."""
    with reporting_errors():
        names = state(ctx).platform().coordination.unresolved_organisations()
    if json_output:
        print_json([{"name": n, "mentions": c} for n, c in names])
        return
    table = Table("mentions", "name", title="Organisations not matched to an actor")
    for name, count in names[:100]:
        table.add_row(str(count), name)
    console.print(table)


@app.command("link-actors")
def link_actors(ctx: typer.Context) -> None:
    """Match activity participants to organisations again, by name, acronym and variants."""
    with reporting_errors():
        n = state(ctx).platform().coordination.link_actors(by=_by())
    console.print(f"Linked {n} participations.")
