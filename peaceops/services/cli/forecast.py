"""``peaceops forecast``: probabilistic forecasts of violence and their backtest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from peaceops.services.cli.context import console, print_json, reporting_errors, state

app = typer.Typer(help="Forecasts of violence: models, backtest, runs.", no_args_is_help=True)

LevelOpt = Annotated[
    str,
    typer.Option(
        "--level",
        help="cm (challenge files in --data), admin1 or pgm (the database's events, for "
        "--country).",
    ),
]
DataOpt = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Folder of the VIEWS challenge cm files (level cm).",
        exists=True,
        file_okay=False,
    ),
]
CountryOpt = Annotated[str | None, typer.Option(help="ISO3 country (levels admin1, pgm).")]


@app.command("models")
def models(
    ctx: typer.Context,
    json_output: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the forecasting models; the default is the one the last backtest ranked best."""
    from peaceops.platform.forecasting import ForecastingService

    service = ForecastingService(state(ctx).settings)
    default = service.default_model()
    specs = service.models()
    if json_output:
        print_json(
            [
                {
                    "name": s.name,
                    "kind": s.kind,
                    "description": s.description,
                    "default": s.name == default,
                }
                for s in specs
            ]
        )
        return
    table = Table("model", "kind", "what it does")
    for s in specs:
        table.add_row(s.name + (" (default)" if s.name == default else ""), s.kind, s.description)
    console.print(table)


def _fmt(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


@app.command("backtest")
def backtest(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Folder for scores.json and scores.md.")],
    level: LevelOpt = "cm",
    data: DataOpt = None,
    country: CountryOpt = None,
    windows: Annotated[
        list[int] | None,
        typer.Option(
            "--windows", help="Forecast years to score (default: every one the data allow)."
        ),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", help="Only these models (repeat the option; default: all)."),
    ] = None,
    draws: Annotated[int, typer.Option(help="Draws per unit-month.", min=10)] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of every random draw.")] = 0,
    more_windows: Annotated[
        list[int] | None,
        typer.Argument(
            help="Further years after --windows, as in '--windows 2019 2020'.", show_default=False
        ),
    ] = None,
) -> None:
    """Score every model (and, at cm level, the published benchmarks) side by side.

    The VIEWS 2023/24 protocol: for each window Y, data to October Y-1, forecasts for
    January-December Y, scored month by month with CRPS, ignorance, the 90% interval score,
    90% coverage and the Brier score of any fatality. Writes OUT/scores.json and OUT/scores.md.
    """
    from peaceops.errors import InputError
    from peaceops.platform.forecasting import LEVELS, ForecastingService

    if more_windows:
        windows = [*(windows or []), *more_windows]
    with reporting_errors():
        if level not in LEVELS:
            raise InputError(f"level {level!r}: use cm, admin1 or pgm", field="--level")
        settings = state(ctx).settings
        names = model or [m.name for m in ForecastingService(settings).models()]
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("backtest", total=len(names) * max(len(windows or [0, 0]), 1))

            def step(label: str) -> None:
                bar.update(task, advance=1, description=f"backtest: {label}")

            if level == "cm":
                if data is None:
                    raise InputError("level cm needs --data", field="--data")
                report = ForecastingService(settings).backtest_cm(
                    data, windows=windows, models=model, n_draws=draws, seed=seed, progress=step
                )
            else:
                if not country or not windows:
                    raise InputError(
                        f"level {level} needs --country and --windows", field="--country"
                    )
                report = (
                    state(ctx)
                    .platform()
                    .forecasting.backtest_events(
                        level,
                        country,
                        windows=windows,
                        models=model,
                        n_draws=draws,
                        seed=seed,
                        progress=step,
                    )
                )
    _write_scores(report, out)


def _write_scores(report: Any, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "scores.json").write_text(json.dumps(report.scores, indent=2))
    metrics = ["crps", "ignorance", "mis90", "coverage90", "brier0"]
    table = Table(
        "model",
        "window",
        *metrics,
        title="Backtest (lower is better; coverage should be near 0.90)",
    )
    lines = [
        "| model | window | " + " | ".join(metrics) + " |",
        "|" + " --- |" * (len(metrics) + 2),
    ]
    for row in report.scores["table"]:
        cells = [_fmt(row[m]) for m in metrics]
        table.add_row(row["model"], row["window"], *cells)
        lines.append(f"| {row['model']} | {row['window']} | " + " | ".join(cells) + " |")
    console.print(table)
    best = report.scores["best"]
    console.print(f"Best on mean CRPS: [bold]{best}[/] ({report.seconds:.0f} s).")
    for other, by_window in report.scores["best_minus_other_crps"].items():
        for window, d in by_window.items():
            console.print(
                f"  {best} - {other}, {window}: {d['mean']:+.3f} "
                f"[95% CI {d['low']:+.3f}, {d['high']:+.3f}]"
            )
    (out / "scores.md").write_text("\n".join(lines) + "\n")
    console.print(f"Wrote {out / 'scores.json'} and {out / 'scores.md'}.")


@app.command("run")
def run(
    ctx: typer.Context,
    cutoff: Annotated[str, typer.Option(help="Last month of data used, YYYY-MM.")],
    level: LevelOpt = "cm",
    data: DataOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder to write the forecast under (level cm).")
    ] = None,
    country: CountryOpt = None,
    target: Annotated[str, typer.Option(help="sb (state-based), ns, os or total.")] = "sb",
    steps: Annotated[int, typer.Option(help="Months ahead (levels admin1, pgm).")] = 12,
    model: Annotated[
        str | None, typer.Option(help="Model name (default: best in the last backtest).")
    ] = None,
    draws: Annotated[int, typer.Option(help="Draws per unit-month.", min=10)] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of every random draw.")] = 0,
) -> None:
    """Forecast the months after the cutoff.

    Level cm: the year after an October cutoff from the challenge files, written as Parquet
    under OUT/cm/window=YYEAR/ (columns month_id, country_id, draw, outcome). Levels admin1 and
    pgm: from the events in the database for one country; the summary (mean, quantiles,
    P(>0), P(>=25), P(>=100)) is stored with the model, cutoff and data vintage.
    """
    from peaceops.domain.access import Principal
    from peaceops.domain.places import Month
    from peaceops.errors import InputError
    from peaceops.platform.forecasting import LEVELS, ForecastingService

    with reporting_errors():
        if level not in LEVELS:
            raise InputError(f"level {level!r}: use cm, admin1 or pgm", field="--level")
        try:
            month = Month.parse(cutoff)
        except ValueError as exc:
            raise InputError(str(exc), field="--cutoff") from exc
        if level != "cm":
            if not country:
                raise InputError(f"level {level} needs --country", field="--country")
            platform = state(ctx).platform()
            with console.status(f"Fitting and drawing at {level} level"):
                run_id = platform.forecasting.run_events(
                    level,
                    country,
                    cutoff=month,
                    model=model,
                    target=target,
                    steps=steps,
                    n_draws=draws,
                    seed=seed,
                    by=Principal.system("cli"),
                )
            # The forecast is stored (committed): the alert rules read it now.
            platform.after_change("forecast", country)
            values = platform.forecasting.run_values(run_id)
            top = sorted(values, key=lambda v: -v["p_ge25"])[:5]
            console.print(
                f"Stored forecast run {run_id}: {len({v['unit'] for v in values})} "
                f"units x {steps} months."
            )
            console.print(
                "Highest P(>= 25 fatalities): "
                + ", ".join(
                    f"{v['unit']} in {Month.from_month_id(v['month_id'])} ({v['p_ge25']:.2f})"
                    for v in top
                )
            )
            return
        if data is None or out is None:
            raise InputError("level cm needs --data and --out", field="--data")
        service = ForecastingService(state(ctx).settings)
        with console.status(f"Fitting and drawing ({model or service.default_model()})"):
            name, path, forecast = service.run_cm(
                data, cutoff=month, out=out, model=model, n_draws=draws, seed=seed
            )
    summary = forecast.summary()
    console.print(
        f"{name}: {len(forecast.units)} countries x {len(forecast.steps)} months x "
        f"{forecast.draws.shape[2]} draws -> {path}"
    )
    top = summary["p_ge25"].mean(axis=1).argsort()[::-1][:5]
    console.print(
        "Highest mean P(>= 25 fatalities) per month: "
        + ", ".join(f"country {forecast.units[i]} ({summary['p_ge25'][i].mean():.2f})" for i in top)
    )
