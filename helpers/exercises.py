"""The registry of graded exercises: the tables that the checks, the grader and the build
read, derived from the lessons in helpers/lessons/ (lessonNN.py, each declaring one
`LESSON` record with its exercises and their known mistakes).

Adding a lesson takes three files: the master notebook solutions/NN-title.ipynb, its
module helpers/lessons/lessonNN.py and its wrong answers tests/mistakes_NN.py. Every
table below, the build's checks, the grader and progress() pick the module up from here.

`Case` is here for instructors' --tests files (see python -m helpers.grade --help).
"""

from __future__ import annotations

import importlib
import pkgutil
import re

from helpers import lessons
from helpers.lessons.records import Exercise, Lesson
from helpers.running import Case

__all__ = [
    "Case",
    "EXERCISES",
    "EXERCISE_LINE",
    "LESSONS",
    "NOTEBOOK_FILES",
    "PROVIDED",
    "RECORDS",
    "exercise_in",
    "for_notebook",
    "get",
]


def discover() -> dict[str, Lesson]:
    """Every helpers/lessons/lessonNN.py's LESSON, by number, in order; ValueError when a
    record does not match its module or repeats an exercise id."""
    found: dict[str, Lesson] = {}
    seen: set[str] = set()
    for info in sorted(pkgutil.iter_modules(lessons.__path__), key=lambda i: i.name):
        if not re.fullmatch(r"lesson\d\d", info.name):
            continue
        record = getattr(importlib.import_module(f"{lessons.__name__}.{info.name}"), "LESSON", None)
        if not isinstance(record, Lesson) or record.number != info.name[-2:]:
            raise ValueError(
                f"helpers/lessons/{info.name}.py should declare LESSON = Lesson(number="
                f"{info.name[-2:]!r}, ...), got {record!r:.80}"
            )
        for ex in record.exercises:
            if getattr(ex.reference, "__module__", None) != "helpers.attention":
                raise ValueError(
                    f"helpers/lessons/{info.name}.py: exercise {ex.id}'s reference {ex.reference.__name__} should be "
                    "defined in helpers/attention.py, from which the grader hands the course's version of an "
                    f"answer to the cells below it, got one from {ex.reference.__module__}"
                )
            if ex.notebook != record.number or not ex.id.startswith(f"{int(record.number)}.") or ex.id in seen:
                raise ValueError(
                    f"helpers/lessons/{info.name}.py: exercise {ex.id} (notebook {ex.notebook!r}) "
                    f"does not belong to lesson {record.number}, or its id is used twice"
                )
            seen.add(ex.id)
        found[record.number] = record
    return found


RECORDS: dict[str, Lesson] = discover()
LESSONS: dict[str, str] = {number: r.title for number, r in RECORDS.items()}  # "01" -> its title
NOTEBOOK_FILES: dict[str, str] = {number: r.notebook for number, r in RECORDS.items()}  # "01" -> "01-attention-..."
# What each lesson's notebook imports from helpers.attention: results of earlier lessons.
# The grader's child gets these (and what they use), and no other reference code.
PROVIDED: dict[str, tuple[str, ...]] = {number: r.provides for number, r in RECORDS.items()}
EXERCISES: dict[str, Exercise] = {ex.id: ex for r in RECORDS.values() for ex in r.exercises}

# The first line of an exercise cell: "# Exercise 1.2 — ...". The build writes masters with
# exactly that; a student's copy may have lost or gained spaces, and is still recognised.
EXERCISE_LINE = re.compile(r"^\s*#\s*Exercise\s+(\d+\.\d+)\b")


def exercise_in(source: str) -> str | None:
    """The exercise id that a cell's first line names ("1.2"), or None."""
    match = EXERCISE_LINE.match(source)
    return match.group(1) if match else None


def get(exercise_id: str) -> Exercise:
    """The exercise with this id; a KeyError that lists the known ids otherwise."""
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        known = ", ".join(EXERCISES)
        raise KeyError(f"no exercise {exercise_id!r}; the course has {known}") from None


def for_notebook(notebook: str) -> list[Exercise]:
    """The exercises of one course notebook ("01"), in order."""
    return list(RECORDS[notebook].exercises) if notebook in RECORDS else []
