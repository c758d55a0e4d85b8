"""The course as an nbgrader course: `python -m helpers.build --nbgrader DIR`, then the real
nbgrader (generate_assignment, autograde, export) on a small class, whose points must equal
what the course's own grader (python -m helpers.grade) gives the same notebooks, per
student, notebook and exercise.

The class, on lessons 01 and 04 (in 04, exercise 4.3 only passes with a working
split_heads, which the partial student left buggy: it passes only if the failed check of
4.1 still hands the course's version down under nbgrader, as helpers.grade does):
    right      every answer from solutions/
    partial    some answers right, some wrong, a spot-the-bug left as handed out
    untouched  the released notebook as it is
and, on lesson 01, attacks on nbgrader's grading:
    tamperer   untouched answers, plus a first cell that removes NBGRADER_EXECUTION from
               the environment, an emptied check cell and a deleted one: must still get 0
    deleter    right answers, one of which prints to stderr while it is checked, and a
               deleted check cell: must still get every point
    patcher    untouched answers and `check = lambda ...` after the imports: nbgrader gives
               every point, helpers.grade none. This is the limit the README states: under
               nbgrader student code runs beside the checks and can patch them.
    gone       right answers with exercise 1.2's cell and its check cell both deleted (the
               release marks both undeletable, so this takes editing the file): nbgrader
               0.9.6 cannot put the check back (a KeyError in OverwriteCells), autograde
               fails for that student and export gives 0; helpers.grade gives 7.

Autograding nine notebooks takes a minute or two on 2 cores: marked `platforms` (another
place the course runs), run by `pytest -m platforms` and .ci/run.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import authoring, build, kernel, nbgrader_source
from helpers import exercises as registry
from tests.grading import ROOT, answer

nbgrader = pytest.importorskip("nbgrader", reason="nbgrader is a test dependency: pip install -r requirements-dev.txt")
from nbgrader.api import Gradebook  # noqa: E402
from nbgrader.nbgraderformat import MetadataValidator  # noqa: E402

LESSONS = ("01", "04")
STEM = registry.NOTEBOOK_FILES

OVERFLOWING_SOFTMAX = """# Exercise 1.2
def stable_softmax(scores):
    exps = scores.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
"""
ALWAYS_TRUE_TEST = """# Exercise 4.4
def sentences_independent(attention, X):
    return True
"""
NOISY_SCORES = """# Exercise 1.1
import sys

def pairwise_scores(X):
    print("debug: computing scores", file=sys.stderr)
    return X @ X.T
"""
UNSET_NBGRADER = 'import os\nos.environ.pop("NBGRADER_EXECUTION", None)\nos.environ["NBGRADER_EXECUTION"] = ""'
PATCHED_CHECK = "check = lambda exercise_id, answer: answer  # every check silent"
# (student, lesson) -> (helpers.grade's total, nbgrader's total)
EXPECTED = {
    ("right", "01"): (10, 10),
    ("partial", "01"): (5, 5),
    ("untouched", "01"): (0, 0),
    ("tamperer", "01"): (0, 0),
    ("deleter", "01"): (10, 10),
    ("patcher", "01"): (0, 10),
    ("gone", "01"): (7, 0),
    ("right", "04"): (12, 12),
    ("partial", "04"): (7, 7),
    ("untouched", "04"): (0, 0),
}
slow = pytest.mark.platforms


def nbgrader_cmd(course: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def exercise_cell(nb, ex_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if authoring.exercise_id(c) == ex_id)


def check_cell(nb, ex_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if authoring.calls_check(c, ex_id))


def answered(release, lesson: str, solved=(), wrong: dict[str, str] | None = None):
    """The released notebook with the exercises in `solved` answered as the master does and
    those in `wrong` replaced by that code; every other cell as released."""
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    for ex_id in solved:
        nb.cells[exercise_cell(nb, ex_id)].source = answer(lesson, ex_id)
    for ex_id, source in (wrong or {}).items():
        nb.cells[exercise_cell(nb, ex_id)].source = source
    return nb


def the_class(course: Path) -> dict[tuple[str, str], nbformat.NotebookNode]:
    """(student, lesson) -> the notebook the student hands in."""
    subs = {}
    for lesson in LESSONS:
        release = nbformat.read(course / "release" / STEM[lesson] / f"{STEM[lesson]}.ipynb", as_version=4)
        every = [ex.id for ex in registry.for_notebook(lesson)]
        subs["right", lesson] = answered(release, lesson, solved=every)
        subs["untouched", lesson] = release
        if lesson == "01":  # 1.3 left buggy as handed out; 1.4 right
            subs["partial", lesson] = answered(release, lesson, ["1.1", "1.4"], {"1.2": OVERFLOWING_SOFTMAX})
        else:  # 4.1 left buggy: 4.3 passes only with the course's split_heads handed down
            subs["partial", lesson] = answered(release, lesson, ["4.2", "4.3", "4.5"], {"4.4": ALWAYS_TRUE_TEST})
    tamperer = answered(subs["untouched", "01"], "01")
    tamperer.cells[check_cell(tamperer, "1.1")].source = "pass"
    del tamperer.cells[check_cell(tamperer, "1.2")]
    tamperer.cells.insert(0, nbformat.v4.new_code_cell(UNSET_NBGRADER))
    subs["tamperer", "01"] = tamperer
    deleter = answered(subs["right", "01"], "01", wrong={"1.1": NOISY_SCORES})
    del deleter.cells[check_cell(deleter, "1.3")]
    subs["deleter", "01"] = deleter
    patcher = answered(subs["untouched", "01"], "01")
    imports = [i for i, c in enumerate(patcher.cells) if c.cell_type == "code"][1]
    patcher.cells.insert(imports + 1, nbformat.v4.new_code_cell(PATCHED_CHECK))
    subs["patcher", "01"] = patcher
    gone = answered(subs["right", "01"], "01")
    del gone.cells[exercise_cell(gone, "1.2") : check_cell(gone, "1.2") + 1]
    subs["gone", "01"] = gone
    return subs


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The nbgrader course, its class autograded and exported, and helpers.grade's grades of
    the same submissions."""
    course = tmp_path_factory.mktemp("nbgrader-course")
    build.main(["--nbgrader", str(course)])
    for lesson in LESSONS:
        nbgrader_cmd(course, "generate_assignment", STEM[lesson])
    subs = the_class(course)
    for (student, lesson), nb in subs.items():
        path = course / "submitted" / student / STEM[lesson] / f"{STEM[lesson]}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
    ours = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "helpers.grade",
            str(course / "submitted"),
            "--out",
            str(course / "ours"),
            "-j",
            "1",
            "--seed",
            "5",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for lesson in LESSONS:
            nbgrader_cmd(course, "autograde", STEM[lesson], "--CourseDirectory.student_id_exclude=gone")
        gone = subprocess.run(
            [sys.executable, "-m", "nbgrader", "autograde", STEM["01"], "--student", "gone"],
            cwd=course,
            capture_output=True,
            text=True,
            timeout=600,
        )
        nbgrader_cmd(course, "export")
    finally:
        log = ours.communicate(timeout=600)[0]
    assert ours.returncode == 0, log
    with open(course / "ours" / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(course / "grades.csv", newline="") as f:
        exported = list(csv.DictReader(f))
    per_exercise = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student, lesson in subs:
            if student == "gone":
                continue
            notebook = gb.find_submission_notebook(STEM[lesson], STEM[lesson], student)
            per_exercise[student, lesson] = {grade.name: grade.score for grade in notebook.grades}
    return {
        "course": course,
        "subs": subs,
        "ours": rows,
        "export": exported,
        "per_exercise": per_exercise,
        "gone": gone,
    }


def our_points(graded) -> dict[tuple[str, str], dict[str, float]]:
    """helpers.grade's points: (student, lesson) -> {exercise id: points, "total": ...}."""
    points = {}
    for row in graded["ours"]:
        if row["status"] == "missing":
            continue
        assert row["status"] == "ok", row
        exercises = {ex.id: float(row[ex.id]) for ex in registry.for_notebook(row["notebook"])}
        points[row["student"], row["notebook"]] = {**exercises, "total": float(row["total"])}
    return points


def test_the_source_tree_carries_nbgrader_metadata(tmp_path):
    assert build.main(["--nbgrader", str(tmp_path)]) == 0
    assert (tmp_path / "nbgrader_config.py").read_text().startswith(nbgrader_source.CONFIG_MARK)
    for lesson, stem in STEM.items():
        nb = nbformat.read(tmp_path / "source" / stem / f"{stem}.ipynb", as_version=4)
        MetadataValidator().validate_nb(nb)  # grade ids valid and unique, points on grade cells
        meta = {i: c.metadata["nbgrader"] for i, c in enumerate(nb.cells) if "nbgrader" in c.metadata}
        grades = {m["grade_id"]: m["points"] for m in meta.values() if m["grade"]}
        assert grades == {nbgrader_source.check_id(ex.id): ex.points for ex in registry.for_notebook(lesson)}
        for ex in registry.for_notebook(lesson):
            answer_cell, check = exercise_cell(nb, ex.id), check_cell(nb, ex.id)
            assert meta[answer_cell] == {**meta[answer_cell], "solution": True, "grade": False, "locked": False}
            assert meta[check]["locked"] and not meta[check]["solution"]
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown":
                assert meta[i]["locked"] and not meta[i]["grade"]
            if cell.cell_type == "code":
                assert cell.outputs == []
        setup = next(c for c in nb.cells if c.cell_type == "code")
        assert setup.metadata["nbgrader"]["locked"]


def test_an_instructors_own_config_is_left_alone(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'x'\n")
    assert build.main(["--nbgrader", str(tmp_path)]) == 0
    assert (tmp_path / "nbgrader_config.py").read_text() == "c = get_config()\nc.CourseDirectory.course_id = 'x'\n"


@slow
def test_released_notebooks_are_the_student_notebooks(graded):
    """generate_assignment hands out what notebooks/ holds, cell for cell: the course's
    stubs and spot-the-bug code, not nbgrader's "# YOUR CODE HERE"."""
    for lesson in LESSONS:
        release = nbformat.read(graded["course"] / "release" / STEM[lesson] / f"{STEM[lesson]}.ipynb", as_version=4)
        student = nbformat.read(ROOT / "notebooks" / f"{STEM[lesson]}.ipynb", as_version=4)
        assert [c.source for c in release.cells] == [c.source for c in student.cells]
        assert all(c.get("outputs", []) == [] for c in release.cells)


def points_table(graded) -> dict[tuple[str, str], tuple[dict[str, float], dict[str, float]]]:
    """(student, lesson) -> (helpers.grade's points, nbgrader's points), each {exercise id:
    points, "total": ...}; nbgrader's total is what `nbgrader export` gives."""
    ours = our_points(graded)
    assert set(ours) == set(graded["subs"])
    exported = {(row["student_id"], row["assignment"]): row for row in graded["export"]}
    table = {}
    for (student, lesson), points in sorted(ours.items()):
        row = exported[student, STEM[lesson]]
        assert float(row["max_score"]) == sum(ex.points for ex in registry.for_notebook(lesson))
        by_cell = graded["per_exercise"].get((student, lesson), {})
        theirs = {ex.id: by_cell.get(nbgrader_source.check_id(ex.id)) for ex in registry.for_notebook(lesson)}
        table[student, lesson] = (points, {**theirs, "total": float(row["score"])})
    return table


@slow
def test_nbgrader_gives_the_course_graders_points(graded):
    table = points_table(graded)
    assert {key: (ours["total"], theirs["total"]) for key, (ours, theirs) in table.items()} == EXPECTED
    known = {("patcher", "01"), ("gone", "01")}  # the two differences the README states
    mismatches = {key: pair for key, pair in table.items() if key not in known and pair[0] != pair[1]}
    assert not mismatches, "\n".join(
        f"{key}: helpers.grade {ours}, nbgrader {theirs}" for key, (ours, theirs) in mismatches.items()
    )


@slow
def test_deleting_an_exercise_and_its_check_stops_nbgrader_for_that_student(graded):
    """nbgrader puts a deleted check cell back after the cell before it in the source, and
    fails when that cell, the exercise, is gone too: the instructor sees an error for the
    student, and export gives 0 (checked in test_nbgrader_gives_the_course_graders_points)."""
    assert graded["gone"].returncode != 0
    assert "KeyError: 'answer-1_2'" in graded["gone"].stdout + graded["gone"].stderr


@slow
def test_a_failed_check_is_on_stderr_under_nbgrader_only(graded):
    """Autograded: the partial student's failed check of 1.2 reports on stderr (nbgrader's
    sign of a failed test) and its passed check of 1.1 on stdout."""
    nb = nbformat.read(graded["course"] / "autograded" / "partial" / STEM["01"] / f"{STEM['01']}.ipynb", as_version=4)
    failed = nb.cells[check_cell(nb, "1.2")].outputs
    assert [o.name for o in failed if o.output_type == "stream"] == ["stderr"]
    assert "✘ Exercise 1.2 failed" in failed[0].text
    passed = nb.cells[check_cell(nb, "1.1")].outputs
    assert [o.name for o in passed if o.output_type == "stream"] == ["stdout"]


@slow
def test_the_release_run_as_a_student_never_raises(graded):
    """Outside nbgrader, the released notebook runs to the end: its checks print on stdout
    and raise nothing."""
    path = graded["course"] / "release" / STEM["01"] / f"{STEM['01']}.ipynb"
    nb = kernel.run_notebook(nbformat.read(path, as_version=4), path.parent)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"]
    assert any("not attempted yet" in o.get("text", "") for o in outputs)
