"""Lesson 03's masked_softmax, handed on: once an answer passes 3.3, the notebook's check gives
the cells below the student's own function, so that 3.4's masked_attention, 3.5's
SingleHeadAttention (which hands it its own mask, None by default) and the cells between
them run on it. Every masked_softmax that passes 3.3 must serve them all; one written for
(B, T, T) scores with a mask alone, as the exercise once read, must fail 3.3 itself."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import nbformat
import pytest
import torch

from helpers import attention, checks
from helpers import exercises as registry
from helpers.judging import FAILED, PASSED
from tests.mistakes_03 import softmax_three_axes, softmax_without_none

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parent.parent
MASTER = ROOT / "solutions" / f"{registry.NOTEBOOK_FILES['03']}.ipynb"


def softmax_with_where(scores, mask=None):
    """Right, written another way: torch.where instead of masked_fill, NaN rows cleaned up."""
    if mask is None:
        return scores.softmax(dim=-1)
    weights = torch.where(mask, scores, -math.inf).softmax(dim=-1)
    return torch.nan_to_num(weights, nan=0.0)


def softmax_all_true_when_none(scores, mask=None):
    """Right: no mask made into a mask that hides nothing."""
    if mask is None:
        mask = torch.ones(scores.shape[-2:], dtype=torch.bool)
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    return weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)


def run_lesson_after_3_3(candidate) -> dict[str, str]:
    """Every code cell of lesson 03's master, in order, with `candidate` standing where the
    check of 3.3 hands the student's masked_softmax on; each later check recorded, not printed."""
    statuses: dict[str, str] = {}

    def check(exercise_id, answer):
        if exercise_id == "3.3":
            return candidate
        if exercise_id > "3.3":
            statuses[exercise_id] = checks.evaluate(exercise_id, answer).status
        return answer

    namespace: dict = {}
    for cell in nbformat.read(MASTER, as_version=4).cells:
        if cell.cell_type != "code" or cell.metadata.get("course", {}).get("setup"):
            continue
        exec(compile(cell.source, f"{MASTER.name}#{cell.get('id')}", "exec"), namespace)
        namespace["check"] = check  # after the setup's import, which brings the real one
    return statuses


@pytest.mark.parametrize("candidate", [attention.masked_softmax, softmax_with_where, softmax_all_true_when_none])
def test_an_answer_that_passes_3_3_serves_every_later_cell(candidate):
    assert checks.evaluate("3.3", candidate).status == PASSED
    assert run_lesson_after_3_3(candidate) == {"3.4": PASSED, "3.5": PASSED}


@pytest.mark.parametrize("candidate", [softmax_without_none, softmax_three_axes])
def test_an_answer_that_would_break_a_later_cell_fails_3_3(candidate):
    assert checks.evaluate("3.3", candidate).status == FAILED


def test_without_mask_none_a_later_exercise_would_fail():
    """Why 3.3 asks for mask=None: 3.5's forward hands masked_softmax its own mask, None by
    default, and its check has a case without one."""
    assert run_lesson_after_3_3(softmax_without_none) == {"3.4": PASSED, "3.5": FAILED}
