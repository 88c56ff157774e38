"""Tuning a policy's parameters on training seasons: coordinate search over a small grid.

Each parameter has a short list of candidate values. Starting from a given point, the search
tries every value of one parameter with the others fixed, keeps the best (mean profit over the
training seeds; ties keep the earlier value) and moves to the next parameter; ``sweeps`` rounds.
Evaluations are cached, so revisiting a point costs nothing. The test seeds are never seen here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass
class SearchTrace:
    """Every point evaluated, in order, with its score."""

    points: list[dict] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)


def coordinate_search(
    *,
    start: Mapping[str, object],
    grid: Mapping[str, Sequence[object]],
    score: Callable[[list[dict]], list[float]],
    sweeps: int = 2,
) -> tuple[dict, float, SearchTrace]:
    """Maximise ``score`` by coordinate search over ``grid``.

    Parameters
    ----------
    start
        The starting point; it must hold a value for every grid parameter.
    grid
        Candidate values per parameter, searched in this order.
    score
        Scores a batch of points (so the caller can evaluate them in parallel); higher is better.
    sweeps
        Rounds over all parameters; the search stops early when a round changes nothing.

    Returns
    -------
    best point, its score, and the trace of every evaluated point.
    """
    missing = set(grid) - set(start)
    if missing:
        raise ValueError(f"Start point misses {sorted(missing)}.")
    cache: dict[tuple, float] = {}
    trace = SearchTrace()

    def key(point: Mapping[str, object]) -> tuple:
        return tuple(sorted((name, str(value)) for name, value in point.items()))

    def evaluate(points: list[dict]) -> list[float]:
        todo = [p for p in points if key(p) not in cache]
        unique = list({key(p): p for p in todo}.values())
        if unique:
            for point, value in zip(unique, score(unique), strict=True):
                cache[key(point)] = value
                trace.points.append(dict(point))
                trace.scores.append(value)
        return [cache[key(p)] for p in points]

    best = dict(start)
    best_score = evaluate([best])[0]
    for _ in range(max(1, sweeps)):
        changed = False
        for name, values in grid.items():
            candidates = [{**best, name: value} for value in values]
            scores = evaluate(candidates)
            for candidate, value in zip(candidates, scores, strict=True):
                if value > best_score + 1e-9:
                    best, best_score, changed = candidate, value, True
        if not changed:
            break
    return best, best_score, trace
