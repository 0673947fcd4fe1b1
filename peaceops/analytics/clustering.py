"""Grid aggregation of points for maps: many events become one symbol per grid cell.

The situation map lets the database group stored events by these cells
(``storage.repositories.events.grid_cells_in_window``); ``grid_clusters`` does the same in
memory for points held in arrays, and is the reference the database's grouping is tested
against. Cells are squares of ``cell`` degrees anchored at (-180, -90), so a cell keeps its place
whatever the requested bounding box: panning the map does not reshuffle the clusters. The
work is columnar (NumPy ``unique`` and ``bincount``), with no loop over the points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Clusters:
    """One row per non-empty cell: where its points are (their mean), how many, what toll."""

    lon: FloatArray
    lat: FloatArray
    count: IntArray
    fatalities: IntArray
    west: FloatArray
    south: FloatArray
    east: FloatArray
    north: FloatArray

    def __len__(self) -> int:
        return int(self.count.shape[0])


def cell_size(zoom: int) -> float:
    """Cell edge in degrees at a web-map zoom level: about 1/8 of a 256-pixel tile's width.

    >>> cell_size(0), cell_size(6)
    (45.0, 0.703125)
    """
    if zoom < 0:
        raise ValueError("zoom must be 0 or more")
    return 360.0 / float(2**zoom) / 8.0


def cell_bounds(column: int, row: int, cell: float) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the cell at ``column`` and ``row`` of the grid.

    >>> cell_bounds(4, 2, 45.0)
    (0.0, 0.0, 45.0, 45.0)
    """
    west = column * cell - 180.0
    south = row * cell - 90.0
    return west, south, west + cell, south + cell


def grid_clusters(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    fatalities: npt.ArrayLike,
    *,
    cell: float,
    bbox: tuple[float, float, float, float] | None = None,
) -> Clusters:
    """Aggregate points into square cells of ``cell`` degrees, keeping those in ``bbox``.

    Parameters
    ----------
    lon, lat, fatalities
        One value per point; points with a missing coordinate are dropped.
    cell
        Edge of a cell in degrees (see ``cell_size``).
    bbox
        (minlon, minlat, maxlon, maxlat); points outside are dropped before counting.

    Examples
    --------
    >>> c = grid_clusters([0.1, 0.2, 5.0], [0.1, 0.3, 5.0], [1, 2, 10], cell=1.0)
    >>> c.count.tolist(), c.fatalities.tolist(), c.west.tolist()
    ([2, 1], [3, 10], [0.0, 5.0])
    """
    if cell <= 0:
        raise ValueError("cell must be positive")
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    f = np.asarray(fatalities, dtype=np.int64)
    keep = np.isfinite(x) & np.isfinite(y)
    if bbox is not None:
        west, south, east, north = bbox
        keep &= (x >= west) & (x <= east) & (y >= south) & (y <= north)
    x, y, f = x[keep], y[keep], f[keep]
    columns = int(np.ceil(360.0 / cell)) + 1
    ix = np.floor((x + 180.0) / cell).astype(np.int64)
    iy = np.floor((y + 90.0) / cell).astype(np.int64)
    keys, inverse, counts = np.unique(iy * columns + ix, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    sum_x = np.bincount(inverse, weights=x, minlength=keys.size)
    sum_y = np.bincount(inverse, weights=y, minlength=keys.size)
    deaths = np.bincount(inverse, weights=f, minlength=keys.size)
    row, col = np.divmod(keys, columns)
    west_edge = col * cell - 180.0
    south_edge = row * cell - 90.0
    safe = np.maximum(counts, 1)
    return Clusters(
        lon=sum_x / safe,
        lat=sum_y / safe,
        count=counts.astype(np.int64),
        fatalities=np.rint(deaths).astype(np.int64),
        west=west_edge.astype(np.float64),
        south=south_edge.astype(np.float64),
        east=(west_edge + cell).astype(np.float64),
        north=(south_edge + cell).astype(np.float64),
    )
