"""The inputs the checks draw, the panels of the test-writing exercises, the memory runner
of 6.2 as the grader's child runs it, and how many wrong answers are told their mistake."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap

import pytest
import torch

from helpers import attention as ref
from helpers import checks, exercises, judging, running
from helpers.checks import evaluate
from helpers.exercises import Case
from helpers.grader import jobs
from helpers.judging import FAILED, PASSED
from helpers.lessons import wrong_type
from tests import mistakes_04
from tests.grading import ROOT

ALL = list(exercises.EXERCISES)
# Every lesson's wrong answers, as test_checks reads them: a new lesson's count too.
MISTAKES = sum((importlib.import_module(f"tests.mistakes_{number}").MISTAKES for number in exercises.LESSONS), [])


def drawn(ex_id: str, seed: int) -> list[Case]:
    return exercises.get(ex_id).make_cases(torch.Generator().manual_seed(seed))


def wire(cases: list[Case]) -> str:
    """The cases as the grader's child receives them."""
    return json.dumps([running.encode_case(c) for c in cases])


@pytest.mark.parametrize("ex_id", ALL)
def test_two_seeds_draw_different_cases(ex_id):
    assert wire(drawn(ex_id, 0)) == wire(drawn(ex_id, 0))
    assert wire(drawn(ex_id, 0)) != wire(drawn(ex_id, 1))


@pytest.mark.parametrize("ex_id", ALL)
def test_cases_are_float32_whatever_the_default_dtype(ex_id):
    torch.set_default_dtype(torch.float64)
    try:
        cases = drawn(ex_id, 0)
    finally:
        torch.set_default_dtype(torch.float32)
    assert wire(cases) == wire(drawn(ex_id, 0))


@pytest.mark.parametrize("ex_id", ["3.1", "3.2", "5.1"])
def test_a_table_of_the_notebooks_answers_fails_on_the_graders_fresh_draws(ex_id):
    ex = exercises.get(ex_id)
    table = {wire([c]): ex.reference(*running.fresh(c.inputs)) for c in drawn(ex_id, checks.DEFAULT_SEED)}

    def lookup(*inputs):
        return table[wire([Case("", tuple(inputs))])]

    assert evaluate(ex_id, lookup).status == PASSED  # the notebook's own check cannot tell
    for seed in (1, 2, 3):
        assert evaluate(ex_id, lookup, seed=seed).status == FAILED
    assert len(jobs.cases_for(ex, 1, {})) == 2 * len(drawn(ex_id, 0))


# --- the panels of 4.4 and 5.2


PANELS = {"4.4": (running.INDEPENDENCE_PANEL, 2), "5.2": (running.EQUIVARIANCE_PANEL, 4)}


@pytest.mark.parametrize("ex_id", PANELS)
@pytest.mark.parametrize("seed", range(6))
def test_the_reference_test_gives_each_model_of_the_panel_its_designed_verdict(ex_id, seed):
    panel, _ = PANELS[ex_id]
    ex = exercises.get(ex_id)
    for case in drawn(ex_id, seed):
        got = running.call(ex, ex.reference, running.fresh(case.inputs), case)
        assert got.tolist() == [float(right) for right, _, _ in panel], case.label


@pytest.mark.parametrize("ex_id", PANELS)
def test_the_panel_is_called_in_an_order_drawn_per_case(ex_id):
    panel, at = PANELS[ex_id]
    orders = [case.init[at] for seed in range(4) for case in drawn(ex_id, seed)]
    assert all(sorted(order) == list(range(len(panel))) for order in orders)
    assert len(set(orders)) == len(orders)


@pytest.mark.parametrize("ex_id", PANELS)
def test_the_models_of_a_panel_cannot_be_told_apart_by_looking_at_them(ex_id):
    ex, case = exercises.get(ex_id), drawn(ex_id, 0)[0]
    seen = []

    def look(model, *inputs):
        seen.append(model)
        return True

    running.call(ex, look, running.fresh(case.inputs), case)
    assert len(seen) == len(PANELS[ex_id][0]) >= 8
    assert len({type(m) for m in seen}) == 1
    assert len({tuple(sorted(vars(m))) for m in seen}) == 1
    names = {name for m in seen for name, _ in [*m.named_parameters(), *m.named_buffers(), *m.named_modules()]}
    assert not {
        n for n in names if any(word in n.lower() for word in ("good", "bad", "mix", "leak", "flip", "position"))
    }


def test_a_test_that_changes_its_input_in_place_fails_however_right_its_verdicts():
    def sentences_independent(attention, X):
        out = attention(X)
        changed = X  # not a copy
        changed[1] += 1
        return torch.allclose(attention(changed)[[0, *range(2, len(X))]], out[[0, *range(2, len(X))]], atol=1e-5)

    result = evaluate("4.4", sentences_independent)
    assert (result.status, result.mistake) == (FAILED, "in-place")


def test_token_one_of_every_sentence_is_not_told_to_use_allclose():
    report = " ".join(evaluate("4.4", mistakes_04.independent_token_one).report().split())
    assert "not ==" not in report and "X[:, 1] is token 1 of every sentence" in report


# --- 6.2's memory, as the grader's child measures it: helpers/running/ alone, one thread


def test_the_memory_runner_works_in_a_child_that_has_the_running_package_alone(tmp_path):
    script = textwrap.dedent(f"""
        import importlib.util, math, sys
        import torch
        torch.set_num_threads(1)
        spec = importlib.util.spec_from_file_location("course_running", {str(ROOT / "helpers" / "running" / "__init__.py")!r},
                                                      submodule_search_locations=[{str(ROOT / "helpers" / "running")!r}])
        h = importlib.util.module_from_spec(spec)
        sys.modules["course_running"] = h
        spec.loader.exec_module(h)
        assert "helpers" not in sys.modules

        def naive(q, k, v, block):
            return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1) @ v

        def chunked(q, k, v, block):
            q = q / math.sqrt(q.shape[-1])
            m = torch.full(q.shape[:-1] + (1,), float("-inf"))
            s, out = torch.zeros(q.shape[:-1] + (1,)), torch.zeros_like(q)
            for i in range(0, k.shape[-2], block):
                scores = q @ k[..., i:i + block, :].transpose(-2, -1)
                m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
                exps = torch.exp(scores - m_new)
                s = s * torch.exp(m - m_new) + exps.sum(dim=-1, keepdim=True)
                out = out * torch.exp(m - m_new) + exps @ v[..., i:i + block, :]
                m = m_new
            return out / s

        case = h.Case("", tuple(torch.randn(2, 96, 8) for _ in range(3)) + (8,))
        spec = h.Spec("chunked_attention", runner=h.CALLABLES["run_chunked"])
        right, wrong = h.run_case(spec, chunked, case), h.run_case(spec, naive, case)
        print(right.error is None, wrong.error.split(":")[0], "sys" in dir())
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:2] == ["True", "TooMuchMemory"]


def test_the_memory_runner_lets_a_single_block_hold_the_whole_row():
    case = drawn("6.2", 0)[2]  # one block of all T keys: (B, T, T) is what it should hold
    q, k, v, block = case.inputs
    assert block == k.shape[-2]
    naive = lambda q, k, v, block: torch.softmax(q @ k.mT / q.shape[-1] ** 0.5, dim=-1) @ v  # noqa: E731
    out = running.run_case(exercises.get("6.2"), naive, case)
    assert out.error is None and torch.allclose(out.output, ref.chunked_attention(q, k, v, block), atol=1e-5)


# --- 4.3: the constructor's error must name both numbers, wherever it was raised


@pytest.mark.parametrize(
    "error, key",
    [
        ("ValueError: embed_size (14) must be divisible by num_heads (4)", None),
        ("ValueError: cannot split 14 numbers into 4 heads (line 9: raise ValueError(...))", None),
        (
            "ValueError: embed_size must be divisible by num_heads (line 14: raise ValueError(f'{4}'))",
            "init-error-without-numbers",
        ),
        ("ValueError: 14.5 and 4.25 do not fit", "init-error-without-numbers"),
        ("AssertionError: 14 % 4 != 0", "init-assert"),
        ("ConstructorDidNotRaise: your __init__ returned without raising an error", "init-no-error"),
        ("ZeroDivisionError: integer division or modulo by zero", "init-wrong-error"),
    ],
)
def test_a_refusal_must_be_a_value_error_naming_both_numbers(error, key):
    case = Case("MultiHeadAttention(14, 4)", (running.MUST_RAISE,), frozenset({running.MUST_RAISE}), init=(14, 4))
    problem = wrong_type.refusal_problem(exercises.get("4.3"), case, running.Outcome(error=error))
    assert (problem and problem[0]) == key


# --- diagnoses


GENERIC = {"values", "shape", "raised", "non-finite", "check-error", "verdicts"}


def test_most_wrong_answers_are_told_their_mistake_by_name():
    """Every entry of MISTAKES is asserted with its key in test_checks; here, how many of
    those keys name a mistake rather than say only that the numbers, the shape or the
    call were wrong. The design asks for at least 85%."""
    named = [m for m in MISTAKES if m[2] not in GENERIC]
    assert len(named) / len(MISTAKES) >= 0.85, f"{len(named)} of {len(MISTAKES)}"
    for ex_id in ("4.1", "4.5"):
        mine = [m for m in MISTAKES if m[0] == ex_id]
        assert len(mine) >= 10 and sum(m[2] not in GENERIC for m in mine) / len(mine) >= 0.85


def test_a_test_whose_answers_alternate_call_by_call_is_named_so():
    ex, case = exercises.get("4.4"), drawn("4.4", 0)[0]
    D, H, _ = case.init
    order = (0, 4, 1, 2, 5, 6, 3, 7, 8, 9, 10)  # the two copies, 0 and 1, both called at an even position
    case = Case(case.label, case.inputs, init=(D, H, order), params=case.params)
    said = torch.tensor([1.0 if order.index(i) % 2 == 0 else 0.0 for i in range(len(order))])
    result = judging.judge(ex, case, running.Outcome(output=said, returned_type="Tensor", inputs_changed=(False,)))
    assert result.mistake == "stateful"
    assert "said True, False, True, False, True, False, True, False, True, False, True: it alternates" in " ".join(
        result.evidence.split()
    )
