"""Judging an answer, the second step of every check: compare what the student's code
returned on a test input (an Outcome, plain data) with the course's reference, and name
the likely mistake. It never calls student code, so the grader judges here, in its own
process, what its sandboxed child ran (helpers/grader/judge_notebook.py); the first step,
running the code, is helpers/running/.

    verdict(exercise, cases, outcomes) -> Result    one loop, for check() and the grader
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Iterable

import torch

from helpers import editions, explaining, transforms
from helpers.editions import tr
from helpers.lessons import common, errors, whole_module, wrong_type
from helpers.lessons.records import Exercise, Mistake
from helpers.lessons.toolkit import LAST_WEIGHTS, MUST_RAISE, code_lines, source_line
from helpers.pictures import Picture, picture
from helpers.running import AttachedWeights, Case, ModuleShapeError, Outcome, call, fresh, wanted_kind
from helpers.running import evidence as probes
from helpers.tolerances import close, first_difference

PASSED, FAILED, NOT_ATTEMPTED = "passed", "failed", "not attempted"
NOT_FIXED = "not fixed yet"  # how a table shows a FAILED spot-the-bug answer that still holds its handed-out bug

IN_PLACE_MESSAGE = (
    "Your function changed the caller's tensor. An in-place operation (x -= m, "
    "x.exp_(), masked_fill_, x[...] = ...) writes into the tensor you were given; "
    "compute a new one instead (x = x - m)."
)
WIDTH = 88  # columns per line of a check's report (a Chinese character takes two)


@dataclass(frozen=True)
class Result:
    """The verdict on one exercise.

    status:   PASSED, FAILED or NOT_ATTEMPTED
    mistake:  the key of the mistake found ("wrong-axis", "in-place", ...) or None
    case:     the label of the input it failed on ("" if none)
    evidence: what was expected and what was got
    message:  the likely mistake and how to fix it
    checked:  labels of the inputs that passed
    index:    the position of the failing case among the exercise's cases, -1 if none
    picture:  the student's weights or mask beside the expected ones (helpers/pictures.py)
    not_fixed: FAILED, and a "spot the bug" answer that still holds the buggy code it was
              handed out with (Exercise.handed_out): tables say "not fixed yet"
    from_evidence: the mistake was told from evidence (helpers/explaining.py), not from the
              catalogue: judged again once the evidence that confirms it is gathered
    """

    exercise: Exercise
    status: str
    mistake: str | None = None
    case: str = ""
    evidence: str = ""
    message: str = ""
    checked: tuple[str, ...] = ()
    index: int = -1
    picture: Picture | None = None
    not_fixed: bool = False
    from_evidence: bool = False

    @property
    def points(self) -> int:
        return self.exercise.points if self.status == PASSED else 0

    @property
    def shown_status(self) -> str:
        """The status as tables show it: NOT_FIXED for a handed-out bug still there."""
        return NOT_FIXED if self.not_fixed else self.status

    def report(self, edition: str | None = None) -> str:
        """The text a student reads, in `edition` (default: the notebook's): a status line,
        then details when it failed, wrapped to fit a notebook's output area."""
        ex, edition = self.exercise, edition or editions.current()
        name = ex.name
        if self.status == PASSED:
            inputs = tr("; ", edition).join(editions.message(label, None, edition) for label in self.checked)
            return wrap(
                tr("✔ Exercise {id} passed: {name} is right on all {count} test inputs ({inputs}).", edition).format(
                    id=ex.id, name=name, count=len(self.checked), inputs=inputs
                )
            )
        if self.status == NOT_ATTEMPTED:
            return wrap(
                tr(
                    "… Exercise {id} not attempted yet: {name} still raises NotImplementedError. "
                    "Replace that line with your code.",
                    edition,
                ).format(id=ex.id, name=name)
            )
        evidence = editions.message(self.evidence, self.mistake, edition)
        chinese = any(editions.is_wide(c) for c in evidence)  # a translated sentence ends with a Chinese full stop
        stop = "" if evidence.endswith((".", "?", "!", "。", "？", "！")) else "。" if chinese else "."
        picture = [wrap(editions.message(self.picture.words(), None, edition), indent="    ")] if self.picture else []
        head = tr("✘ Exercise {id} failed on {case}:", edition) if self.case else tr("✘ Exercise {id} failed:", edition)
        if self.not_fixed:
            head = (
                tr(
                    "… Exercise {id} not fixed yet: {name} still has the bug it was handed out with. It fails on {case}:",
                    edition,
                )
                if self.case
                else tr("… Exercise {id} not fixed yet: {name} still has the bug it was handed out with.", edition)
            )
        return "\n".join(
            [
                wrap(head.format(id=ex.id, name=name, case=editions.message(self.case, None, edition))),
                wrap(f"{evidence}{stop}", indent="    "),
                wrap(
                    tr("Likely mistake: {message}", edition).format(
                        message=editions.message(self.message, self.mistake, edition)
                    ),
                    indent="    ",
                ),
                *picture,
            ]
        )


def wrap(text: str, indent: str = "") -> str:
    return editions.wrap(text, WIDTH, indent, indent + "  ")


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


# Catalogued mistakes whose words are general (a factor, rows that do not sum to 1): what the
# evidence shows more precisely is said instead, when it shows anything more.
WEAK = frozenset({"proportional", "not-normalised", "rows-not-summing"})


def judge(ex: Exercise, case: Case, out: Outcome) -> Result | None:
    """The first problem with `out`, as a FAILED Result; None when it is right."""

    def failed(mistake: str, evidence: str, message: str) -> Result:
        return Result(ex, FAILED, mistake, case.label, evidence, message)

    if MUST_RAISE in case.tags:  # the reference raises here: there is nothing to compare with
        problem = wrong_type.refusal_problem(ex, case, out)
        return failed(*problem) if problem else None
    expected = expected_for(ex, case)
    out = explaining.with_varied_right(ex, case, out)
    weights_case = LAST_WEIGHTS in case.tags
    if out.error is not None:
        for mistake in ex.mistakes + common.COMMON_ERRORS:
            if mistake.on_error and not fixed_already(mistake, out) and (finding := mistake.found(case, out, expected)):
                return failed(mistake.key, *finding)
        if out.error.startswith(ModuleShapeError.__name__):
            return failed(*_module_layout(ex, case, out))
        return failed(
            "raised",
            f"your code raised {out.error}",
            "Read the error: which line, which shapes? Print the shapes of your tensors "
            f"on a small input. {ex.name} should return {ex.returns}.",
        )
    if out.output is None:
        if out.returned_type == "NoneType":
            return failed("returned-none", "expected a tensor, got None", "Did you forget `return`?")
        if out.returned_type == "tuple" and (line := source_line(out, r"^\s*return\s+[^#]*,")):
            return failed(
                "returned-tuple",
                "expected a torch.Tensor, got a tuple",
                f"`{line}` returns a tuple of several values, and {ex.name} should return one tensor: "
                f"{ex.returns}. Return that tensor alone.",
            )
        return failed(
            "not-a-tensor",
            f"expected a torch.Tensor, got a {out.returned_type}",
            f"{ex.name} should return {ex.returns}. Compute it with tensor operations, or turn what you "
            "built into a tensor: torch.tensor(...) for a list of numbers, torch.stack(...) for a list of tensors.",
        )
    if expected.dtype == torch.bool and out.output.dtype != torch.bool:
        additive = wrong_type.additive_mask(ex, out, expected)
        if additive:
            return failed(*additive)
        return failed(
            "not-bool",
            f"expected a tensor of booleans (True = may attend), got one of {out.output.dtype}",
            f"Build the mask from a comparison ({BOOL_EXAMPLES.get(ex.name, 'j <= i')}) or with dtype=torch.bool, "
            "so that masked_fill(~mask, ...) can use it.",
        )
    if expected.is_floating_point() and not out.output.is_floating_point():
        if rounded := wrong_type.ROUNDED_DOWN.found(case, out, expected):
            return failed(wrong_type.ROUNDED_DOWN.key, *rounded)
        return failed(
            "not-float",
            f"expected floating-point numbers, got a tensor of {out.output.dtype}",
            "Start from a float tensor, e.g. torch.zeros(T, T), not torch.zeros(T, T, dtype=torch.long).",
        )
    if any(out.inputs_changed):
        said = transforms.in_place(ex, case, out)  # the line that did it, and what it did, where the code shows them
        if said:
            return failed(*said)
        return failed("in-place", "expected your input to be left as it was, but it was modified", IN_PLACE_MESSAGE)
    if whole_module.is_whole_module_case(case):
        problem = whole_module.whole_module_problem(ex, case, out, expected)
        return failed(*problem) if problem else None
    if torch.isfinite(out.output).all() and close(out.output, expected):
        if out.output.dtype != expected.dtype:
            return failed(*wrong_type.dtype_problem(ex, out, expected))
        if weights_case and out.returned_type == AttachedWeights.__name__:
            return failed(
                "not-detached",
                "self.last_weights holds the right weights, but they still require grad: "
                "they are attached to the graph of the forward pass that made them",
                "Keep a detached copy: self.last_weights = weights.detach(). Kept as they are, they hold "
                "on to the whole graph of the forward pass (and every tensor in it) until the next call, "
                "and .numpy(), for plotting, refuses a tensor that requires grad.",
            )
        return None  # right: there is no mistake to name (and the grader judges many right answers)
    for mistake in (errors.SHAPE_NAMES, *ex.mistakes, *common.COMMON_VALUES):
        if mistake.key in WEAK and (found := explaining.explain(ex, case, out, expected)) and found[0] not in WEAK:
            return replace(failed(*found), from_evidence=True)  # the evidence, before a wrong factor's general words
        if (
            not mistake.on_error
            and mistake.weights == weights_case
            and not fixed_already(mistake, out)
            and (finding := mistake.found(case, out, expected))
        ):
            same_shape = tuple(out.output.shape) == tuple(expected.shape)
            if mistake.key == "last-weights" and same_shape and (found := explaining.explain(ex, case, out, expected)):
                return replace(failed(*found), from_evidence=True)
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


def fixed_already(mistake: Mistake, out: Outcome) -> bool:
    """Whether the student's code already has the line that the mistake's message would have
    them write (Mistake.unless): then that is not their mistake, whatever the numbers say."""
    pattern = mistake.unless(out) if callable(mistake.unless) else mistake.unless
    return bool(pattern) and bool(source_line(out, pattern))


def _module_layout(ex: Exercise, case: Case, out: Outcome) -> tuple[str, str, str]:
    """A module the check could not load its weights into: not an nn.Module, or a layer missing."""
    evidence = out.error.split(": ", 1)[1]
    if "expected an nn.Module" in evidence:
        return (
            "not-a-module",
            evidence,
            f"{ex.name} must be an nn.Module, so that it can hold layers and be called: "
            f"class {ex.name}(nn.Module):, with super().__init__() first in __init__.",
        )
    missing = re.search(r"has no parameter (\w+)\.weight", evidence)
    layers = list(dict.fromkeys(name.rsplit(".", 1)[0] for name in case.params))
    if missing and layers:
        others = "|".join(re.escape(layer) for layer in layers)
        own = source_line(out, rf"self\.(?!(?:{others})\s*=)\w+\s*=\s*(nn\.)?Linear\(")
        yours = f" (yours: `{own}`)" if own else ""
        return (
            "missing-layer" if own else "module-layout",
            evidence,
            f"The check loads known weights into your layers by name, and your module has no layer "
            f"{missing.group(1)}{yours}. {ex.name} needs one nn.Linear for each of "
            f"{', '.join(layers)}, under those names, each used in forward.",
        )
    return (
        "module-layout",
        evidence,
        f"The check loads known weights into your layers by name, so {ex.name} needs {ex.returns}.",
    )


def wrong_kind(ex: Exercise, kind: str) -> Result | None:
    """A FAILED Result when the answer is not the kind of thing the exercise asks for:
    `kind` is candidate_kind() of it ("function", "class" or a type name)."""
    wanted = wanted_kind(ex.module)
    if kind == wanted:
        return None
    return Result(
        ex,
        FAILED,
        f"not-a-{wanted}",
        evidence=f"expected a {wanted}, got a {kind}",
        message=f"Define {ex.signature} in the exercise cell and run that cell first.",
    )


def could_not_judge(ex: Exercise, exc: Exception, label: str = "") -> Result:
    """The verdict when judging itself failed: never a traceback for the student."""
    return Result(
        ex,
        FAILED,
        "check-error",
        label,
        f"the check could not judge your answer ({type(exc).__name__}: {exc})",
        f"{ex.name} should return {ex.returns}.",
    )


def still_handed_out(ex: Exercise, failure: Result, source: str) -> bool:
    """Whether a failed spot-the-bug answer still has the bug it was handed out with: its
    source holds every line of that code (spaces and comments aside), and the check names
    the same mistake as for that code. False for other exercises or unknown source."""
    bug = code_lines(ex.handed_out)
    return bool(bug) and failure.mistake == ex.handed_out_mistake and set(bug) <= set(code_lines(source))


def verdict(ex: Exercise, cases: list[Case], outcomes: Iterable[Outcome | Result]) -> Result:
    """Judge the outcomes of the cases in order; the first failure wins. Outcomes are made
    lazily, so that a check stops calling student code at the first failure. An outcome
    that is a Result already is the grader saying that a case has none to judge (grading
    stopped before it, or what came back could not be read)."""
    for index, (case, out) in enumerate(zip(cases, outcomes, strict=True)):
        if isinstance(out, Result):
            return out
        if out.not_implemented:
            return Result(ex, NOT_ATTEMPTED)
        failure = judged(ex, case, out, index)
        if failure is not None:
            return failure
    return Result(ex, PASSED, checked=tuple(case.label for case in cases))


def judged(ex: Exercise, case: Case, out: Outcome, index: int) -> Result | None:
    """judge(), never raising, with the failing case's position, and whether it is a spot-the-bug
    answer's handed-out bug still there."""
    try:
        failure = judge(ex, case, out)
    except Exception as exc:  # whatever the answer returned, the student gets a verdict
        failure = could_not_judge(ex, exc, case.label)
    if failure is None:
        return None
    return replace(failure, index=index, not_fixed=still_handed_out(ex, failure, out.source))


# The verdicts whose words are general: a failure with one of these keys is judged again
# with evidence gathered from the answer (helpers/explaining.py), when the exercise has any.
GENERAL = frozenset({"values", "shape", "non-finite", "proportional", "last-weights"})


def evidence_wanted(ex: Exercise, cases: list[Case], result: Result) -> dict:
    """What step 1 should gather about the failing case of `result` (plain data), {} for nothing:
    the evidence a general verdict is explained by, and the evidence a named mistake asks for
    to be told apart from another that gives the same numbers (Mistake.asks)."""
    if result.status != FAILED or not 0 <= result.index < len(cases):
        return {}
    case = cases[result.index]
    named = {
        name: argument
        for m in (*ex.mistakes, *common.COMMON_ERRORS, *common.COMMON_VALUES)
        if m.key == result.mistake
        for name, argument in m.asks
    }
    if result.mistake in ("non-finite", "non-finite-row"):  # where the first NaN came from: an overflow, or 0 / 0?
        named[probes.NONFINITE] = True
    if result.mistake not in GENERAL and not named and not result.from_evidence:
        return {}
    return {**explaining.asks_for(ex, case), **named}


def _another_mistake(ex: Exercise, cases: list[Case], outcomes: dict[int, Outcome], result: Result) -> Result:
    """The verdict with a second mistake added when another case shows one that the first does
    not imply: exp of scores too large for float32, on an input with large values. Fixing the
    first mistake would still leave the answer wrong there. (Other pairs of failures mostly
    show one mistake twice, in two ways: they are not added.)"""
    if result.mistake in ("overflow", "raised", "check-error"):
        return result
    for index in sorted(outcomes):
        case = cases[index]
        if index == result.index or "large" not in case.tags or whole_module.is_whole_module_case(case):
            continue
        other = judged(ex, case, outcomes[index], index)
        if other is not None and other.mistake == "overflow" and other.message != result.message:
            return replace(
                result, message=f"{result.message} And on {other.case}, another mistake shows: {other.message}"
            )
    return result


def explained(ex: Exercise, cases: list[Case], outcomes: dict[int, Outcome], result: Result) -> Result:
    """A failed verdict judged again with the evidence its outcome now carries, and with the
    picture of the smallest failing case of weights or a mask."""
    if result.status != FAILED:
        return result
    if 0 <= result.index < len(cases) and result.index in outcomes and outcomes[result.index].evidence:
        again = judged(ex, cases[result.index], outcomes[result.index], result.index)
        result = again if again is not None else result
    result = _another_mistake(ex, cases, outcomes, result)
    try:
        expected = {i: expected_for(ex, cases[i]) for i in outcomes if MUST_RAISE not in cases[i].tags}
        return replace(result, picture=picture(ex, cases, outcomes, expected))
    except Exception:  # a picture is a help: its failure never costs the verdict
        return result
