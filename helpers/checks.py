"""The checks students run under each exercise.

    stable_softmax = check("1.2", stable_softmax)

prints one status line (passed, failed with the likely mistake, or not attempted yet)
and returns the function the cells below should use: the student's own when it passes,
otherwise the course's reference, so that Run All always reaches the end.

Checking is two steps, kept apart so that the grader can run the first one in a child
process and the second in the parent:
    running.run_case(exercise, candidate, case) -> Outcome   calls student code, returns plain data
    judging.verdict(exercise, cases, outcomes) -> Result      compares with the reference, never
                                                              calls student code
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import torch

from helpers import editions, nbgrader_checks
from helpers import exercises as registry
from helpers.editions import tr
from helpers.judging import (
    FAILED,
    NOT_ATTEMPTED,
    NOT_FIXED,
    PASSED,
    Result,
    could_not_judge,
    evidence_wanted,
    explained,
    verdict,
    wrap,
    wrong_kind,
)
from helpers.running import Outcome, candidate_kind, gather, run_case

DEFAULT_SEED = 0  # the seed of the cases a notebook's check draws; the grader adds fresh ones


def evaluate(exercise_id: str, candidate: Any, seed: int = DEFAULT_SEED) -> Result:
    """Run and judge `candidate` on every case of an exercise; the first failure wins."""
    ex = registry.get(exercise_id)
    problem = wrong_kind(ex, candidate_kind(candidate))
    if problem is not None:
        return problem
    cases = ex.make_cases(torch.Generator().manual_seed(seed))
    outcomes: dict[int, Outcome] = {}

    def run(index: int) -> Outcome:
        outcomes[index] = run_case(ex, candidate, cases[index])
        return outcomes[index]

    result = verdict(ex, cases, (run(i) for i in range(len(cases))))
    if result.status != FAILED:
        return result
    # Only now, on failure: evidence about the failing case, and the other cases for the picture.
    asks = evidence_wanted(ex, cases, result)
    if asks:
        failing = outcomes[result.index]
        outcomes[result.index] = replace(failing, evidence=gather(ex, candidate, cases[result.index], asks))
    for i in range(len(cases)):  # the other cases too, as the grader's child runs them: for the picture,
        if i not in outcomes:  # and for another mistake they show
            run(i)
    return explained(ex, cases, outcomes, result)


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
        result = could_not_judge(ex, exc)
    _results[exercise_id] = result
    stream = nbgrader_checks.report_stream(result.status == PASSED)  # stderr for a failure under nbgrader
    print(result.report(), file=stream)
    if result.status == PASSED:
        return candidate
    if result.picture is not None:
        try:
            from helpers.plot import show_picture  # matplotlib only when there is a picture to draw

            show_picture(result.picture)
        except Exception:  # a picture is a help: the words above already said it
            pass
    print(
        wrap(
            tr(
                "→ The cells below use the course's reference {name}, so the notebook keeps running. "
                "Run this cell again after you change your code."
            ).format(name=ex.name),
            indent="  ",
        ),
        file=stream,
    )
    return ex.reference


def progress(notebook: str) -> None:
    """Print the exercises of a course notebook ("01") and where each one stands, in the
    notebook's edition."""
    rows = []
    earned = total = 0
    lesson = registry.for_notebook(notebook)
    titles = [editions.title("exercise-title", ex.title) for ex in lesson]
    width = max(editions.width(title) for title in titles) + 2
    words = {
        PASSED: tr("passed"),
        FAILED: tr("failed"),
        NOT_ATTEMPTED: tr("not attempted"),
        NOT_FIXED: tr("not fixed yet"),
        None: tr("not checked yet"),
    }
    for ex, title in zip(lesson, titles):
        result = _results.get(ex.id)
        status = None if result is None else result.shown_status  # a handed-out bug: NOT_FIXED
        mark = {PASSED: "✔", FAILED: "✘"}.get(status, "…")
        earned += result.points if result else 0
        total += ex.points
        stars = "★" * ex.difficulty + "☆" * (3 - ex.difficulty)
        points = (
            tr("{points} pt").format(points=ex.points)
            if ex.points == 1
            else tr("{points} pts").format(points=ex.points)
        )
        pad = " " * (width - editions.width(title))
        rows.append(f"  {ex.id:<5}{title}{pad}{stars}  {points:<6} {mark} {words.get(status, status)}")
    heading = tr("Lesson {number} — {title}: {earned} of {total} points")
    print(
        heading.format(
            number=notebook,
            title=editions.title("lesson-title", registry.LESSONS[notebook]),
            earned=earned,
            total=total,
        )
    )
    print("\n".join(rows))
