"""The checks: every known mistake is caught with its own message, the reference
passes, the stub is "not attempted", and garbage gets an explanation, not a traceback."""

import importlib
import math

import pytest
import torch

from helpers import attention as ref
from helpers import checks, exercises, judging
from helpers.checks import check, evaluate
from helpers.judging import FAILED, NOT_ATTEMPTED, PASSED
from helpers.lessons import toolkit

# Every lesson's wrong answers, from its tests/mistakes_NN.py: a lesson without one fails here.
LESSON_MISTAKES = {number: importlib.import_module(f"tests.mistakes_{number}") for number in exercises.LESSONS}
MISTAKES = sum((m.MISTAKES for m in LESSON_MISTAKES.values()), [])
RIGHT = sum((getattr(m, "RIGHT", []) for m in LESSON_MISTAKES.values()), [])

ALL = list(exercises.EXERCISES)


def flat(text: str) -> str:
    """A report with its line wrapping undone."""
    return " ".join(text.split())


@pytest.mark.parametrize("ex_id, wrong, key, phrase", MISTAKES, ids=[m[1].__name__ for m in MISTAKES])
def test_each_mistake_is_caught_with_its_message(ex_id, wrong, key, phrase):
    result = evaluate(ex_id, wrong)
    assert result.status == FAILED
    assert result.mistake == key, result.report()
    assert phrase in flat(result.report())


@pytest.mark.parametrize("ex_id", ALL)
def test_reference_passes(ex_id):
    ex = exercises.get(ex_id)
    result = evaluate(ex_id, ex.reference)
    assert result.status == PASSED, result.report()
    assert result.points == ex.points
    assert len(result.checked) == len(ex.make_cases(torch.Generator().manual_seed(0)))


@pytest.mark.parametrize("ex_id", ALL)
def test_reference_passes_on_other_seeds(ex_id):
    for seed in (1, 2, 3):
        assert evaluate(ex_id, exercises.get(ex_id).reference, seed=seed).status == PASSED


@pytest.mark.parametrize("ex_id", ALL)
def test_stub_is_not_attempted(ex_id):
    def stub(*args):
        raise NotImplementedError(f"Exercise {ex_id}: replace this line with your code")

    ex = exercises.get(ex_id)
    if ex.module:  # a class whose forward (or __init__) still raises

        class stub(torch.nn.Module):  # noqa: F811
            def __init__(self, *args):
                raise NotImplementedError(f"Exercise {ex_id}: replace this line with your code")

    result = evaluate(ex_id, stub)
    assert result.status == NOT_ATTEMPTED
    assert result.points == 0
    assert "not attempted yet" in flat(result.report())


def test_loop_version_of_pairwise_scores_passes():
    def pairwise_scores(X):
        T = X.shape[0]
        scores = torch.zeros(T, T)
        for i in range(T):
            for j in range(T):
                scores[i, j] = torch.dot(X[i], X[j])
        return scores

    assert evaluate("1.1", pairwise_scores).status == PASSED


def test_float64_answer_fails_naming_the_line_that_made_it():
    result = evaluate("1.2", lambda s: torch.softmax(s.double(), dim=-1))
    assert (result.status, result.mistake) == (FAILED, "float64")
    assert "expected a tensor of torch.float32, got torch.float64" in flat(result.report())
    assert "This line makes float64: `assert evaluate(" not in flat(result.report())
    assert "s.double()" in flat(result.report())


def _to_float64(x):
    return x.to(torch.float64)


def test_float64_from_code_it_cannot_see_names_no_cause():
    def stable_softmax(scores):
        return torch.softmax(_to_float64(scores), dim=-1)

    report = flat(evaluate("1.2", stable_softmax).report())
    assert "got torch.float64" in report and "entered your computation" in report
    assert "This line" not in report and "NumPy" not in report


def test_cases_separate_sizes():
    """B, T and D differ in every batch case, so mixed-up axes cannot pass by accident."""
    for case in toolkit.batch_cases(torch.Generator().manual_seed(0)):
        B, T, D = case.inputs[0].shape
        assert T != D and (B == 1 or len({B, T, D}) == 3)


def test_cases_depend_on_the_seed():
    first = toolkit.batch_cases(torch.Generator().manual_seed(0))[0].inputs[0]
    again = toolkit.batch_cases(torch.Generator().manual_seed(0))[0].inputs[0]
    other = toolkit.batch_cases(torch.Generator().manual_seed(1))[0].inputs[0]
    assert torch.equal(first, again) and not torch.equal(first, other)


def test_large_case_really_overflows_a_naive_softmax():
    large = [c for c in toolkit.score_cases(torch.Generator().manual_seed(0)) if "large" in c.tags]
    assert large and torch.isnan(large[0].inputs[0].exp() / large[0].inputs[0].exp().sum()).any()


# --- garbage never crashes a check


@pytest.mark.parametrize(
    "candidate, key, phrase",
    [
        (None, "not-a-function", "expected a function, got a NoneType"),
        ("softmax", "not-a-function", "got a str"),
        (lambda s: None, "returned-none", "got None"),
        (lambda s: s.tolist(), "not-a-tensor", "got a list"),
        (lambda s: "done", "not-a-tensor", "got a str"),
        (lambda s: torch.softmax(s, -1)[..., :2], "shape", "expected shape (5, 5), got (5, 2)"),
        (lambda s: torch.full_like(s, math.nan), "non-finite-row", "got 25 NaN of 25; the first in row [0]"),
        (lambda s: torch.softmax(s, -1) + 0.01, "offset", "the right one plus 0.01"),
        (lambda s: torch.softmax(2 * s, -1), "values", "numbers differ"),
        (lambda s: 1 / 0, "raised", "ZeroDivisionError: division by zero"),
        (lambda: 0, "raised", "TypeError"),
    ],
)
def test_garbage_is_explained(candidate, key, phrase):
    result = evaluate("1.2", candidate)
    assert (result.status, result.mistake) == (FAILED, key), result.report()
    assert phrase in flat(result.report())


@pytest.mark.parametrize("ex_id, right", RIGHT, ids=lambda x: getattr(x, "__name__", x))
def test_other_right_answers_pass(ex_id, right):
    assert evaluate(ex_id, right).status == PASSED


@pytest.mark.parametrize("ex_id", ["2.4", "3.5"])
def test_module_check_leaves_the_notebooks_random_numbers_alone(ex_id):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    evaluate(ex_id, exercises.get(ex_id).reference)
    assert torch.equal(torch.rand(3), expected)


def test_a_function_given_for_a_class_is_explained():
    result = evaluate("2.4", lambda X: X)
    assert result.mistake == "not-a-class" and "expected a class, got a function" in result.report()


def test_error_names_the_students_line():
    def simple_self_attention(X):
        scores = X @ X.transpose(-2, -1)
        return scores @ X.transpose(0, 1)  # the wrong transpose

    report = evaluate("1.4", simple_self_attention).report()
    assert "return scores @ X.transpose(0, 1)" in flat(report)
    assert "Traceback" not in report


def test_object_pretending_to_be_right_fails():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

    assert evaluate("1.1", lambda X: AlwaysEqual()).mistake == "not-a-tensor"


def test_tensor_subclass_is_judged_by_its_numbers():
    class Liar(torch.Tensor):
        def __eq__(self, other):
            return True

    wrong = lambda X: (X @ X.mT).as_subclass(Liar) + 1  # noqa: E731
    assert evaluate("1.1", wrong).mistake == "offset"  # judged by its numbers: the right ones plus 1


# --- check(): prints one status and hands over the reference


def test_check_returns_the_students_function_when_it_passes(capsys):
    mine = lambda X: torch.softmax(X @ X.mT, dim=-1) @ X  # noqa: E731
    assert check("1.4", mine) is mine
    out = capsys.readouterr().out
    assert out.startswith("✔ Exercise 1.4 passed") and "failed" not in out and "reference" not in out
    assert max(len(line) for line in out.splitlines()) <= judging.WIDTH


def test_check_hands_over_the_reference_when_it_fails(capsys):
    from tests.mistakes_01 import attention_no_softmax

    assert check("1.4", attention_no_softmax) is ref.simple_self_attention
    out = capsys.readouterr().out
    assert out.startswith("✘ Exercise 1.4 failed")
    assert "Likely mistake: Your output is X Xᵀ X: did you forget the softmax?" in flat(out)
    assert "the course's reference simple_self_attention" in flat(out)
    assert max(len(line) for line in out.splitlines()) <= judging.WIDTH


def test_check_never_raises_even_if_the_check_itself_breaks(capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("internal")

    monkeypatch.setattr(checks, "evaluate", broken)
    assert check("1.2", lambda s: s) is ref.stable_softmax
    assert "the check could not judge your answer (RuntimeError: internal)" in flat(capsys.readouterr().out)


def test_check_of_an_unknown_exercise_names_the_known_ones():
    with pytest.raises(KeyError, match="no exercise '9.9'; the course has 1.1, 1.2"):
        check("9.9", ref.stable_softmax)


def test_progress_table(capsys, monkeypatch):
    monkeypatch.setattr(checks, "_results", {})
    check("1.1", ref.pairwise_scores)
    check("1.2", lambda s: torch.softmax(s, dim=0))
    capsys.readouterr()
    checks.progress("01")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Lesson 01 — Attention is a weighted sum: 2 of 10 points"
    assert lines[1].startswith("  1.1") and lines[1].endswith("✔ passed")
    assert lines[2].endswith("✘ failed")
    assert lines[3].endswith("… not checked yet") and lines[4].endswith("… not checked yet")


def test_an_error_is_named_only_by_what_it_shows():
    def simple_self_attention(X):
        eye = torch.eye(3).T  # .T on a matrix is fine
        return softmax_of(X @ X.mT) @ X + 0 * eye.sum()  # noqa: F821

    result = evaluate("1.4", simple_self_attention)
    assert result.mistake == "undefined-name", result.report()
    assert "`softmax_of` has no value where your code reads it" in flat(result.report())


def test_the_handed_out_bug_of_2_5_is_named_only_for_the_name_it_reads():
    from tests.mistakes_02 import qkv_softmax_of_unset_name, qkv_unimported_F

    assert evaluate("2.5", qkv_softmax_of_unset_name).mistake == "softmax-wrong-tensor"
    report = flat(evaluate("2.5", qkv_unimported_F).report())
    assert "softmax was handed a name that has no value yet" not in report


def _defined_in_a_cell(code: str, name: str, filename: str):
    """`name` as a notebook cell defines it: its lines are in linecache, but inspect cannot
    read a class's source (it looks for the class in a module's file, and a cell has none)."""
    import linecache

    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    namespace = {"torch": torch, "nn": torch.nn}
    exec(compile(code, filename, "exec"), namespace)
    return namespace[name]


def test_dot_T_in_a_notebook_class_is_named_by_the_line_that_raised():
    code = """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5

    def forward(self, X):
        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)
        weights = torch.softmax(q @ k.T * self.scale, dim=-1)
        self.last_weights = weights.detach()
        return weights @ v
"""
    result = evaluate("2.4", _defined_in_a_cell(code, "MySelfAttention", "<cell dot-T>"))
    assert result.mistake == "dot-T-on-batch", result.report()
    assert "`.T` reverses every dimension" in flat(result.report())


# --- a spot-the-bug exercise left as handed out is "not fixed yet", in the check and the progress table

SPOT_THE_BUG = [ex.id for ex in exercises.EXERCISES.values() if ex.handed_out]
# For each, one line of the handed-out code and a change to it that is still wrong, but another mistake.
OTHER_WRONG = {
    "1.3": ("dim=1", "dim=0"),
    "2.5": ("torch.softmax(weights, dim=-1)", "torch.softmax(scores, dim=-2)"),
    "2.6": ("* math.sqrt", "/ "),
    "3.4": ("masked_fill(~mask, 0.0)", "masked_fill(mask, 0.0)"),
    "4.1": ("x.view(B, num_heads, T, D // num_heads)", "x.reshape(B, num_heads, T, D // num_heads)"),
    "7.1": ("torch.cat([cache, new])", "torch.cat([cache, new], dim=-1)"),
    "7.4": ("torch.arange(num_new)", "torch.arange(1, num_new + 1)"),
    "8.2": ("apply_rope(v, positions)", "apply_rope(v, positions + 1)"),
    "8.3": ("x.repeat(1, groups, 1, 1)", "x.repeat(groups, 1, 1, 1)"),
}


def _handed_out(ex_id: str, change=("", "")):
    """The exercise's code as the student's notebook hands it out (with `change` made to it),
    defined as a notebook cell defines it."""
    import nbformat

    from tests.grading import ROOT

    ex = exercises.get(ex_id)
    nb = nbformat.read(ROOT / "notebooks" / f"{exercises.NOTEBOOK_FILES[ex.notebook]}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("course", {}).get("exercise") == ex_id)
    assert change[0] in cell.source
    code = cell.source.replace(*change)
    earlier = {name: getattr(ref, name) for name in dir(ref) if not name.startswith("_")}  # earlier answers
    space = {**earlier, "torch": torch, "nn": torch.nn, "math": math, "F": torch.nn.functional}
    import linecache

    filename = f"<cell {ex_id}{change[1]}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    exec(compile(code, filename, "exec"), space)
    return space[ex.name]


def test_every_spot_the_bug_exercise_is_tested_here():
    assert SPOT_THE_BUG and sorted(SPOT_THE_BUG) == sorted(OTHER_WRONG)


@pytest.mark.parametrize("ex_id", SPOT_THE_BUG)
def test_a_handed_out_bug_left_as_it_is_is_not_fixed_yet(ex_id, capsys):
    result = evaluate(ex_id, _handed_out(ex_id))
    assert (result.status, result.not_fixed, result.shown_status) == (FAILED, True, "not fixed yet")
    assert result.mistake == exercises.get(ex_id).handed_out_mistake
    assert result.points == 0
    report = flat(result.report())
    assert report.startswith(f"… Exercise {ex_id} not fixed yet: {exercises.get(ex_id).name} still has the bug")
    assert "Likely mistake:" in report  # the check still says what the bug does: that is the exercise
    # spaces and comments changed: still the bug as handed out
    spaced = _handed_out(ex_id, (OTHER_WRONG[ex_id][0], " " + OTHER_WRONG[ex_id][0].replace(",", " ,") + "  "))
    assert evaluate(ex_id, spaced).not_fixed

    check(ex_id, _handed_out(ex_id))
    checks.progress(exercises.get(ex_id).notebook)
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith(f"  {ex_id} "))
    assert row.endswith("… not fixed yet") and "failed" not in row


@pytest.mark.parametrize("ex_id", SPOT_THE_BUG)
def test_a_handed_out_bug_changed_into_another_mistake_is_failed(ex_id, capsys):
    result = evaluate(ex_id, _handed_out(ex_id, OTHER_WRONG[ex_id]))
    assert (result.status, result.not_fixed, result.shown_status) == (FAILED, False, FAILED), result.report()
    assert flat(result.report()).startswith(f"✘ Exercise {ex_id} failed")
    check(ex_id, _handed_out(ex_id, OTHER_WRONG[ex_id]))
    checks.progress(exercises.get(ex_id).notebook)
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith(f"  {ex_id} "))
    assert row.endswith("✘ failed")


def test_a_handed_out_line_kept_with_another_mistake_is_failed():
    """3.4's masked weights renormalised below the handed-out line: the rows now sum to 1, and
    a fully masked row is 0 / 0. The bug handed out is gone, so the answer failed, for the NaN."""
    fixed_badly = _handed_out(
        "3.4",
        ("    return weights @ v", "    weights = weights / weights.sum(dim=-1, keepdim=True)\n    return weights @ v"),
    )
    result = evaluate("3.4", fixed_badly)
    assert (result.status, result.mistake, result.not_fixed) == (FAILED, "fully-masked-nan", False), result.report()
    assert flat(result.report()).startswith("✘ Exercise 3.4 failed")


def test_only_spot_the_bug_exercises_can_be_not_fixed_yet():
    def stable_softmax(scores):
        weights = torch.softmax(scores, dim=1)  # the very line 1.3 hands out, in another exercise
        return weights

    assert not evaluate("1.2", stable_softmax).not_fixed
