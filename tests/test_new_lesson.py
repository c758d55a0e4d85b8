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

# The next lesson's number: the test holds when a real lesson 07 is added, as its own 08.
N = f"{int(max(exercises.LESSONS)) + 1:02d}"
EX = f"{int(N)}.1"
NAME = f"{N}-a-lesson-added-in-a-test"

# A reference lives in helpers/attention.py (the grader hands the course's version of an
# answer down from there): the new lesson asks for an existing one again.
LESSON = f'''
"""A lesson added by tests/test_new_lesson.py."""

import torch

from helpers import attention as ref
from helpers.lessons.records import Exercise, Lesson
from helpers.lessons.toolkit import matches, randn
from helpers.running import Case


def cases(gen):
    return [Case("scores of shape (2, 5)", (randn(gen, 2, 5),)), Case("scores of shape (3, 4)", (randn(gen, 3, 4),))]


LESSON = Lesson(
    number="{N}",
    title="A lesson added in a test",
    notebook="{NAME}",
    provides=(),
    exercises=[
        Exercise(id="{EX}", notebook="{N}", name="stable_softmax", title="Softmax again", points=2, difficulty=1,
                 minutes=5, signature="stable_softmax(scores)", returns="the weights, each row summing to 1",
                 reference=ref.stable_softmax, make_cases=cases,
                 mistakes=(matches("over-queries", "You normalised over dim=0; each row sums to 1: dim=-1.",
                                   lambda s: torch.softmax(s, dim=0), "softmax over dim=0"),))
    ],
)
'''

MASTER = [
    ("markdown", f"# {N} A lesson added in a test"),
    ("code", "import torch\nfrom helpers import check, progress"),
    (
        "code",
        f"# Exercise {EX} — softmax again\ndef stable_softmax(scores):\n    ### BEGIN SOLUTION\n"
        "    return torch.softmax(scores, dim=-1)\n    ### END SOLUTION",
    ),
    ("code", f'stable_softmax = check("{EX}", stable_softmax)'),
    ("code", f'progress("{N}")'),
]


@pytest.fixture
def new_lesson(tmp_path, monkeypatch):
    """helpers/lessons/ with a lessonNN.py beside the course's (in a folder of the test's own,
    added to the package's search path), and the registry read again."""
    extra = tmp_path / "lessons"
    extra.mkdir()
    (extra / f"lesson{N}.py").write_text(LESSON)
    monkeypatch.setattr(lessons, "__path__", [*lessons.__path__, str(extra)])
    importlib.reload(exercises)
    yield tmp_path
    monkeypatch.undo()
    sys.modules.pop(f"helpers.lessons.lesson{N}", None)
    importlib.reload(exercises)
    assert N not in exercises.LESSONS


def test_the_registry_reads_it(new_lesson):
    assert list(exercises.LESSONS)[-1] == N and exercises.LESSONS[N] == "A lesson added in a test"
    assert exercises.NOTEBOOK_FILES[N] == NAME and exercises.PROVIDED[N] == ()
    assert [ex.id for ex in exercises.for_notebook(N)] == [EX] and exercises.get(EX).points == 2


def test_its_check_and_progress_work(new_lesson, capsys):
    assert checks.evaluate(EX, lambda s: torch.softmax(s, dim=-1)).status == "passed"
    wrong = checks.evaluate(EX, lambda s: torch.softmax(s, dim=0))
    assert (wrong.status, wrong.mistake) == ("failed", "over-queries")
    checks.check(EX, lambda s: torch.softmax(s, dim=-1))
    checks.progress(N)
    assert f"Lesson {N} — A lesson added in a test: 2 of 2 points" in capsys.readouterr().out


def test_the_build_makes_its_student_notebook(new_lesson):
    root = new_lesson / "course"
    (root / "solutions").mkdir(parents=True)
    nb = nbformat.v4.new_notebook(metadata={"course": {"notebook": N}})
    nb.cells = [
        nbformat.v4.new_markdown_cell(s) if kind == "markdown" else nbformat.v4.new_code_cell(s) for kind, s in MASTER
    ]
    nbformat.write(nb, root / "solutions" / f"{NAME}.ipynb")
    generated = build.generate(root, online=Online())
    (text,) = [text for path, text in generated.notebooks.items() if path.name.startswith(f"{N}-")]
    student = "\n".join(cell.source for cell in nbformat.reads(text, as_version=4).cells)
    assert f'raise NotImplementedError("Exercise {EX}: replace this line with your code")' in student
    assert "torch.softmax(scores, dim=-1)" not in student


def test_the_grader_recognises_and_prepares_it(new_lesson):
    assert submissions.lesson_from_name(Path(f"{NAME}.ipynb")) == N
    cases = {EX: jobs.cases_for(exercises.get(EX), 1, {})}
    job = jobs.job_for(N, Limits(), cases, {})
    assert [(ex["id"], ex["name"], len(ex["cases"])) for ex in job["exercises"]] == [(EX, "stable_softmax", 4)]
    assert json.loads(json.dumps(job)) == job  # what travels to the worker is plain JSON


def refused(tmp_path, monkeypatch, number: str, source: str) -> str:
    """The registry's refusal of a lesson module written as `source`."""
    extra = tmp_path / "lessons"
    extra.mkdir()
    (extra / f"lesson{number}.py").write_text(source)
    monkeypatch.setattr(lessons, "__path__", [*lessons.__path__, str(extra)])
    try:
        with pytest.raises(ValueError) as caught:
            exercises.discover()
    finally:
        sys.modules.pop(f"helpers.lessons.lesson{number}", None)
    assert torch.equal(exercises.get("1.1").reference(torch.eye(2)), torch.eye(2))  # the course's own are untouched
    return str(caught.value)


def test_a_lesson_module_that_does_not_declare_its_record_is_refused(tmp_path, monkeypatch):
    assert "lesson98.py should declare LESSON = Lesson(number='98'" in refused(
        tmp_path, monkeypatch, "98", "LESSON = None\n"
    )


def test_a_reference_outside_helpers_attention_is_refused(tmp_path, monkeypatch):
    """A maintainer put a new lesson's reference in its lesson module: check() and the build
    took it, and the grader crashed when it had to hand the course's version down."""
    source = LESSON.replace(f'number="{N}"', 'number="97"').replace(f'notebook="{N}"', 'notebook="97"')
    source = source.replace(f'id="{EX}"', 'id="97.1"').replace("reference=ref.stable_softmax", "reference=doubled")
    source = source.replace("def cases(gen):", "def doubled(x):\n    return 2 * x\n\n\ndef cases(gen):")
    words = refused(tmp_path, monkeypatch, "97", source)
    assert "exercise 97.1's reference doubled should be defined in helpers/attention.py" in words
