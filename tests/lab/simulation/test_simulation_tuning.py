"""Tuning by coordinate search over a small grid."""

import pytest

from lab.simulation.tuning import coordinate_search


def test_it_finds_the_best_point_of_a_separable_objective_and_scores_each_point_once():
    calls = []

    def score(points):
        calls.extend(points)
        return [-((p["a"] - 2) ** 2) - (p["b"] - 30) ** 2 for p in points]

    best, value, trace = coordinate_search(
        start={"a": 0, "b": 10}, grid={"a": (0, 1, 2, 3), "b": (10, 20, 30)}, score=score, sweeps=3
    )

    assert best == {"a": 2, "b": 30}
    assert value == 0
    keys = [tuple(sorted(p.items())) for p in calls]
    assert len(keys) == len(set(keys))  # cached: no point is scored twice
    assert len(trace.points) == len(calls)


def test_ties_keep_the_earlier_value():
    best, _, _ = coordinate_search(
        start={"a": 1}, grid={"a": (1, 2, 3)}, score=lambda points: [0.0 for _ in points], sweeps=1
    )

    assert best == {"a": 1}


def test_the_start_must_name_every_parameter():
    with pytest.raises(ValueError, match="misses"):
        coordinate_search(start={}, grid={"a": (1,)}, score=lambda points: [0.0 for _ in points])
