"""The VIEWS 2023/24 prediction challenge's country-month files, read into panels.

A challenge folder holds ``cm_features_to_octYYYY.parquet`` (the 12 months to October YYYY, with
lags ``ged_sb_tlag_1..6``), ``cm_actuals_YYYY.parquet`` and benchmark forecasts. History for a
cutoff is assembled from every file, never from a month after the cutoff: the features' own
months first, then the months their lags reveal, then, where given, a longer VIEWS-style panel
(``cm_panel_africa_1990-2020.parquet``, column ``ged_best_sb``) for earlier months.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from peaceops.errors import InputError

FEATURES = re.compile(r"cm_features_to_oct(\d{4})\.parquet$")
ACTUALS = re.compile(r"cm_actuals_(\d{4})\.parquet$")
TARGET = "ged_sb"
LAGS = 6
# Country-year covariates that both the challenge files and the African panel carry.
COVARIATES = (
    "wdi_sp_pop_totl",
    "wdi_sm_pop_refg_or",
    "wdi_dt_oda_odat_pc_zs",
    "vdem_v2x_accountability",
    "vdem_v2xpe_exlpol",
)


def october(year: int) -> int:
    return (year - 1980) * 12 + 10


@dataclass(frozen=True)
class PanelArrays:
    """Outcome values[u, t] of units[u] in month first_month + t (NaN where unknown)."""

    units: np.ndarray
    first_month: int
    values: np.ndarray
    covariates: dict[str, np.ndarray]


@dataclass(frozen=True)
class ChallengeFolder:
    folder: Path
    features: dict[int, Path]
    actuals: dict[int, Path]
    long_panel: Path | None

    @classmethod
    def open(cls, folder: Path, *, long_panel: Path | None = None) -> ChallengeFolder:
        if not folder.is_dir():
            raise InputError("not a folder", source=str(folder))
        features = {int(m.group(1)): p for p in folder.iterdir() if (m := FEATURES.search(p.name))}
        actuals = {int(m.group(1)): p for p in folder.iterdir() if (m := ACTUALS.search(p.name))}
        if not features:
            raise InputError("no cm_features_to_octYYYY.parquet file here", source=str(folder))
        if long_panel is None:
            guess = folder.parent / "views-panel-africa" / "cm_panel_africa_1990-2020.parquet"
            long_panel = guess if guess.exists() else None
        return cls(folder, features, actuals, long_panel)

    def windows(self) -> list[int]:
        """Forecast years that can be scored: features to October Y-1 and actuals of Y."""
        return sorted(y for y in self.actuals if y - 1 in self.features)

    def benchmark(self, name: str, year: int) -> pl.DataFrame | None:
        files = {
            "views_bootstrap": f"bm_cm_bootstrap_expanded_{year}.parquet",
            "views_poisson": f"bm_cm_last_historical_poisson_expanded_{year}.parquet",
            "nb_bodentien_rueter": f"bodentien_rueter_cm_nbinom_test_window_{year}.parquet",
        }
        path = self.folder / files[name]
        return pl.read_parquet(path) if path.exists() else None

    def actuals_for(self, year: int) -> pl.DataFrame:
        if year not in self.actuals:
            raise InputError(f"no cm_actuals_{year}.parquet", source=str(self.folder))
        return pl.read_parquet(self.actuals[year]).select(
            pl.col("country_id").cast(pl.Int64),
            pl.col("month_id").cast(pl.Int64),
            pl.col(TARGET).cast(pl.Float64),
        )

    def cells(self, cutoff: int) -> pl.DataFrame:
        """(country_id, month_id, ged_sb, rank) known at ``cutoff``; lower rank wins."""
        parts = []
        for _year, path in sorted(self.features.items(), reverse=True):
            frame = pl.read_parquet(path)
            if TARGET not in frame.columns:
                raise InputError(f"column {TARGET} missing", source=path.name, field=TARGET)
            frame = frame.filter(pl.col("month_id") <= cutoff)
            if frame.is_empty():
                continue
            base = frame.select(
                pl.col("country_id").cast(pl.Int64),
                pl.col("month_id").cast(pl.Int64),
                pl.col(TARGET),
            )
            parts.append(base.with_columns(pl.lit(0).alias("rank")))
            for lag in range(1, LAGS + 1):
                column = f"{TARGET}_tlag_{lag}"
                if column in frame.columns:
                    parts.append(
                        frame.select(
                            pl.col("country_id").cast(pl.Int64),
                            (pl.col("month_id") - lag).cast(pl.Int64).alias("month_id"),
                            pl.col(column).alias(TARGET),
                            pl.lit(lag).alias("rank"),
                        )
                    )
        for year in self.actuals:
            frame = self.actuals_for(year).filter(pl.col("month_id") <= cutoff)
            parts.append(frame.with_columns(pl.lit(0).alias("rank")))
        if self.long_panel is not None:
            panel = pl.read_parquet(
                self.long_panel, columns=["country_id", "month_id", "ged_best_sb"]
            )
            parts.append(
                panel.filter(pl.col("month_id") <= cutoff).select(
                    pl.col("country_id").cast(pl.Int64),
                    pl.col("month_id").cast(pl.Int64),
                    pl.col("ged_best_sb").cast(pl.Float64).alias(TARGET),
                    pl.lit(99).alias("rank"),
                )
            )
        cells = pl.concat(
            [
                p.with_columns(pl.col(TARGET).cast(pl.Float64), pl.col("rank").cast(pl.Int64))
                for p in parts
            ]
        )
        return (
            cells.drop_nulls(TARGET)
            .sort("rank")
            .unique(subset=["country_id", "month_id"], keep="first")
        )

    def covariate_cells(self, cutoff: int, names: tuple[str, ...]) -> pl.DataFrame:
        """(country_id, month_id, one column per covariate) known at ``cutoff``."""

        def read(path: Path, rank: int) -> pl.DataFrame:
            present = [n for n in names if n in pl.read_parquet_schema(path)]
            frame = pl.read_parquet(path, columns=["country_id", "month_id", *present])
            return frame.filter(pl.col("month_id") <= cutoff).with_columns(
                pl.lit(rank).alias("rank")
            )

        # The newest features file wins; the long panel fills earlier months.
        sources = sorted(self.features.values(), reverse=True)
        parts = [read(path, rank) for rank, path in enumerate(sources)]
        if self.long_panel is not None:
            parts.append(read(self.long_panel, 99))
        cast = [
            pl.col("country_id").cast(pl.Int64),
            pl.col("month_id").cast(pl.Int64),
            pl.col("rank").cast(pl.Int64),
        ]
        frames = [
            p.with_columns(*cast, *(pl.col(n).cast(pl.Float64) for n in names if n in p.columns))
            for p in parts
        ]
        merged = pl.concat(frames, how="diagonal")
        return merged.sort("rank").unique(subset=["country_id", "month_id"], keep="first")

    def panel(
        self,
        cutoff: int,
        *,
        units: list[int] | None = None,
        covariates: tuple[str, ...] = COVARIATES,
    ) -> PanelArrays:
        """The ``ged_sb`` history of every country known at ``cutoff``, with covariates."""
        cells = self.cells(cutoff)
        if units is None:
            latest = max(y for y in self.features if october(y) <= cutoff)
            units = sorted(
                pl.read_parquet(self.features[latest], columns=["country_id"])["country_id"]
                .unique()
                .to_list()
            )
        first = int(cells["month_id"].min())  # type: ignore[arg-type]
        row = {u: i for i, u in enumerate(units)}
        shape = (len(units), cutoff - first + 1)

        def matrix(frame: pl.DataFrame, column: str) -> np.ndarray:
            out = np.full(shape, np.nan)
            known = frame.filter(
                pl.col("country_id").is_in(units) & (pl.col("month_id") >= first)
            ).drop_nulls(column)
            r = np.array([row[u] for u in known["country_id"].to_list()], dtype=np.int64)
            out[r, known["month_id"].to_numpy() - first] = known[column].to_numpy()
            return out

        extra = self.covariate_cells(cutoff, covariates) if covariates else None
        return PanelArrays(
            np.asarray(units, dtype=np.int64),
            first,
            matrix(cells, TARGET),
            {n: matrix(extra, n) for n in covariates if n in extra.columns}
            if extra is not None
            else {},
        )
