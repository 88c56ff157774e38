"""The travel metric a ``GREENSLOT["TRAVEL_BACKEND"]`` setting names.

Above both ``routing.travel`` (metrics computed from coordinates) and ``routing.osrm`` (the metric
a road network service answers), so neither has to import the other.
"""

from __future__ import annotations

from collections.abc import Mapping

from .osrm import shared_osrm_metric
from .travel import EuclideanMetric, HaversineMetric, TravelMetric


def metric_from_config(config: Mapping | str | None = None, *, circuity: float | None = None) -> TravelMetric:
    """The travel metric a ``GREENSLOT["TRAVEL_BACKEND"]`` setting describes.

    Parameters
    ----------
    config
        None or ``"haversine"`` for the default; else a mapping with ``"BACKEND"`` one of

        - ``"haversine"``: optional ``"CIRCUITY"``;
        - ``"euclidean"``: optional ``"SCALE"`` (1) and ``"ROUNDING"`` (``"ceil"``);
        - ``"osrm"``: ``"BASE_URL"``, optional ``"PROFILE"`` (``"driving"``), ``"TIMEOUT"``
          (seconds, 5), ``"MAX_TABLE_SIZE"`` (coordinates per request, 100 as osrm-routed's
          default ``--max-table-size``) and ``"DURATION_FACTOR"`` (1.0).

        Keys are case-insensitive.
    circuity
        The depot's circuity; for haversine it wins over ``"CIRCUITY"`` (default 1.3).

    Returns
    -------
    TravelMetric
        OSRM metrics are shared per configuration, so their cache of pairs outlives one plan.
    """
    if config is None or isinstance(config, str):
        config = {"BACKEND": config or "haversine"}
    options = {str(k).upper(): v for k, v in config.items()}
    backend = str(options.pop("BACKEND", "haversine")).lower()
    known = {
        "haversine": {"CIRCUITY"},
        "euclidean": {"SCALE", "ROUNDING"},
        "osrm": {"BASE_URL", "PROFILE", "TIMEOUT", "MAX_TABLE_SIZE", "DURATION_FACTOR"},
    }
    if backend not in known:
        raise ValueError(f"Unknown travel backend {backend!r}; expected one of {sorted(known)}.")
    unknown = set(options) - known[backend]
    if unknown:
        raise ValueError(f"Unknown option(s) {sorted(unknown)} for the {backend} travel backend.")
    if backend == "haversine":
        return HaversineMetric(circuity if circuity is not None else options.get("CIRCUITY", 1.3))
    if backend == "euclidean":
        return EuclideanMetric(scale=options.get("SCALE", 1.0), rounding=options.get("ROUNDING", "ceil"))
    if "BASE_URL" not in options:
        raise ValueError("The osrm travel backend needs BASE_URL.")
    return shared_osrm_metric(
        base_url=str(options["BASE_URL"]),
        profile=str(options.get("PROFILE", "driving")),
        timeout=float(options.get("TIMEOUT", 5.0)),
        max_table_size=int(options.get("MAX_TABLE_SIZE", 100)),
        duration_factor=float(options.get("DURATION_FACTOR", 1.0)),
    )
