"""Mistakes nobody catalogued are told what the evidence shows: each wrong answer of
tests/uncatalogued.py (in no tests/mistakes_NN.py) fails with its property or
transformation, named by key and phrase; none is told the catch-all."""

import pytest
import torch

from helpers import exercises
from helpers.checks import evaluate
from helpers.judging import FAILED
from tests import uncatalogued
from tests.uncatalogued import NOT_MISLED, NOT_NAMED, UNCATALOGUED

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


# --------------------------------------------------------------------------------------
# The general rules fire on evidence only: never on a right answer, nor on an unrelated wrong one.

import math  # noqa: E402

from helpers.judging import expected_for  # noqa: E402
from helpers.lessons import crashes, layouts, variants  # noqa: E402
from helpers.running import Outcome, run_case  # noqa: E402
from helpers.tolerances import close  # noqa: E402

FAMILIES = [ex for ex in exercises.EXERCISES.values() if ex.produces is not None and ex.produces.family is not None]


def _judged_cases(ex):
    """The cases a family describes (not the whole-module ones: gradients, second instances)."""
    for case in ex.make_cases(torch.Generator().manual_seed(0)):
        try:
            want = expected_for(ex, case)
            parts = ex.produces.family(case)
        except (ValueError, IndexError, KeyError):  # a case the reference refuses (indivisible sizes): no family
            continue
        if isinstance(want, torch.Tensor) and tuple(want.shape) == tuple(variants.compute(parts, {}).shape):
            yield case, parts, want


@pytest.mark.parametrize("ex", FAMILIES, ids=[ex.id for ex in FAMILIES])
def test_every_family_with_no_knob_turned_is_the_reference(ex):
    found = list(_judged_cases(ex))
    assert found
    for case, parts, want in found:
        assert close(variants.compute(parts, {}), want.double(), equal_nan=True), case.label


def masked_attention_output_shifted(q, k, v, mask):  # 3.4: an unrelated mistake, the output moved by 0.5
    scores = (q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])).masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v + 0.5


def merge_heads_written_by_loop(x):  # 4.2: right, written another way
    return torch.cat([x[:, h] for h in range(x.shape[1])], dim=-1)


def masked_softmax_by_where(scores, mask=None):  # 3.3: right, written another way
    mask = torch.ones(scores.shape[-1], dtype=torch.bool) if mask is None else mask  # no mask: every key
    weights = torch.softmax(torch.where(mask, scores, torch.tensor(float("-inf"))), dim=-1)
    return torch.nan_to_num(weights, nan=0.0)


NEW_KEYS = {
    "found-v-from-q",
    "found-v-from-k",
    "found-k-from-q",
    "found-q-from-k",
    "found-v-from-v-q",
    "found-scaled-values",
    "found-scores-uniform",
    "found-heads-shared",
    "found-normalise-row-sum",
    "found-normalise-negated",
    "found-mask-plus-inf",
    "found-mask-zero-fill",
    "found-mask-after-inverted",
    "found-mask-after-softmax-again",
    "found-empty-rows",
    "one-slice-kept",
    "averaged-over-axis",
    "slice-overwritten",
    "mask-reshaped",
    "needs-default",
    "read-before-set",
    "torch-says",
}


@pytest.mark.parametrize(
    "ex_id, answer",
    [("3.4", masked_attention_output_shifted), ("4.2", merge_heads_written_by_loop), ("3.3", masked_softmax_by_where)],
)
def test_the_general_rules_name_nothing_the_evidence_does_not_show(ex_id, answer):
    result = evaluate(ex_id, answer)
    assert result.mistake not in NEW_KEYS and "before the last reshape" not in result.message, result.report()


def test_an_unrelated_wrong_answer_is_told_its_own_mistake():
    assert evaluate("3.4", masked_attention_output_shifted).mistake == "offset"


@pytest.mark.parametrize("ex_id", ["1.4", "2.6", "3.4", "4.2"])
def test_slices_and_read_orders_find_nothing_in_a_right_output(ex_id):
    ex = exercises.get(ex_id)
    for case in ex.make_cases(torch.Generator().manual_seed(0)):
        want = expected_for(ex, case)
        out = Outcome(output=want.clone(), source="def f(x):\n    for i in range(3):\n        y[i] = x\n")
        assert layouts.part_of_right(ex, case, out, want) is None
        assert layouts.overwritten(ex, case, out, want) is None
        if ex_id == "4.2":
            assert layouts.read_order(out, case.inputs[0], ("B", "H", "T", "d_head"), want, want) == ""


def test_the_crash_readers_need_their_own_error():
    """Each reader of a crash stays silent on another error, and on code that did not raise."""
    ex = exercises.get("3.4")
    case = ex.make_cases(torch.Generator().manual_seed(0))[0]
    source = "def masked_attention(q, k, v, mask):\n    m = mask.unsqueeze(-2)\n    return q @ k\n"
    others = [
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied (10x4 and 5x4) (line 3: return q @ k)",
        "TypeError: softmax() missing 1 required positional argument: 'dim'",
        "AttributeError: 'Tensor' object has no attribute 'sofmax' (line 3: return q @ k)",
        None,
    ]
    for error in others:
        out = Outcome(output=None if error else torch.zeros(2), error=error, source=source)
        for reader in (crashes.reshaped_mask, crashes.needs_default, crashes.read_before_set, crashes.torch_says):
            assert reader(case, out, None) is None, (reader.__name__, error)


def test_a_reshaped_mask_that_still_lines_up_is_not_blamed():
    """mask.unsqueeze(0) makes (T, T) into (1, T, T), which lines up with (B, T, T): a size error
    on that line comes from something else, and the reader says nothing."""
    ex = exercises.get("3.4")
    case = ex.make_cases(torch.Generator().manual_seed(0))[0]
    source = "def masked_attention(q, k, v, mask):\n    return q.masked_fill(~mask.unsqueeze(0), 0) @ v\n"
    error = "RuntimeError: The size of tensor a (5) must match the size of tensor b (2) at non-singleton dimension 0"
    assert crashes.reshaped_mask(case, Outcome(error=error, source=source), None) is None


def test_the_misplaced_words_of_a_right_order_in_another_shape():
    """4.2: the numbers in the right order but flattened one axis too far."""

    def merge_flattened_too_far(x):
        return x.transpose(1, 2).flatten(1)

    result = evaluate("4.2", merge_flattened_too_far)
    assert result.mistake == "misplaced" and "Your numbers come in the right order" in result.message


def test_run_case_of_a_right_answer_written_another_way_passes():
    for ex_id, answer in (("4.2", merge_heads_written_by_loop), ("3.3", masked_softmax_by_where)):
        assert evaluate(ex_id, answer).status == "passed"
        ex = exercises.get(ex_id)
        case = ex.make_cases(torch.Generator().manual_seed(0))[0]
        assert run_case(ex, answer, case).error is None


@pytest.mark.parametrize(
    "ex_id, wrong, key, phrase, misleading", NOT_MISLED, ids=[f"{u[0]}-{u[1].__name__}" for u in NOT_MISLED]
)
def test_a_mistake_other_code_also_makes_is_told_what_the_evidence_shows(ex_id, wrong, key, phrase, misleading):
    """The key and words of what this code did, and not the words of another mistake that gives
    the same numbers on some input, nor a fix the code already has."""
    assert wrong not in CATALOGUED
    result = evaluate(ex_id, wrong)
    report = " ".join(result.report().split())
    assert result.status == FAILED and result.mistake == key, report
    assert phrase in report, report
    assert misleading not in report, report


@pytest.mark.parametrize("ex_id, wrong, key, words", NOT_NAMED, ids=[f"{u[0]}-{u[1].__name__}" for u in NOT_NAMED])
def test_a_mistake_one_input_suggests_is_not_named_without_evidence(ex_id, wrong, key, words):
    result = evaluate(ex_id, wrong)
    report = " ".join(result.report().split())
    assert result.status == FAILED and result.mistake != key, report
    assert words not in report, report


def test_the_answers_that_must_not_mislead_are_defined_in_the_uncatalogued_module():
    assert all(getattr(uncatalogued, wrong.__name__) is wrong for _, wrong, *_ in NOT_MISLED + NOT_NAMED)


def test_the_operations_watched_tell_an_overflow_from_a_division_of_0_by_0():
    """evidence.nonfinite: exp of scores around 1000 makes inf before the NaN of inf / inf; a softmax
    over the wrong axis, rows divided by their sums, makes its NaN from 0 / 0, with no inf at all."""
    from helpers.lessons.toolkit import overflowed
    from helpers.running import Outcome, gather

    def naive(scores):
        e = scores.exp()
        return e / e.sum(dim=-1, keepdim=True)

    for ex_id, answer, label, expected in (
        ("1.2", naive, "large scores", True),
        ("1.3", uncatalogued.weights_column_softmax_rescaled, "large values", False),
    ):
        ex = exercises.get(ex_id)
        case = next(c for c in ex.make_cases(torch.Generator().manual_seed(0)) if label in c.label)
        found = gather(ex, answer, case, {"nonfinite": True})
        assert overflowed(Outcome(evidence=found)) is expected, found


def test_an_input_varied_for_evidence_keeps_weights_weights_and_masks_masks():
    from helpers.running.evidence import varied_inputs

    weights, mask, scores = torch.full((2, 5), 0.2), torch.ones(3, 3, dtype=torch.bool).tril(), torch.randn(3, 3)
    w, m, s = varied_inputs((weights, mask, scores))
    assert torch.allclose(w.sum(dim=-1), torch.ones(2)) and not torch.allclose(w, weights)
    assert torch.equal(m, mask) and torch.equal(s.sign(), scores.sign()) and not torch.equal(s, scores)
