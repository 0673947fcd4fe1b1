"""``peaceops docs``: the knowledge base of mission documents from the command line."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from peaceops.services.cli.context import console, print_json, reporting_errors, state

app = typer.Typer(
    help="The knowledge base: ingest mission documents, search their passages, re-index.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _by() -> Any:
    from peaceops.domain.access import Principal

    return Principal.system(f"cli:{getpass.getuser()}")


@contextmanager
def _bars(*, quiet: bool) -> Iterator[Any]:
    """A progress bar per stage (read, embed, tag), as ``progress(stage, done, total)``."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    labels = {"read": "Reading documents", "embed": "Embedding passages", "tag": "Tagging themes"}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=quiet,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield progress


@app.command("ingest")
def ingest(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="A document (TXT, HTML, PDF, DOCX) or a folder of them.")
    ],
    no_embed: Annotated[
        bool, typer.Option("--no-embed", help="Store and tag only; embed later with reindex.")
    ] = False,
    json_output: JsonOpt = False,
) -> None:
    """Ingest a document or every document below a folder: recognise its symbol, title,
    date, kind, missions and countries, split it into passages, tag their themes and embed
    them. Files that cannot be read (a scanned PDF without text) are reported and skipped;
    a text already stored is left as it is."""
    with reporting_errors(), _bars(quiet=json_output) as progress:
        report = (
            state(ctx)
            .platform()
            .knowledge.ingest(path, by=_by(), progress=progress, embed=not no_embed)
        )
    data = report.as_dict()
    if json_output:
        print_json(data)
        return
    keys = ("added", "passages", "unchanged", "skipped", "embedded", "seconds")
    table = Table(*keys)
    table.add_row(*(str(len(data[k])) if k == "skipped" else str(data[k]) for k in keys))
    console.print(table)
    for item in data["skipped"][:30]:
        console.print(f"skipped {item['file']}: {item['reason']}", style="yellow", markup=False)
    if data["note"]:
        console.print(data["note"], style="yellow", markup=False)


@app.command("search")
def search(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="What you want to know, in plain words.")],
    mission: Annotated[
        list[str] | None, typer.Option(help="Only this mission (repeatable).")
    ] = None,
    country: Annotated[list[str] | None, typer.Option(help="Only this ISO3 country.")] = None,
    theme: Annotated[list[str] | None, typer.Option(help="Only this theme key.")] = None,
    kind: Annotated[list[str] | None, typer.Option(help="Only this kind of document.")] = None,
    since: Annotated[str | None, typer.Option(help="Documents from this day (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Documents up to this day.")] = None,
    mode: Annotated[str, typer.Option(help="hybrid, lexical or dense.")] = "hybrid",
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many passages.")] = 10,
    json_output: JsonOpt = False,
) -> None:
    """Find the passages that answer a question, best first, with their document and
    paragraph, fused from full-text and embedding rankings."""
    from peaceops.domain.knowledge import DocumentKind, SearchFilters
    from peaceops.errors import InputError

    def day(value: str | None, name: str) -> date | None:
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InputError(f"'{value}' is not a date; write YYYY-MM-DD", field=name) from None

    with reporting_errors():
        try:
            kinds = tuple(DocumentKind(k) for k in kind or ())
        except ValueError:
            raise InputError(
                f"kind must be one of {', '.join(k.value for k in DocumentKind)}", field="kind"
            ) from None
        filters = SearchFilters(
            missions=tuple(m.upper() for m in mission or ()),
            countries=tuple(c.upper() for c in country or ()),
            themes=tuple(theme or ()),
            kinds=kinds,
            since=day(since, "since"),
            until=day(until, "until"),
        )
        result = (
            state(ctx)
            .platform()
            .knowledge.search(question, by=_by(), filters=filters, limit=limit, mode=mode)
        )
    if json_output:
        print_json(
            {
                "query": result.query,
                "mode": result.mode,
                "note": result.note,
                "total": result.total,
                "facets": result.facets,
                "hits": [
                    {
                        "passage_id": h.passage.id,
                        "document_id": h.document.id,
                        "citation": h.document.citation,
                        "title": h.document.title,
                        "date": h.document.date.isoformat() if h.document.date else None,
                        "paragraph": h.passage.number,
                        "ordinal": h.passage.ordinal,
                        "heading": h.passage.heading,
                        "themes": list(h.passage.themes),
                        "score": h.score,
                        "lexical_rank": h.lexical_rank,
                        "dense_rank": h.dense_rank,
                        "text": h.passage.text,
                    }
                    for h in result.hits
                ],
            }
        )
        return
    if result.note:
        console.print(result.note, style="yellow", markup=False)
    if not result.hits:
        console.print("Nothing found.")
        return
    for rank, h in enumerate(result.hits, start=1):
        when = h.document.date.isoformat() if h.document.date else ""
        console.print(
            f"[bold]{rank}. {h.document.citation}, {h.passage.label}[/bold] {when}"
            f"  [dim]{', '.join(h.passage.themes)}[/dim]"
        )
        if h.passage.heading:
            console.print(f"   {h.passage.heading}", style="dim", markup=False)
        text = h.passage.text if len(h.passage.text) < 400 else h.passage.text[:400] + " …"
        console.print(f"   {text}", markup=False, soft_wrap=True)


@app.command("reindex")
def reindex(ctx: typer.Context, json_output: JsonOpt = False) -> None:
    """Tag every passage again with the current theme model and embed every passage again
    with the installed embedding model (after installing or changing either)."""
    with reporting_errors(), _bars(quiet=json_output) as progress:
        summary = state(ctx).platform().knowledge.reindex(by=_by(), progress=progress)
    if json_output:
        print_json(summary)
    else:
        console.print(f"Tagged {summary['tagged']:,} passages, embedded {summary['embedded']:,}.")


@app.command("list")
def list_documents(ctx: typer.Context, json_output: JsonOpt = False) -> None:
    """The documents in the knowledge base, the latest first."""
    with reporting_errors():
        docs, total = state(ctx).platform().knowledge.documents(by=_by(), limit=500)
    if json_output:
        print_json(
            [
                {
                    "id": d.id,
                    "symbol": d.symbol,
                    "title": d.title,
                    "kind": d.kind.value,
                    "date": d.date.isoformat() if d.date else None,
                    "missions": list(d.missions),
                    "countries": list(d.countries),
                    "passages": d.passage_count,
                }
                for d in docs
            ]
        )
        return
    table = Table(
        "id", "symbol", "date", "kind", "missions", "passages", "title", title=f"{total} documents"
    )
    for d in docs:
        table.add_row(
            str(d.id),
            d.symbol or "",
            d.date.isoformat() if d.date else "",
            d.kind.value,
            ", ".join(d.missions),
            str(d.passage_count),
            d.title[:60],
        )
    console.print(table)


@app.command("train-themes")
def train_themes(
    ctx: typer.Context,
    data: Annotated[
        Path,
        typer.Option(
            help="The shared data folder holding texts/pact-coded-paragraphs and "
            "texts/un-sg-reports-pact.",
            exists=True,
            file_okay=False,
        ),
    ] = Path("../shared/data"),
    json_output: JsonOpt = False,
) -> None:
    """Train the theme classifier on the PACT-coded paragraphs of Secretary-General reports,
    print its precision, recall and F1 on reports held out, and store it; run 'peaceops docs
    reindex' afterwards to tag the stored passages with it."""
    with reporting_errors(), console.status("Training the theme classifier"):
        scores = state(ctx).platform().knowledge.train_themes(data, by=_by())
    if json_output:
        print_json(scores)
        return
    held = scores["held_out"]
    table = Table(
        "theme",
        "support",
        "precision",
        "recall",
        "F1",
        "keywords F1",
        title=f"Held out: {held['test_reports']} reports, {held['test_texts']} paragraphs",
    )
    for key, s in held["classifier"]["per_theme"].items():
        k = held["keywords"]["per_theme"].get(key, {})
        table.add_row(
            key,
            str(s["support"]),
            f"{s['precision']:.2f}",
            f"{s['recall']:.2f}",
            f"{s['f1']:.2f}",
            f"{k.get('f1', 0):.2f}",
        )
    for avg in ("micro", "macro"):
        s = held["classifier"][avg]
        k = held["keywords"][avg]
        table.add_row(
            avg,
            "",
            f"{s['precision']:.2f}",
            f"{s['recall']:.2f}",
            f"{s['f1']:.2f}",
            f"{k['f1']:.2f}",
        )
    console.print(table)
    console.print(
        f"Stored; trained on {scores['paragraphs']:,} paragraphs of {scores['reports']} reports."
    )
