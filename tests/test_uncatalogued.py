"""Mistakes nobody catalogued are told what the evidence shows: each wrong answer of
tests/uncatalogued.py (in no tests/mistakes_NN.py) fails with its property or
transformation, named by key and phrase; none is told the catch-all."""

import pytest

from helpers import exercises
from helpers.checks import evaluate
from helpers.judging import FAILED
from tests import uncatalogued
from tests.uncatalogued import UNCATALOGUED

CATALOGUED = {
    wrong
    for number in exercises.LESSONS
    for _, wrong, *_ in __import__(f"tests.mistakes_{number}").__dict__[f"mistakes_{number}"].MISTAKES
}


@pytest.mark.parametrize(
    "ex_id, wrong, key, phrase", UNCATALOGUED, ids=[f"{u[0]}-{u[1].__name__}" for u in UNCATALOGUED]
)
def test_an_uncatalogued_mistake_is_told_its_evidence(ex_id, wrong, key, phrase):
    assert wrong not in CATALOGUED
    result = evaluate(ex_id, wrong)
    report = " ".join(result.report().split())
    assert result.status == FAILED and result.mistake == key, report
    assert phrase in report, report
    assert "Work through a tiny input by hand" not in report


def test_every_exercise_that_declares_what_it_produces_has_uncatalogued_answers():
    declared = {ex.id for ex in exercises.EXERCISES.values() if ex.produces is not None}
    assert declared <= {ex_id for ex_id, *_ in UNCATALOGUED}


def test_the_answers_are_defined_in_the_uncatalogued_module():
    assert all(getattr(uncatalogued, wrong.__name__) is wrong for _, wrong, *_ in UNCATALOGUED)
