"""English left in a Chinese edition's words: runs of three or more English words in a row,
outside what is English by nature. tests/test_editions.py holds the checks' reports to none,
tests/test_grade_editions.py the feedback pages. `python -m tests.english_left [GRADES]`
measures every surface a student reads in each Chinese edition: the report of each catalogued
mistake (tests/mistakes_NN.py, also its message alone), of each answer of tests/uncatalogued.py
(the evidence), of each reference (passed) and each stub (not attempted), the progress tables,
and, given the --out folder of a class graded in the editions, its feedback pages, grades.csv's
status words and the instructor's report.html and summary.txt (README, Translating).

English by nature, and so not counted:
- code: `code spans`, a line of the student's code quoted as "(line 12: ...)", Python's
  True, False and None, a run of Python's keywords ("if cache is None else");
- file names ("02-queries-keys-values.ipynb");
- quoted text: "...", '...' (without spaces: 'F', 'Tensor'), 「...」, “...” (a student's own
  error message, a name);
- what Python and PyTorch said: the text after a built-in exception's name ("TypeError: ...")
  up to the line it names; the course's own exceptions (ModuleShapeError, ...) are the
  course's words and are counted;
- the proper names of ALLOWED.
"""

from __future__ import annotations

import builtins
import keyword
import re

# Names that stay as they are in Chinese text, as in the lessons' own Markdown.
ALLOWED = ("Hugging Face", "Transformer", "FlashAttention")
RUN = re.compile(r"(?<![`\w])[A-Za-z]{2,}(?:[ ,'-]+[A-Za-z]{2,}){2,}")  # 3+ English words in a row
QUOTED = re.compile(r"`[^`]*`|\"[^\"\n]*\"|(?<!\w)'[^'\s]*'|「[^」]*」|“[^”]*”")
PYTHON_ERRORS = tuple(n for n in dir(builtins) if n.endswith(("Error", "Exception", "Warning")))
RAISED = re.compile(r"\b(?:" + "|".join(PYTHON_ERRORS) + r")[:：]")
VALUES = re.compile(r"\b(?:True|False|None)\b")
FILES = re.compile(r"[\w.-]+\.(?:ipynb|md|csv|py)\b")  # a notebook's or a page's file name


def _without_quoted_lines(text: str) -> str:
    """`text` without each "(line N: ...)" and what Python said before it, parentheses balanced."""
    out, i = [], 0
    while True:
        raised = RAISED.search(text, i)
        line = re.compile(r"\(line \d+").search(text, i)
        found = min((m for m in (raised, line) if m), key=lambda m: m.start(), default=None)
        if found is None:
            return "".join(out) + text[i:]
        out.append(text[i : found.start()])
        j = found.end()
        if found is raised:  # up to the line it names, or the end of the sentence it is in
            stop = re.compile(r"\s\(line \d+|[。；]|$", re.M).search(text, j)
            i = stop.start() + (stop.group().startswith((" ", "\n", "\t")))
            continue
        depth = 1
        while j < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            j += 1
        i = j


def _is_code(run: str) -> bool:
    """A run of Python's keywords with at most one name among them: "if cache is None else"."""
    names = {w for w in re.findall(r"[A-Za-z]+", run) if not keyword.iskeyword(w)}
    return len(names) <= 1


def unwrapped(report: str) -> str:
    """A check's report with the lines that wrapping made joined again: a continuation line
    is indented two more than its block's first ("  " under the status, "      " under the
    evidence, the likely mistake and the picture, which start at four)."""
    return re.sub(r"\n(?: {2}| {6,})(?=\S)", " ", report)


def english_runs(text: str) -> list[str]:
    """The runs of three or more English words in `text` (a report, a message, a page),
    outside code, quotes, Python's own errors and ALLOWED names."""
    plain = FILES.sub(" ", QUOTED.sub(" ", unwrapped(text)))
    plain = _without_quoted_lines(plain)
    plain = VALUES.sub(" ", plain)
    for name in ALLOWED:
        plain = plain.replace(name, " ")
    return [run for run in RUN.findall(plain) if not _is_code(run)]


# --------------------------------------------------------------------------------------
# The measurement


def results() -> dict[str, list]:
    """The English Result of every answer a student could hand in that the tests hold: each
    catalogued mistake, each uncatalogued answer, each reference, each stub."""
    import importlib

    import torch

    from helpers import exercises
    from helpers.checks import evaluate
    from tests.uncatalogued import UNCATALOGUED

    def stub(ex):
        def raises(*args):
            raise NotImplementedError(f"Exercise {ex.id}: replace this line with your code")

        if not ex.module:
            return raises

        class Stub(torch.nn.Module):
            def __init__(self, *args):
                raise NotImplementedError(f"Exercise {ex.id}: replace this line with your code")

        return Stub

    mistakes = [m for n in exercises.LESSONS for m in importlib.import_module(f"tests.mistakes_{n}").MISTAKES]
    return {
        "mistakes": [evaluate(ex_id, wrong) for ex_id, wrong, *_ in mistakes],
        "uncatalogued": [evaluate(ex_id, wrong) for ex_id, wrong, *_ in UNCATALOGUED],
        "passed": [evaluate(ex.id, ex.reference) for ex in exercises.EXERCISES.values()],
        "not attempted": [evaluate(ex.id, stub(ex)) for ex in exercises.EXERCISES.values()],
    }


def left_in_reports(found: dict[str, list], edition: str) -> dict[str, list[tuple[str, str | None, list[str]]]]:
    """Per kind of answer, (exercise, mistake, runs) of each report in `edition` with English left."""
    from helpers import editions

    out = {}
    for kind, done in found.items():
        out[kind] = [(r.exercise.id, r.mistake, runs) for r in done if (runs := english_runs(r.report(edition)))]
        if kind == "mistakes":
            out["mistakes' messages"] = [
                (r.exercise.id, r.mistake, runs)
                for r in done
                if (runs := english_runs(editions.message(r.message, r.mistake, edition)))
            ]
    return out


def left_in_progress(found: dict[str, list], edition: str) -> list[tuple[str, str, list[str]]]:
    """(state, lesson, runs) of each progress table with English left, its exercises all
    unchecked, passed, failed or not attempted (four tables a lesson)."""
    import contextlib
    import io

    from helpers import checks, editions, exercises

    states = {"unchecked": {}, "passed": found["passed"], "not attempted": found["not attempted"]}
    states["failed"] = list({r.exercise.id: r for r in found["mistakes"]}.values())
    before, editions._current = editions._current, edition
    out = []
    try:
        for state, done in states.items():
            for lesson in exercises.LESSONS:
                checks._results.clear()
                checks._results.update({r.exercise.id: r for r in done})
                with contextlib.redirect_stdout(io.StringIO()) as printed:
                    checks.progress(lesson)
                if runs := english_runs(printed.getvalue()):
                    out.append((state, lesson, runs))
    finally:
        editions._current = before
        checks._results.clear()
    return out


def left_in_grades(grades, edition: str) -> dict[str, object]:
    """What a graded class's --out folder shows in English to the students of `edition`
    (folders named ...-<edition>): feedback lines, grades.csv's status words, Gradescope's
    results; and the runs of the instructor's report.html and summary.txt."""
    import csv
    import html
    import json
    from pathlib import Path

    grades = Path(grades)
    pages = sorted((grades / "feedback").glob(f"*-{edition}.md"))
    lines = [
        (page.name, line)
        for page in pages
        for line in page.read_text(encoding="utf-8").splitlines()[1:]  # the first names the student's folder
        if english_runs(line)
    ]
    with (grades / "grades.csv").open(encoding="utf-8") as f:
        statuses = sorted({row["status"] for row in csv.DictReader(f) if row["student"].endswith(edition)})
    results = [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted((grades / "gradescope").glob(f"*-{edition}.json"))
    ]
    said = [r["output"] for r in results] + [t[k] for r in results for t in r["tests"] for k in ("name", "output")]
    report = (grades / "report.html").read_text(encoding="utf-8")
    report = html.unescape(re.sub(r"<style>.*?</style>|<[^>]+>", " ", report, flags=re.S))
    return {
        "feedback pages": len(pages),
        "feedback lines with English": lines,
        "grades.csv statuses": statuses,
        "Gradescope texts": len(said),
        "Gradescope texts with English": [("gradescope", words) for words in said if english_runs(words)],
        "report.html runs": len(english_runs(report)),
        "summary.txt runs": len(english_runs((grades / "summary.txt").read_text(encoding="utf-8"))),
    }


def main(argv: list[str]) -> None:
    from collections import Counter

    from helpers import editions
    from helpers.exercises import LESSONS

    found = results()
    for edition in editions.CHINESE:
        for kind, left in left_in_reports(found, edition).items():
            total = len(found["mistakes" if kind == "mistakes' messages" else kind])
            by_lesson = Counter(ex_id.split(".")[0].zfill(2) for ex_id, _, _ in left)
            print(f"{edition} {kind}: {len(left)} of {total} with English left {dict(sorted(by_lesson.items()))}")
            for ex_id, mistake, runs in left[:20]:
                print(f"    {ex_id} {mistake}: {runs[:3]}")
        progress = left_in_progress(found, edition)
        print(f"{edition} progress tables: {len(progress)} of {4 * len(LESSONS)} with English left")
        for state, lesson, runs in progress:
            print(f"    {state} {lesson}: {runs[:3]}")
        for grades in argv:
            for what, value in left_in_grades(grades, edition).items():
                shown = len(value) if isinstance(value, list) and what.endswith("English") else value
                print(f"{edition} {what}: {shown}")
                if what.endswith("English"):
                    for page, line in value[:20]:
                        print(f"    {page}: {' '.join(line.split())[:150]}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
