"""The registry's copies of the reference, used to recognise mistakes (each with one thing
changed), give the reference's own result when nothing is changed: otherwise a mistake
would be recognised by a formula that is wrong in more than the one way it names."""

import torch

from helpers import attention as ref
from helpers import exercises as reg
from helpers import running
from helpers.lessons import lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, toolkit, whole_module


def cases(ex_id):
    """The exercise's cases that compare one forward's output (or the weights it kept), not the
    module as a whole (helpers/lessons/whole_module.py)."""
    drawn = reg.get(ex_id).make_cases(torch.Generator().manual_seed(5))
    return [c for c in drawn if not whole_module.is_whole_module_case(c)]


def expected(ex_id, case):
    with torch.no_grad():
        return running.call(reg.get(ex_id), reg.get(ex_id).reference, running.fresh(case.inputs), case)


def test_softmax_shifted_by_the_maximum_is_the_reference():
    for case in cases("1.2"):
        s = case.inputs[0]
        torch.testing.assert_close(lesson01._softmax_shifted_by(s, s.amax(dim=-1, keepdim=True)), ref.stable_softmax(s))


def test_one_head_copies():
    for case in cases("2.4")[:-1]:
        torch.testing.assert_close(lesson02._attend(case.params, *case.inputs), expected("2.4", case))
    for case in cases("3.5")[:-1]:
        torch.testing.assert_close(lesson03._head(case.params, *case.inputs), expected("3.5", case))


def test_the_weights_the_copies_keep_are_the_references():
    weights = cases("3.5")[-1]
    X, mask, _ = weights.inputs
    torch.testing.assert_close(
        ref.masked_softmax(lesson03._head_scores(weights.params, X, mask), mask), expected("3.5", weights)
    )
    weights = cases("2.4")[-1]
    torch.testing.assert_close(
        torch.softmax(lesson02._attend_scores(weights.params, weights.inputs[0]), dim=-1), expected("2.4", weights)
    )
    weights = next(c for c in cases("4.3") if toolkit.LAST_WEIGHTS in c.tags)
    torch.testing.assert_close(
        lesson04._mha_weights(weights.init, weights.params, *weights.inputs[:-1]), expected("4.3", weights)
    )


def test_multi_head_copies():
    for case in (c for c in cases("4.3") if not c.tags):
        torch.testing.assert_close(lesson04._mha(case.params, *case.inputs, H=case.init[1]), expected("4.3", case))
    for case in cases("4.5"):
        torch.testing.assert_close(
            lesson04._converted(case.init, case.params, *case.inputs), expected("4.5", case), atol=1e-5, rtol=1e-5
        )


def test_reversal_model_copy():
    for case in cases("5.3"):
        torch.testing.assert_close(lesson05._tiny(case.init, case.params, *case.inputs), expected("5.3", case))


def test_block_copies():
    for case in cases("6.1"):
        torch.testing.assert_close(lesson06._online(*case.inputs), expected("6.1", case))
    for case in cases("6.2"):
        torch.testing.assert_close(lesson06._chunked(*case.inputs), expected("6.2", case))


def test_attention_from_qkv_copy():
    for case in cases("2.5"):
        q = case.inputs[0]
        torch.testing.assert_close(lesson02._qkv_attention(*case.inputs, q.shape[-1] ** -0.5), expected("2.5", case))


def test_qkv_order_copy_stacked_in_order_is_the_reference():
    for case in cases("4.5"):
        torch.testing.assert_close(
            lesson04._converted(case.init, lesson04._stacked_as(case.params, ("q", "k", "v")), *case.inputs),
            expected("4.5", case),
            atol=1e-5,
            rtol=1e-5,
        )


def test_lesson_01_copies():
    for case in cases("1.4"):
        X = case.inputs[0]
        torch.testing.assert_close(lesson01._across_sentences(X[:1]), expected("1.4", case)[:1])
