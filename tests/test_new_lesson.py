"""Adding a lesson takes three files: its master notebook, its lesson module and its
mistakes file. A new helpers/lessons/lessonNN.py, with nothing else edited, is picked up by
the registry, the checks and progress(), the build and the grader's jobs."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import nbformat
import pytest
import torch

from helpers import build, checks, exercises, lessons
from helpers.grader import jobs, submissions
from helpers.grader.protocol import Limits
from helpers.online import Online

LESSON_07 = '''
"""A lesson added by tests/test_new_lesson.py."""

from helpers.lessons.records import Exercise, Lesson, Mistake
from helpers.lessons.toolkit import matches, randn
from helpers.running import Case


def doubled(x):
    """The reference of exercise 7.1."""
    return 2 * x


def cases(gen):
    return [Case("a vector of 5", (randn(gen, 5),)), Case("a (2, 3) matrix", (randn(gen, 2, 3),))]


LESSON = Lesson(
    number="07",
    title="A lesson added in a test",
    notebook="07-a-lesson-added-in-a-test",
    provides=(),
    exercises=[Exercise(id="7.1", notebook="07", name="doubled", title="Doubling", points=2, difficulty=1, minutes=5,
                        signature="doubled(x)", returns="2 * x, of x's shape", reference=doubled, make_cases=cases,
                        mistakes=(matches("squared", "You squared x; double it: 2 * x.", lambda x: x * x,
                                          "x squared"),))],
)
'''

MASTER = [
    ("markdown", "# 07 A lesson added in a test"),
    ("code", "import torch\nfrom helpers import check, progress"),
    (
        "code",
        "# Exercise 7.1 — doubling\ndef doubled(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
    ),
    ("code", 'doubled = check("7.1", doubled)'),
    ("code", 'progress("07")'),
]


@pytest.fixture
def lesson_07(tmp_path, monkeypatch):
    """helpers/lessons/ with a lesson07.py beside the course's six (in a folder of the test's
    own, added to the package's search path), and the registry read again."""
    extra = tmp_path / "lessons"
    extra.mkdir()
    (extra / "lesson07.py").write_text(LESSON_07)
    monkeypatch.setattr(lessons, "__path__", [*lessons.__path__, str(extra)])
    importlib.reload(exercises)
    yield tmp_path
    monkeypatch.undo()
    sys.modules.pop("helpers.lessons.lesson07", None)
    importlib.reload(exercises)
    assert "07" not in exercises.LESSONS


def test_the_registry_reads_it(lesson_07):
    assert list(exercises.LESSONS)[-1] == "07" and exercises.LESSONS["07"] == "A lesson added in a test"
    assert exercises.NOTEBOOK_FILES["07"] == "07-a-lesson-added-in-a-test" and exercises.PROVIDED["07"] == ()
    assert [ex.id for ex in exercises.for_notebook("07")] == ["7.1"] and exercises.get("7.1").points == 2


def test_its_check_and_progress_work(lesson_07, capsys):
    assert checks.evaluate("7.1", lambda x: x + x).status == "passed"
    wrong = checks.evaluate("7.1", lambda x: x * x)
    assert (wrong.status, wrong.mistake) == ("failed", "squared")
    checks.check("7.1", lambda x: x + x)
    checks.progress("07")
    assert "Lesson 07 — A lesson added in a test: 2 of 2 points" in capsys.readouterr().out


def test_the_build_makes_its_student_notebook(lesson_07):
    root = lesson_07 / "course"
    (root / "solutions").mkdir(parents=True)
    nb = nbformat.v4.new_notebook(metadata={"course": {"notebook": "07"}})
    nb.cells = [
        nbformat.v4.new_markdown_cell(s) if kind == "markdown" else nbformat.v4.new_code_cell(s) for kind, s in MASTER
    ]
    nbformat.write(nb, root / "solutions" / "07-a-lesson-added-in-a-test.ipynb")
    generated = build.generate(root, online=Online())
    (text,) = [text for path, text in generated.notebooks.items() if path.name.startswith("07-")]
    student = "\n".join(cell.source for cell in nbformat.reads(text, as_version=4).cells)
    assert 'raise NotImplementedError("Exercise 7.1: replace this line with your code")' in student
    assert "return 2 * x" not in student


def test_the_grader_recognises_and_prepares_it(lesson_07):
    assert submissions.lesson_from_name(Path("07-a-lesson-added-in-a-test.ipynb")) == "07"
    cases = {"7.1": jobs.cases_for(exercises.get("7.1"), 1, {})}
    job = jobs.job_for("07", Limits(), cases, {})
    assert [(ex["id"], ex["name"], len(ex["cases"])) for ex in job["exercises"]] == [("7.1", "doubled", 4)]
    assert json.loads(json.dumps(job)) == job  # what travels to the worker is plain JSON


def test_a_lesson_module_that_does_not_declare_its_record_is_refused(tmp_path, monkeypatch):
    extra = tmp_path / "lessons"
    extra.mkdir()
    (extra / "lesson08.py").write_text("LESSON = None\n")
    monkeypatch.setattr(lessons, "__path__", [*lessons.__path__, str(extra)])
    try:
        with pytest.raises(ValueError, match=r"lesson08.py should declare LESSON = Lesson\(number='08'"):
            exercises.discover()
    finally:
        sys.modules.pop("helpers.lessons.lesson08", None)
    assert torch.equal(exercises.get("1.1").reference(torch.eye(2)), torch.eye(2))  # the course's own are untouched
