"""Forecasting service: the VIEWS country-month backtest, and runs on the platform's events."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import shapely
from shapely import STRtree
from shapely.geometry import shape
from sqlalchemy import Connection, Engine

from peaceops.analytics.forecasting import backtest, registry
from peaceops.analytics.forecasting.event_panels import panel_from_events
from peaceops.analytics.forecasting.panel import Forecast, Panel
from peaceops.config import Settings
from peaceops.domain.access import Permission, Principal
from peaceops.domain.audit import AuditAction
from peaceops.domain.events import TARGETS
from peaceops.domain.places import AdminArea, Month, PriogridCell
from peaceops.errors import InputError, NotFound
from peaceops.ingest.views_cm import ChallengeFolder, october
from peaceops.platform.access import require
from peaceops.storage import transaction
from peaceops.storage.repositories import audited
from peaceops.storage.repositories import events as events_repo
from peaceops.storage.repositories import places as places_repo
from peaceops.storage.types import utcnow

LEVELS = ("cm", "admin1", "pgm")
HISTORY_MONTHS = 240  # how far back a panel built from events reaches

PUBLISHED = ("views_bootstrap", "views_poisson", "nb_bodentien_rueter")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class BacktestReport:
    result: backtest.Backtest
    scores: dict[str, Any]
    seconds: float


def _forecast_from_frame(
    frame: pl.DataFrame, units: np.ndarray, cutoff: int, name: str
) -> Forecast:
    frame = frame.filter(pl.col("country_id").is_in(units.tolist())).sort(
        ["country_id", "month_id", "draw"]
    )
    months = sorted(frame["month_id"].unique().to_list())
    n_draws = frame["draw"].n_unique()
    present = np.array(sorted(frame["country_id"].unique().to_list()))
    if len(present) != len(units):
        missing = sorted(set(units.tolist()) - set(present.tolist()))[:5]
        raise InputError(f"the published forecast {name} lacks countries {missing}")
    draws = frame["outcome"].to_numpy().reshape(len(present), len(months), n_draws)
    order = np.searchsorted(present, units)
    return Forecast(
        units,
        cutoff,
        tuple(m - cutoff for m in months),
        draws[order].astype(np.float32),
        model=name,
    )


@dataclass(frozen=True)
class UnitPanel:
    """A panel from events with the names of its units (P-codes or PRIO-GRID gids)."""

    panel: Panel
    labels: dict[int, str]


class ForecastingService:
    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self._settings = settings
        self._engine = engine
        # Event panels by their arguments, the events' data version and the boundaries: the
        # risk page asks for one on every view, and placing hundreds of thousands of events
        # in their areas took seconds each time.
        self._panels: dict[tuple[Any, ...], tuple[int, UnitPanel]] = {}
        self._panels_lock = threading.Lock()

    @property
    def scores_file(self) -> Path:
        return self._settings.data_dir / "forecasts" / "cm_backtest_scores.json"

    def last_scores(self) -> dict[str, Any] | None:
        """The scores of the latest country-month backtest run on this installation."""
        if not self.scores_file.exists():
            return None
        loaded: dict[str, Any] = json.loads(self.scores_file.read_text())
        return loaded

    def models(self) -> list[registry.ModelSpec]:
        return list(registry.MODELS.values())

    def default_model(self) -> str:
        """The model the latest backtest ranked best on mean CRPS (pooled over its windows)."""
        scores = self.last_scores()
        for name in (scores or {}).get("ranking", []):
            if name in registry.MODELS:
                return str(name)
        return registry.FALLBACK_DEFAULT

    def backtest_cm(
        self,
        data: Path,
        *,
        windows: Sequence[int] | None = None,
        models: Sequence[str] | None = None,
        n_draws: int = 1000,
        seed: int = 0,
        published: bool = True,
        progress: Progress | None = None,
    ) -> BacktestReport:
        started = time.perf_counter()
        folder = ChallengeFolder.open(data)
        available = folder.windows()
        chosen = list(windows or available)
        for w in chosen:
            if w not in available:
                raise InputError(
                    f"window {w} cannot be scored from this folder (it has {available})",
                    field="--windows",
                )
        names = list(models or registry.MODELS)
        _check_models(names)
        panels, actuals = {}, {}
        outside: dict[str, dict[int, Forecast]] = {}
        for w in chosen:
            cutoff = october(w - 1)
            arrays = folder.panel(cutoff)
            panels[w] = Panel(arrays.units, arrays.first_month, arrays.values, arrays.covariates)
            actuals[w] = {
                (int(u), int(m)): float(v) for u, m, v in folder.actuals_for(w).iter_rows()
            }
            if published:
                for name in PUBLISHED:
                    frame = folder.benchmark(name, w)
                    if frame is not None:
                        outside.setdefault(name, {})[w] = _forecast_from_frame(
                            frame, panels[w].units, cutoff, name
                        )
        result = backtest.run(
            [registry.build(n) for n in names],
            panels=panels,
            actuals=actuals,
            published=outside,
            n_draws=n_draws,
            seed=seed,
            progress=progress,
        )
        scores = self._scores(result, names)
        self.scores_file.parent.mkdir(parents=True, exist_ok=True)
        self.scores_file.write_text(json.dumps(scores, default=str))
        return BacktestReport(result, scores, time.perf_counter() - started)

    @staticmethod
    def _scores(result: backtest.Backtest, names: Sequence[str]) -> dict[str, Any]:
        ranking = [m for m in result.ranking("crps") if m in names]
        best = ranking[0]
        comparisons = {}
        for other in ("conflictology", "nb_bodentien_rueter"):
            if other in result.models() and other != best:
                comparisons[other] = {
                    str(w): result.difference(best, other, windows=[w]) for w in result.windows()
                } | {"all": result.difference(best, other)}
        return {
            "protocol": "VIEWS 2023/24 country-month: data to October Y-1, forecasts for "
            "January-December Y (steps 3-14), target ged_sb",
            "windows": result.windows(),
            "table": result.table(),
            "by_step_crps": result.by_step("crps"),
            "by_situation_crps": result.by_situation("crps"),
            "ranking": ranking,
            "best": best,
            "best_minus_other_crps": comparisons,
            "seconds_per_model": result.seconds,
        }

    def run_cm(
        self,
        data: Path,
        *,
        cutoff: Month,
        out: Path,
        model: str | None = None,
        n_draws: int = 1000,
        seed: int = 0,
    ) -> tuple[str, Path, Forecast]:
        """Forecast the twelve months after ``cutoff`` + 2 (January-December for October)."""
        folder = ChallengeFolder.open(data)
        name = model or self.default_model()
        _check_models([name])
        arrays = folder.panel(cutoff.month_id)
        if arrays.first_month + arrays.values.shape[1] - 1 < cutoff.month_id:
            raise InputError(f"the data end before {cutoff}", field="--cutoff")
        panel = Panel(arrays.units, arrays.first_month, arrays.values, arrays.covariates)
        forecast = registry.build(name).fit(panel).sample(n=n_draws, random_state=seed)
        year = (cutoff + 3).year
        target = out / "cm" / f"window=Y{year}"
        target.mkdir(parents=True, exist_ok=True)
        u, h, s = forecast.draws.shape
        frame = pl.DataFrame(
            {
                "month_id": np.tile(
                    np.repeat([forecast.month(st) for st in forecast.steps], s), u
                ).astype(np.int64),
                "country_id": np.repeat(forecast.units, h * s).astype(np.int64),
                "draw": np.tile(np.arange(s), u * h).astype(np.int64),
                "outcome": forecast.draws.reshape(-1).astype(np.float32),
            }
        ).sort(["month_id", "country_id", "draw"])
        path = target / f"{name}.parquet"
        frame.write_parquet(path)
        return name, path, forecast

    # Forecasts from the platform's own event data ------------------------------------------

    def _require_engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("this forecasting service has no database")
        return self._engine

    def event_panel(
        self,
        level: str,
        country: str,
        *,
        cutoff: int,
        target: str = "sb",
        history: int = HISTORY_MONTHS,
    ) -> UnitPanel:
        """Fatalities per admin-1 area (``admin1``) or PRIO-GRID cell (``pgm``) and month.

        Events are placed by their coordinates: in the country's stored admin-1 boundaries, or
        in the grid cells that touch those boundaries. Only events up to ``cutoff`` are read.
        """
        if level not in ("admin1", "pgm"):
            raise InputError(f"level {level!r}: use admin1 or pgm", field="--level")
        if target not in TARGETS:
            raise InputError(
                f"target {target!r}: use one of {', '.join(TARGETS)}", field="--target"
            )
        engine = self._require_engine()
        with transaction(engine, write=False) as conn:
            places_repo.get_country(conn, country)
            areas = places_repo.list_admin_areas(conn, country.upper(), level=1)
            if not areas:
                raise InputError(
                    f"{country} has no admin-1 boundaries: import them first "
                    "(peaceops import boundaries)",
                    field="--country",
                )
            boundaries = hashlib.sha256(
                json.dumps([(a.id, a.pcode, a.geometry) for a in areas], sort_keys=True).encode()
            ).hexdigest()
            key = (level, country.upper(), cutoff, target, history, boundaries)
            version = events_repo.data_version(conn)
            with self._panels_lock:
                cached = self._panels.get(key)
                if cached is not None and cached[0] == version:
                    return cached[1]
                return self._build_panel(conn, key, version, areas)

    def _build_panel(
        self, conn: Connection, key: tuple[Any, ...], version: int, areas: list[AdminArea]
    ) -> UnitPanel:
        """The panel of ``key`` built from the events (run under the panels' lock, so that
        requests arriving together wait for one build rather than each doing it)."""
        level, _country, cutoff, target, history, _boundaries = key
        shapes = [shape(a.geometry) for a in areas]
        outline = shapely.union_all(shapes)
        rows = events_repo.event_rows(
            conn, types=TARGETS[target], until_month=cutoff, bbox=outline.bounds
        )
        frame = pl.DataFrame(
            rows,
            schema=["month_id", "best", "lon", "lat", "gid", "gw"],
            orient="row",
            infer_schema_length=None,  # events from incidents may lack a grid cell
        )
        frame = frame.drop_nulls(["lon", "lat"])
        points = shapely.points(frame["lon"].to_numpy(), frame["lat"].to_numpy())
        first = cutoff - history + 1
        if level == "admin1":
            tree = STRtree(shapes)
            point_index, area_index = tree.query(points, predicate="intersects")
            # A point on a shared border counts once, in the first area found.
            _, first_hit = np.unique(point_index, return_index=True)
            located = pl.DataFrame(
                {
                    "unit": area_index[first_hit].astype(np.int64),
                    "month_id": frame["month_id"].to_numpy()[point_index[first_hit]],
                    "best": frame["best"].to_numpy()[point_index[first_hit]],
                }
            )
            units = list(range(len(areas)))
            labels = {i: a.pcode for i, a in enumerate(areas)}
        else:
            cells = _cells_touching(outline)
            inside = shapely.intersects(outline, points)
            gids = np.array(
                [
                    PriogridCell.at(x, y).gid
                    for x, y in zip(
                        frame["lon"].to_numpy()[inside],
                        frame["lat"].to_numpy()[inside],
                        strict=True,
                    )
                ],
                dtype=np.int64,
            )
            located = pl.DataFrame(
                {
                    "unit": gids,
                    "month_id": frame["month_id"].to_numpy()[inside],
                    "best": frame["best"].to_numpy()[inside],
                }
            )
            units = cells
            labels = {g: str(g) for g in cells}
        panel = panel_from_events(located, units=units, first_month=first, cutoff=cutoff)
        panel = dataclasses.replace(panel, neighbours=_neighbours(level, units, shapes))
        found = UnitPanel(panel, labels)
        self._panels[key] = (version, found)
        return found

    def backtest_events(
        self,
        level: str,
        country: str,
        *,
        windows: Sequence[int],
        models: Sequence[str] | None = None,
        target: str = "sb",
        n_draws: int = 1000,
        seed: int = 0,
        progress: Progress | None = None,
    ) -> BacktestReport:
        """The challenge protocol on the platform's own events, per admin-1 area or grid cell.

        For each year Y: fitted on events to October Y-1, scored on January-December Y,
        month by month.
        """
        started = time.perf_counter()
        names = list(models or registry.MODELS)
        _check_models(names)
        panels, actuals = {}, {}
        for year in windows:
            cutoff = october(year - 1)
            panels[year] = self.event_panel(level, country, cutoff=cutoff, target=target).panel
            later = self.event_panel(
                level, country, cutoff=cutoff + 14, target=target, history=12
            ).panel
            actuals[year] = {
                (int(u), month): float(later.values[i, later.column(month)])
                for i, u in enumerate(later.units)
                for month in range(cutoff + 3, cutoff + 15)
            }
        result = backtest.run(
            [registry.build(n) for n in names],
            panels=panels,
            actuals=actuals,
            n_draws=n_draws,
            seed=seed,
            progress=progress,
        )
        return BacktestReport(result, self._scores(result, names), time.perf_counter() - started)

    def run_events(
        self,
        level: str,
        country: str,
        *,
        cutoff: Month,
        by: Principal,
        model: str | None = None,
        target: str = "sb",
        steps: int = 12,
        n_draws: int = 1000,
        seed: int = 0,
    ) -> int:
        """Fit a model on the platform's events, forecast ``steps`` months, store the summary."""
        require(by, Permission.IMPORT_DATA)
        name = model or self.default_model()
        _check_models([name])
        if not 1 <= steps <= 36:
            raise InputError("steps must be 1 to 36 months", field="--steps")
        built = self.event_panel(level, country, cutoff=cutoff.month_id, target=target)
        engine = self._require_engine()
        with transaction(engine, write=False) as conn:
            vintage = events_repo.vintage(conn)
        if not vintage:
            raise InputError("no events in the database: import UCDP GED first")
        forecast = (
            registry.build(name)
            .fit(built.panel)
            .sample(tuple(range(1, steps + 1)), n=n_draws, random_state=seed)
        )
        summary = forecast.summary()
        rows = []
        for u, unit in enumerate(forecast.units.tolist()):
            for j, step in enumerate(forecast.steps):
                rows.append(
                    {
                        "unit": built.labels[unit],
                        "month_id": forecast.month(step),
                        "mean": float(summary["mean"][u, j]),
                        "q05": float(summary["q0.05"][u, j]),
                        "q50": float(summary["q0.5"][u, j]),
                        "q95": float(summary["q0.95"][u, j]),
                        "p_gt0": float(summary["p_gt0"][u, j]),
                        "p_ge25": float(summary["p_ge25"][u, j]),
                        "p_ge100": float(summary["p_ge100"][u, j]),
                    }
                )
        values = {
            "level": level,
            "country_iso3": country.upper(),
            "target": target,
            "model": name,
            "cutoff_month_id": cutoff.month_id,
            "n_draws": n_draws,
            "data_vintage": json.dumps(vintage, sort_keys=True),
            "created_at": utcnow(),
            "created_by": by.username,
        }
        with transaction(engine) as conn:
            run_id = events_repo.create_run(conn, values, rows)
            audited.record(
                conn,
                by,
                AuditAction.CREATE,
                "forecast_runs",
                run_id,
                after={**values, "units": len(forecast.units)},
            )
        return run_id

    def run(self, run_id: int) -> dict[str, Any]:
        for found in self.runs():
            if found["id"] == run_id:
                return found
        raise NotFound(f"forecast run {run_id} does not exist")

    def run_history(self, run_id: int, *, months: int = 36) -> dict[str, list[float]]:
        """The observed fatalities of each unit of a run over the ``months`` to its cutoff."""
        meta = self.run(run_id)
        built = self.event_panel(
            meta["level"],
            meta["country_iso3"],
            cutoff=meta["cutoff_month_id"],
            target=meta["target"],
            history=months,
        )
        return {
            built.labels[int(u)]: built.panel.values[i].tolist()
            for i, u in enumerate(built.panel.units)
        }

    def runs(self, *, country: str | None = None) -> list[dict[str, Any]]:
        with transaction(self._require_engine(), write=False) as conn:
            return events_repo.list_runs(conn, country_iso3=country)

    def run_values(self, run_id: int) -> list[dict[str, Any]]:
        with transaction(self._require_engine(), write=False) as conn:
            if not any(r["id"] == run_id for r in events_repo.list_runs(conn)):
                raise NotFound(f"forecast run {run_id} does not exist")
            return events_repo.run_values(conn, run_id)


def _cells_touching(outline: Any) -> list[int]:
    """PRIO-GRID gids of the cells that touch a (multi)polygon."""
    x0, y0, x1, y1 = outline.bounds
    first, last = PriogridCell.at(x0, y0), PriogridCell.at(x1, y1)
    candidates = [
        PriogridCell.from_row_col(r, c)
        for r in range(first.row, last.row + 1)
        for c in range(first.col, last.col + 1)
    ]
    boxes = shapely.box(*np.array([c.bounds for c in candidates]).T)
    shapely.prepare(outline)
    keep = shapely.intersects(outline, boxes)
    return [c.gid for c, k in zip(candidates, keep, strict=True) if k]


def _neighbours(level: str, units: list[int], shapes: list[Any]) -> tuple[np.ndarray, ...]:
    """Rows of each unit's neighbours: areas that share a border, or queen grid neighbours."""
    if level == "pgm":
        row = {gid: i for i, gid in enumerate(units)}
        return tuple(
            np.array(
                [row[c.gid] for c in PriogridCell(gid).queen_neighbours() if c.gid in row],
                dtype=np.int64,
            )
            for gid in units
        )
    tree = STRtree(shapes)
    found = []
    for i, geom in enumerate(shapes):
        hits = tree.query(geom.buffer(1e-6), predicate="intersects")
        found.append(np.array(sorted(int(h) for h in hits if h != i), dtype=np.int64))
    return tuple(found)


def _check_models(names: Sequence[str]) -> None:
    for name in names:
        if name not in registry.MODELS:
            raise NotFound(f"no model {name!r}; see 'peaceops forecast models'")
