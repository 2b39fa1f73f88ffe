"""A benchmark score as members read it: a time in minutes and seconds, the other scorings with their unit."""

import pytest
from gymloop_kit.benchmark_scores import shown_score

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("scoring", "score", "shown"),
    [
        ("time", "265", "4:25"),
        ("time", "270.0", "4:30"),
        ("time", "59.5", "0:59.50"),
        ("time", "3600", "60:00"),
        ("load", "100.000", "100 kg"),
        ("distance", "2000", "2000 m"),
        ("reps", "42", "42 reps"),
        ("rounds_reps", "123", "123 reps"),
        ("time", "not a number", "not a number"),
    ],
)
def test_a_score_is_shown_in_the_way_of_its_scoring(scoring: str, score: str, shown: str) -> None:
    assert shown_score(scoring, score) == shown
