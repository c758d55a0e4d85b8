"""The grader's gradebook exports, written beside grades.csv: a wide CSV with one line per
student for LMS imports (OUT/gradebook.csv), with the columns of the roster (--roster, see
helpers/grader/roster.py) that names students, and a Gradescope-shaped JSON file per student
(OUT/gradescope/<student>.json).

Every number comes from the rows grades.csv is written from: a lesson's cell is the sum
of that student's `total` column for that lesson, the course total the sum of all their
rows, a JSON score the sum of its tests, which equals the course total. This module only
formats: it never runs student code and judges nothing.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from helpers import editions
from helpers import exercises as registry
from helpers.editions import tr
from helpers.grader.judge_notebook import Graded
from helpers.grader.outputs import (
    STATUS_WORDS,
    exercise_feedback,
    page_edition,
    page_name,
    spreadsheet_text,
    write_atomically,
)
from helpers.grader.roster import FOLDER, Roster
from helpers.judging import PASSED, Result

POINTS_POSSIBLE = "Points Possible"  # the second line of the wide CSV, as in Canvas's own gradebook export


# --------------------------------------------------------------------------------------
# What the rows hold


def lessons_in(rows: list[Graded]) -> list[str]:
    """The course notebooks that have rows, in course order: the columns grades.csv has."""
    return [nb for nb in registry.LESSONS if any(r.notebook == nb for r in rows)]


def lesson_maximum(notebook: str) -> int:
    """The points a course notebook is worth ("01" -> 10)."""
    return sum(ex.points for ex in registry.for_notebook(notebook))


def by_student(rows: list[Graded]) -> dict[str, list[Graded]]:
    """The rows of each student folder, in the order given."""
    grouped: dict[str, list[Graded]] = {}
    for row in rows:
        grouped.setdefault(row.student, []).append(row)
    return grouped


def exercise_text(result: Result, edition: str = editions.ENGLISH) -> str:
    """What the feedback page says about one exercise, after its title and points, in the
    words of `edition` (tests/test_exports.py checks that the page holds each one)."""
    first, *more = exercise_feedback(result, edition, HEAD)
    return "\n".join([first.split(HEAD, 1)[1].lstrip(":：").lstrip(), *more])


HEAD = "\x00"  # stands for an exercise's title in a feedback line, which a Gradescope test names apart


# --------------------------------------------------------------------------------------
# The wide CSV


def cell(value: str) -> str:
    """A student's text (a folder name, a roster value) as a gradebook cell: escaped like
    grades.csv's, and never the words of the Points Possible line, which an import could
    otherwise take for the maxima (a folder can be called anything)."""
    if value.strip().lower() == POINTS_POSSIBLE.lower():
        return "'" + value
    return spreadsheet_text(value)


def gradebook_csv(rows: list[Graded], roster: Roster | None = None) -> str:
    """One line per student: the roster's columns (when given), the folder, each lesson's
    points and the course total; the second line, Points Possible, holds each maximum.
    A roster student without a folder gets a line with empty points (nothing to import)."""
    lessons = lessons_in(rows)
    grouped = by_student(rows)
    identity = roster.columns if roster else []
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*identity, FOLDER, *[f"Lesson {nb}: {registry.LESSONS[nb]}" for nb in lessons], "Course total"])
    maxima = [lesson_maximum(nb) for nb in lessons]
    writer.writerow([POINTS_POSSIBLE, *[""] * len(identity), *maxima, sum(maxima)])  # under the first column
    people = roster.people if roster else {}
    for student in sorted(set(grouped) | set(people)):
        who = [cell(people.get(student, {}).get(c, "")) for c in identity]
        if student not in grouped:
            writer.writerow([*who, cell(student), *[""] * len(lessons), ""])
            continue
        mine = grouped[student]
        points = [sum(r.total for r in mine if r.notebook == nb) for nb in lessons]
        writer.writerow([*who, cell(student), *points, sum(r.total for r in mine)])
    return buffer.getvalue()


# --------------------------------------------------------------------------------------
# Gradescope


def gradescope_json(rows: list[Graded], lessons: list[str]) -> dict:
    """A student's results in the shape of Gradescope's autograder results.json.

    Followed: Gradescope's "Autograder Specifications" (results.json), as we know it: a
    top-level `score` (which, when given, overrides the sum of the tests) and `output`
    (text about the whole submission), and `tests`, a list of {name, number, score,
    max_score, status ("passed" or "failed"), output}. Left out, all optional there:
    execution_time, visibility, stdout_visibility, tags, leaderboard, extra_data. One test
    per exercise of every lesson the class handed in; an exercise of a lesson that was not
    graded (missing, unreadable, ...) scores 0 and says why."""
    tests, overview, page = [], [], page_edition(rows)  # in the editions of the feedback page

    def said(row: Graded, ed: str, what: str) -> str:
        status = tr(STATUS_WORDS.get(row.status, row.status), ed)
        line = tr("{what}: status {status}, {total} points.", ed).format(what=what, status=status, total=row.total)
        return line + "".join(f" {editions.message(n, None, ed)}" for n in row.notes)

    for row in rows:
        ed = row.edition or page
        lesson = tr("Lesson {number}", ed).format(number=row.notebook) if row.notebook else tr("No notebook", ed)
        overview.append(said(row, ed, row.file or lesson))
    for nb in lessons:
        mine = [r for r in rows if r.notebook == nb]
        ed = next((r.edition for r in mine if r.edition), page)
        results = {res.exercise.id: res for r in mine for res in r.results}
        why = " ".join(
            tr("Lesson {number}: status {status}.", ed).format(
                number=nb, status=tr(STATUS_WORDS.get(r.status, r.status), ed)
            )
            + "".join(f" {editions.message(n, None, ed)}" for n in r.notes)
            for r in mine
        )
        for ex in registry.for_notebook(nb):
            result = results.get(ex.id)
            tests.append(
                {
                    "name": f"{ex.id} {editions.title('exercise-title', ex.title, ed)}",
                    "number": ex.id,
                    "score": result.points if result else 0,
                    "max_score": ex.points,
                    "status": "passed" if result and result.status == PASSED else "failed",
                    "output": exercise_text(result, ed)
                    if result
                    else tr("not graded. {why}", ed).format(why=why or tr("No notebook handed in.", ed)),
                }
            )
    for test in tests:  # as the feedback page is written: a lone surrogate from a student's error as \udXXX
        test["output"] = text(test["output"])
    return {"score": sum(r.total for r in rows), "output": text("\n".join(overview)), "tests": tests}


def text(words: str) -> str:
    """Words that encode as UTF-8: what student code raised may hold lone surrogates."""
    return words.encode("utf-8", "backslashreplace").decode("utf-8")


def json_name(student: str) -> str:
    """The JSON file's name: the feedback page's (see helpers/grader/outputs.py, page_name), ending .json."""
    return page_name(student).removesuffix(".md") + ".json"


# --------------------------------------------------------------------------------------
# Writing them


def plural(count: int, words: str) -> str:
    """ "1 point", "2 points"."""
    return f"{count} {words}" + ("" if count == 1 else "s")


def write_exports(out: Path, rows: list[Graded], roster: Roster | None = None) -> list[str]:
    """Write gradebook.csv and gradescope/*.json into `out`, each whole or not at all;
    the notes for the summary: the roster's mismatches and what was written."""
    notes = list(roster.notes) if roster else []
    grouped = by_student(rows)
    if roster:
        unlisted = sorted(set(grouped) - set(roster.people))
        absent = sorted(set(roster.people) - set(grouped))
        if unlisted:
            notes.append(
                f"{plural(len(unlisted), 'student folder')} not in the roster (their roster columns are empty "
                f"in gradebook.csv): {', '.join(map(repr, unlisted[:10]))}"
                + (f" and {len(unlisted) - 10} more." if len(unlisted) > 10 else ".")
            )
        if absent:
            notes.append(
                f"{plural(len(absent), 'roster student')} without a folder in SUBMISSIONS (their points are empty in "
                f"gradebook.csv): {', '.join(map(repr, absent[:10]))}"
                + (f" and {len(absent) - 10} more." if len(absent) > 10 else ".")
            )
    write_atomically(out / "gradebook.csv", gradebook_csv(rows, roster))
    lessons = lessons_in(rows)
    written = 0
    for student, mine in sorted(grouped.items()):
        try:
            write_atomically(
                out / "gradescope" / json_name(student),
                json.dumps(gradescope_json(mine, lessons), indent=1, ensure_ascii=False) + "\n",
            )
            written += 1
        except OSError as exc:  # one file that cannot be written costs that file only
            notes.append(f"Could not write the Gradescope file of {student!r}: {exc.strerror or exc}.")
    notes.append(
        f"Wrote {out / 'gradebook.csv'} (a line per student) and {written} Gradescope results files in "
        f"{out / 'gradescope'}."
    )
    return notes
