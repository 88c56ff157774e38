"""Travel metric backed by an OSRM-compatible ``table`` service (real road networks).

``GET {base_url}/table/v1/{profile}/{lon,lat;lon,lat;...}?sources=..&destinations=..
&annotations=distance,duration`` answers ``{"code": "Ok", "distances": [[m]], "durations": [[s]]}``
for every source x destination. Each pair is asked once and cached for the life of the metric
(``routing.backend.metric_from_config`` shares one metric per configuration), so a plan's legs,
the insertion legs of a new address and the checker's legs are all the same numbers.

Exactness: the engine is exact for *the table's own numbers*. The checker reads the same cached
table, so a plan the engine accepts is one the checker accepts. Road distances of fastest routes
need not obey the triangle inequality, so unlike the haversine metric, removing a stop is not
guaranteed to shorten a route in metres; durations (times of fastest routes) do obey it up to
OSRM's own rounding.
"""

from __future__ import annotations

import json
import math
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .travel import TravelMetric, travel_seconds

# Coordinates go to the server, and into cache keys, rounded to 1e-6 degree (about 0.1 m).
_DIGITS = 6


class TravelBackendError(RuntimeError):
    """The travel backend did not answer with usable numbers (network, HTTP, OSRM or data error)."""


Point = tuple[float, float]  # (lat, lon), rounded


@dataclass(frozen=True)
class OsrmTableMetric(TravelMetric):
    """Metres and seconds from an OSRM ``table`` service, cached per pair of points.

    Parameters
    ----------
    base_url
        Service root, e.g. ``"http://127.0.0.1:5000"``.
    profile
        OSRM profile in the URL (``"driving"``, ``"car"``, ``"bike"`` ...).
    timeout
        Seconds per HTTP request (> 0).
    max_table_size
        Most coordinates per request (osrm-routed's ``--max-table-size``, 100 by default).
        Larger sets of pairs are split into several requests.
    duration_factor
        Multiplies OSRM's durations (> 0), e.g. 1.2 for traffic OSRM's free-flow speeds ignore.
    max_cached_pairs
        The cache is emptied when it grows past this many pairs.

    Seconds: a leg takes ``max(ceil(duration * duration_factor), travel_seconds(metres, speed))``
    at a route's speed. OSRM knows the roads; the route speed (the slowest hour of the shift,
    capped by the vehicle's top speed) is a floor on time per metre that OSRM does not know: a
    cargo bike limited to 15 km/h or a van in the peak is never faster than that. The maximum of
    two FIFO, triangle-respecting times is one too.
    """

    base_url: str
    profile: str = "driving"
    timeout: float = 5.0
    max_table_size: int = 100
    duration_factor: float = 1.0
    max_cached_pairs: int = 4_000_000
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError("Expected base_url to start with http:// or https://.")
        if not self.timeout > 0:
            raise ValueError("Expected timeout > 0.")
        if self.max_table_size < 2:
            raise ValueError("Expected max_table_size >= 2.")
        if not self.duration_factor > 0:
            raise ValueError("Expected duration_factor > 0.")

    # -- the TravelMetric interface ---------------------------------------------------------------

    def metres(self, lat1, lon1, lat2, lon2):
        metres, _ = self._lookup(lat1, lon1, lat2, lon2)
        return metres[()] if metres.ndim == 0 else metres

    def legs(self, lat1, lon1, lat2, lon2, speeds_kmh: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        metres, durations = self._lookup(lat1, lon1, lat2, lon2)
        seconds = self._seconds_at(metres, speeds_kmh)
        for k, speed in enumerate(speeds_kmh):
            seconds[k] = np.maximum(durations, travel_seconds(metres, speed))
        return metres, seconds

    def matrices(self, lat, lon, speeds_kmh: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        self._prefetch_all_pairs(lat, lon)
        return super().matrices(lat, lon, speeds_kmh)

    # -- cache and requests -----------------------------------------------------------------------

    def _lookup(self, lat1, lon1, lat2, lon2) -> tuple[np.ndarray, np.ndarray]:
        arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (lat1, lon1, lat2, lon2)))
        shape = arrays[0].shape
        flat = [np.round(a.ravel(), _DIGITS).tolist() for a in arrays]
        pairs = [((a, b), (c, d)) for a, b, c, d in zip(*flat, strict=True)]
        with self._lock:
            missing = [p for p in dict.fromkeys(pairs) if p not in self._cache and p[0] != p[1]]
        if missing:
            self._fetch(missing)
        metres = np.empty(len(pairs), dtype=np.int64)
        durations = np.empty(len(pairs), dtype=np.int64)
        with self._lock:
            for i, pair in enumerate(pairs):
                metres[i], durations[i] = (0, 0) if pair[0] == pair[1] else self._cache[pair]
        return metres.reshape(shape), durations.reshape(shape)

    def _fetch(self, pairs: list[tuple[Point, Point]]) -> None:
        # Greedy batches of consecutive pairs whose points fit in one request. A row (one source,
        # many destinations) or a route's chain of legs both pack about max_table_size per batch.
        batch: list[tuple[Point, Point]] = []
        points: set[Point] = set()
        fetched: dict[tuple[Point, Point], tuple[int, int]] = {}
        for pair in pairs:
            new_points = [p for p in pair if p not in points]
            if len(points) + len(new_points) > self.max_table_size:
                fetched.update(self._table(batch))
                batch, points, new_points = [], set(), list(pair)
            batch.append(pair)
            points.update(new_points)
        if batch:
            fetched.update(self._table(batch))
        self._store(fetched)

    def _prefetch_all_pairs(self, lat, lon) -> None:
        # Blocks of half a table each way: n^2 / (max_table_size / 2)^2 requests, not n^2 / max.
        points = list(
            dict.fromkeys(zip(np.round(lat, _DIGITS).tolist(), np.round(lon, _DIGITS).tolist(), strict=True))
        )
        with self._lock:
            missing = any((a, b) not in self._cache for a in points for b in points if a != b)
        if not missing:
            return
        half = self.max_table_size // 2
        blocks = [points[i : i + half] for i in range(0, len(points), half)]
        fetched: dict[tuple[Point, Point], tuple[int, int]] = {}
        for sources in blocks:
            for destinations in blocks:
                fetched.update(self._table([(a, b) for a in sources for b in destinations]))
        self._store(fetched)

    def _store(self, fetched: dict) -> None:
        with self._lock:
            if len(self._cache) + len(fetched) > self.max_cached_pairs:
                self._cache.clear()
            self._cache.update(fetched)

    def _table(self, pairs: list[tuple[Point, Point]]) -> dict[tuple[Point, Point], tuple[int, int]]:
        sources = list(dict.fromkeys(p[0] for p in pairs))
        destinations = list(dict.fromkeys(p[1] for p in pairs))
        points = list(dict.fromkeys(sources + destinations))
        index = {p: i for i, p in enumerate(points)}
        coordinates = ";".join(f"{lon:.{_DIGITS}f},{lat:.{_DIGITS}f}" for lat, lon in points)
        query = urllib.parse.urlencode(
            {
                "sources": ";".join(str(index[p]) for p in sources),
                "destinations": ";".join(str(index[p]) for p in destinations),
                "annotations": "distance,duration",
            },
            safe=";,",
        )
        url = f"{self.base_url.rstrip('/')}/table/v1/{self.profile}/{coordinates}?{query}"
        where = f"OSRM table at {self.base_url} (profile {self.profile!r}, {len(points)} points)"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                body = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            detail = _error_detail(error)
            raise TravelBackendError(f"{where} answered HTTP {error.code}{detail}.") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise TravelBackendError(f"{where} could not be reached: {reason}.") from error
        except (ValueError, UnicodeDecodeError) as error:
            raise TravelBackendError(f"{where} answered with something that is not JSON.") from error

        if not isinstance(body, dict) or body.get("code") != "Ok":
            code = body.get("code") if isinstance(body, dict) else None
            message = body.get("message", "") if isinstance(body, dict) else ""
            raise TravelBackendError(f"{where} answered code {code!r}: {message}".rstrip(": ") + ".")
        distances, durations = body.get("distances"), body.get("durations")
        shape_ok = (
            isinstance(distances, list)
            and isinstance(durations, list)
            and len(distances) == len(sources) == len(durations)
            and all(len(row) == len(destinations) for row in (*distances, *durations))
        )
        if not shape_ok:
            raise TravelBackendError(
                f"{where} answered tables of the wrong shape (expected {len(sources)} x {len(destinations)} "
                "distances and durations; is annotations=distance,duration supported?)."
            )
        fetched = {}
        for i, source in enumerate(sources):
            for j, destination in enumerate(destinations):
                metres, seconds = distances[i][j], durations[i][j]
                if metres is None or seconds is None:
                    raise TravelBackendError(
                        f"{where} found no route from {source} to {destination} (lat, lon)."
                    )
                fetched[(source, destination)] = (
                    math.ceil(float(metres)),
                    math.ceil(float(seconds) * self.duration_factor),
                )
        return fetched


def _error_detail(error: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(error.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError, OSError):
        return ""
    if isinstance(body, dict) and body.get("code"):
        return f" ({body['code']}: {body.get('message', '')})"
    return ""


_shared: dict[tuple, OsrmTableMetric] = {}
_shared_lock = threading.Lock()


def shared_osrm_metric(**config) -> OsrmTableMetric:
    """One metric (and so one cache) per configuration in this process."""
    key = tuple(sorted(config.items()))
    with _shared_lock:
        metric = _shared.get(key)
        if metric is None:
            metric = _shared[key] = OsrmTableMetric(**config)
        return metric
