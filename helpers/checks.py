"""The checks students run under each exercise.

    stable_softmax = check("1.2", stable_softmax)

prints one status line (passed, failed with the likely mistake, or not attempted yet)
and returns the function the cells below should use: the student's own when it passes,
otherwise the course's reference, so that Run All always reaches the end.

Checking is two steps, kept apart so that the grader can run the first one in a child
process and the second in the parent:
    run_case(candidate, case) -> Outcome     calls student code, returns plain data
    judge(exercise, case, outcome)           compares with the reference, never calls
                                             student code
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import torch

from helpers import exercises as registry
from helpers import nbgrader_checks
from helpers.exercises import Case, Exercise, Outcome, close, first_difference, fresh
from helpers.harness import AttachedWeights, ModuleShapeError, call, candidate_kind, run_case

DEFAULT_SEED = 0
WIDTH = 88  # characters per line of a check's report
PASSED, FAILED, NOT_ATTEMPTED = "passed", "failed", "not attempted"

IN_PLACE_MESSAGE = (
    "Your function changed the caller's tensor. An in-place operation (x -= m, "
    "x.exp_(), masked_fill_, x[...] = ...) writes into the tensor you were given; "
    "compute a new one instead (x = x - m)."
)


@dataclass(frozen=True)
class Result:
    """The verdict on one exercise.

    status:   PASSED, FAILED or NOT_ATTEMPTED
    mistake:  the key of the mistake found ("wrong-axis", "in-place", ...) or None
    case:     the label of the input it failed on ("" if none)
    evidence: what was expected and what was got
    message:  the likely mistake and how to fix it
    checked:  labels of the inputs that passed
    """

    exercise: Exercise
    status: str
    mistake: str | None = None
    case: str = ""
    evidence: str = ""
    message: str = ""
    checked: tuple[str, ...] = ()

    @property
    def points(self) -> int:
        return self.exercise.points if self.status == PASSED else 0

    def report(self) -> str:
        """The text a student reads: a status line, then details when it failed, wrapped
        to fit a notebook's output area."""
        ex = self.exercise
        if self.status == PASSED:
            inputs = "; ".join(self.checked)
            return _wrap(f"✔ Exercise {ex.id} passed: {ex.name} is right on all {len(self.checked)} test inputs ({inputs}).")
        if self.status == NOT_ATTEMPTED:
            return _wrap(
                f"… Exercise {ex.id} not attempted yet: {ex.name} still raises "
                f"NotImplementedError. Replace that line with your code."
            )
        where = f" on {self.case}" if self.case else ""
        stop = "" if self.evidence.endswith((".", "?", "!")) else "."
        return "\n".join(
            [
                _wrap(f"✘ Exercise {ex.id} failed{where}:"),
                _wrap(f"{self.evidence}{stop}", indent="    "),
                _wrap(f"Likely mistake: {self.message}", indent="    "),
            ]
        )


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, width=WIDTH, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_long_words=False, break_on_hyphens=False)


# --------------------------------------------------------------------------------------
# Step 1, running student code, lives in helpers.harness (call, run_case), which the
# grader's child process loads without the rest of this package.


# --------------------------------------------------------------------------------------
# Step 2: judge an outcome (never calls student code)


_expected: dict[int, tuple[Case, Any]] = {}  # id(case) -> (case, the reference's outcome)


def expected_for(ex: Exercise, case: Case) -> Any:
    """What the reference gives on a case, computed once per case object: the grader judges
    every submission on the same cases, and the panels of 4.4 and 5.2 take tens of ms."""
    cached = _expected.get(id(case))
    if cached is not None and cached[0] is case:
        return cached[1]
    with torch.no_grad():
        expected = call(ex, ex.reference, fresh(case.inputs), case)
    if len(_expected) >= 1024:
        _expected.pop(next(iter(_expected)))
    _expected[id(case)] = (case, expected)
    return expected


# The comparison that builds each mask, for a mask of another dtype: key j against query i, or against a length.
BOOL_EXAMPLES = {"padding_mask": "j < length: torch.arange(T) < lengths[:, None]"}


def judge(ex: Exercise, case: Case, out: Outcome) -> Result | None:
    """The first problem with `out`, as a FAILED Result; None when it is right."""

    def failed(mistake: str, evidence: str, message: str) -> Result:
        return Result(ex, FAILED, mistake, case.label, evidence, message)

    if registry.MUST_RAISE in case.tags:  # the reference raises here: there is nothing to compare with
        problem = registry.refusal_problem(ex, case, out)
        return failed(*problem) if problem else None
    expected = expected_for(ex, case)
    weights_case = registry.LAST_WEIGHTS in case.tags
    if out.error is not None:
        for mistake in ex.mistakes + registry.COMMON_ERRORS:
            if mistake.on_error and (finding := mistake.found(case, out, expected)):
                return failed(mistake.key, *finding)
        if out.error.startswith(ModuleShapeError.__name__):
            return failed(
                "module-layout",
                out.error.split(": ", 1)[1],
                f"The check loads known weights into your layers by name, so {ex.name} needs "
                f"{ex.returns}.",
            )
        return failed(
            "raised",
            f"your code raised {out.error}",
            "Read the error: which line, which shapes? Print the shapes of your tensors "
            f"on a small input. {ex.name} should return {ex.returns}.",
        )
    if out.output is None:
        if out.returned_type == "NoneType":
            return failed("returned-none", "expected a tensor, got None", "Did you forget `return`?")
        return failed(
            "not-a-tensor",
            f"expected a torch.Tensor, got a {out.returned_type}",
            f"{ex.name} should return {ex.returns}. Compute it with tensor operations, or turn what you "
            "built into a tensor: torch.tensor(...) for a list of numbers, torch.stack(...) for a list of tensors.",
        )
    if expected.dtype == torch.bool and out.output.dtype != torch.bool:
        return failed(
            "not-bool",
            f"expected a tensor of booleans (True = may attend), got one of {out.output.dtype}",
            f"Build the mask from a comparison ({BOOL_EXAMPLES.get(ex.name, 'j <= i')}) or with dtype=torch.bool, "
            "so that masked_fill(~mask, ...) can use it.",
        )
    if expected.is_floating_point() and not out.output.is_floating_point():
        return failed(
            "not-float",
            f"expected floating-point numbers, got a tensor of {out.output.dtype}",
            "Start from a float tensor, e.g. torch.zeros(T, T), not torch.zeros(T, T, dtype=torch.long).",
        )
    if any(out.inputs_changed):
        return failed("in-place", "expected your input to be left as it was, but it was modified", IN_PLACE_MESSAGE)
    if torch.isfinite(out.output).all() and close(out.output, expected):
        if out.output.dtype != expected.dtype:
            return failed(*registry.dtype_problem(ex, out, expected))
        if weights_case and out.returned_type == AttachedWeights.__name__:
            return failed("not-detached", "self.last_weights holds the right weights, but they still require grad: "
                          "they are attached to the graph of the forward pass that made them",
                          "Keep a detached copy: self.last_weights = weights.detach(). Kept as they are, they hold "
                          "on to the whole graph of the forward pass (and every tensor in it) until the next call, "
                          "and .numpy(), for plotting, refuses a tensor that requires grad.")
        return None  # right: there is no mistake to name (and the grader judges many right answers)
    for mistake in ex.mistakes + registry.COMMON_VALUES:
        if not mistake.on_error and mistake.weights == weights_case and (finding := mistake.found(case, out, expected)):
            return failed(mistake.key, *finding)
    got = out.output
    if tuple(got.shape) != tuple(expected.shape):
        return failed(
            "shape",
            f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}",
            f"{ex.name} should return {ex.returns}.",
        )
    if not torch.isfinite(got).all():
        return failed(
            "non-finite",
            f"expected finite numbers, got {int((~torch.isfinite(got)).sum())} NaN or inf",
            "Look for exp of a large number, or a division by zero.",
        )
    if not close(got, expected):
        return failed(
            "values",
            first_difference(expected, got),
            f"{ex.name} should return {ex.returns}. Work through a tiny input by hand and "
            "compare it with your function, step by step.",
        )
    return None


def wrong_kind(ex: Exercise, kind: str) -> Result | None:
    """A FAILED Result when the answer is not the kind of thing the exercise asks for:
    `kind` is candidate_kind() of it ("function", "class" or a type name)."""
    wanted = "class" if ex.module else "function"
    if kind == wanted:
        return None
    return Result(
        ex,
        FAILED,
        f"not-a-{wanted}",
        evidence=f"expected a {wanted}, got a {kind}",
        message=f"Define {ex.signature} in the exercise cell and run that cell first.",
    )


def verdict(ex: Exercise, cases: list[Case], outcomes: Iterable[Outcome]) -> Result:
    """Judge the outcomes of the cases in order; the first failure wins. Outcomes are
    produced lazily, so that a check stops calling student code at the first failure."""
    for case, out in zip(cases, outcomes):
        if out.not_implemented:
            return Result(ex, NOT_ATTEMPTED)
        failure = judge(ex, case, out)
        if failure is not None:
            return failure
    return Result(ex, PASSED, checked=tuple(case.label for case in cases))


def evaluate(exercise_id: str, candidate: Any, seed: int = DEFAULT_SEED) -> Result:
    """Run and judge `candidate` on every case of an exercise; the first failure wins."""
    ex = registry.get(exercise_id)
    problem = wrong_kind(ex, candidate_kind(candidate))
    if problem is not None:
        return problem
    cases = ex.make_cases(torch.Generator().manual_seed(seed))
    return verdict(ex, cases, (run_case(ex, candidate, case) for case in cases))


# --------------------------------------------------------------------------------------
# What the notebooks call

_results: dict[str, Result] = {}


def check(exercise_id: str, candidate: Any) -> Callable[..., Any]:
    """Check a student's answer, print one status, and return what later cells should use.

    Returns `candidate` when it passes, and the course's reference otherwise, saying so.
    Never raises because of what the student wrote.
    """
    ex = registry.get(exercise_id)
    try:
        with nbgrader_checks.student_stderr_to_stdout():
            result = evaluate(exercise_id, candidate)
    except Exception as exc:  # a check must explain, not crash, whatever it is given
        result = Result(
            ex,
            FAILED,
            "check-error",
            evidence=f"the check could not judge your answer ({type(exc).__name__}: {exc})",
            message=f"{ex.name} should return {ex.returns}.",
        )
    _results[exercise_id] = result
    stream = nbgrader_checks.report_stream(result.status == PASSED)  # stderr for a failure under nbgrader
    print(result.report(), file=stream)
    if result.status == PASSED:
        return candidate
    print(
        _wrap(
            f"→ The cells below use the course's reference {ex.name}, so the notebook keeps "
            "running. Run this cell again after you change your code.",
            indent="  ",
        ),
        file=stream,
    )
    return ex.reference


def progress(notebook: str) -> None:
    """Print the exercises of a course notebook ("01") and where each one stands."""
    rows = []
    earned = total = 0
    lesson = registry.for_notebook(notebook)
    width = max(len(ex.title) for ex in lesson) + 2
    for ex in lesson:
        result = _results.get(ex.id)
        status = "not checked yet" if result is None else result.status
        mark = {PASSED: "✔", FAILED: "✘"}.get(status, "…")
        earned += result.points if result else 0
        total += ex.points
        stars = "★" * ex.difficulty + "☆" * (3 - ex.difficulty)
        points = f"{ex.points} pt" + ("s" if ex.points > 1 else " ")
        rows.append(f"  {ex.id:<5}{ex.title:<{width}}{stars}  {points}  {mark} {status}")
    print(f"Lesson {notebook} — {registry.LESSONS[notebook]}: {earned} of {total} points")
    print("\n".join(rows))
