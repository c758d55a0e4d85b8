"""helpers.grade on a whole class: right answers, wrong ones, cheats, resource abuse and
damaged files, graded by the real command with real sandboxed workers.

One class is graded once (-j 2) for the module; a subset again serially to show that
the results do not depend on -j, and a few without isolation to show what it stops."""

from __future__ import annotations

import copy
import csv
import hashlib
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import checks
from helpers import exercises as registry
from tests.grading import ROOT, answer, index_of, insert_after, notebook, sandboxed_processes, save

L01 = f"{registry.NOTEBOOK_FILES['01']}.ipynb"
SEED = 7
TIMEOUT = 3

OVERFLOWING_SOFTMAX = """def stable_softmax(scores):
    e = scores.exp()
    return e / e.sum(dim=-1, keepdim=True)
"""
IDENTITY_SOFTMAX = "def stable_softmax(scores):\n    return scores\n"


def with_cell(nb: dict, after: int, source: str) -> dict:
    return insert_after(nb, after, source)


def only_11() -> dict:
    """Lesson 01 with only exercise 1.1 answered (2 points)."""
    return notebook("01", solved=["1.1"])


def after_check(nb: dict, exercise_id: str) -> int:
    return index_of(nb, exercise_id, check=True)


def build_class(subs: Path, tmp: Path, port: int) -> dict[str, str]:
    """Write every student's submissions; returns paths the cheats try to write."""
    out = tmp / "out"
    targets = {
        "csv": str(out / "grades.csv"),
        "feedback": str(out / "feedback" / "fake_results.md"),
        "sentinel": str(tmp / "sentinel.txt"),
        "submission": str(subs / "full" / L01),
        "tmp": "/tmp/course-grader-fake.txt",
        "home": os.path.expanduser("~/course-grader-fake.txt"),
    }
    for lesson in registry.LESSONS:
        name = f"{registry.NOTEBOOK_FILES[lesson]}.ipynb"
        save(subs, "full", name, notebook(lesson, solved="all"))
        save(subs, "untouched", name, notebook(lesson))

    # Some right, some wrong: exactly 2 + 0 + 0 + 3 in lesson 01, 1 + 2 + 0 + 2 + 0 in lesson 04.
    save(subs, "partial", L01, notebook("01", solved=["1.1", "1.4"], answers={"1.2": OVERFLOWING_SOFTMAX}))
    swapped = answer("04", "4.5")
    for what in ("weight", "bias"):
        swapped = swapped.replace(f"ours.q_proj.{what}, ours.k_proj.{what}", f"ours.k_proj.{what}, ours.q_proj.{what}")
    assert swapped != answer("04", "4.5")
    save(
        subs,
        "partial",
        f"{registry.NOTEBOOK_FILES['04']}.ipynb",
        notebook("04", solved=["4.1", "4.2", "4.4"], answers={"4.5": swapped.split("\n", 1)[1]}),
    )

    # Right on the course's inputs and the fresh draws, wrong on the instructor's (see INSTRUCTOR_CASES).
    save(
        subs,
        "passes_public_cases",
        f"{registry.NOTEBOOK_FILES['05']}.ipynb",
        notebook(
            "05",
            answers={
                "5.1": (
                    "def ideal_keys(T):\n    return torch.arange(T - 1, -1, -1) if T < 50 else torch.zeros(T, dtype=torch.long)\n"
                )
            },
        ),
    )

    # What the student's code sees: 1.1 is answered right only if every condition holds.
    save(
        subs,
        "environment_probe",
        L01,
        notebook(
            "01",
            answers={
                "1.1": f"""import os, socket, sys
def reachable():
    try:
        socket.create_connection(("127.0.0.1", {port}), timeout=1).sendall(b"escaped")
        return True
    except OSError:
        return False
seen = dict(threads=torch.get_num_threads(), omp=os.environ.get("OMP_NUM_THREADS"), stdin=sys.stdin.read(),
            cwd_empty=not os.listdir("."), net=reachable(), uid=os.getuid())
def pairwise_scores(X):
    ok = seen["threads"] == 1 and seen["omp"] == "1" and seen["stdin"] == "" and seen["cwd_empty"] and not seen["net"]
    return X @ X.T if ok and seen["uid"] != 0 else X
"""
            },
        ),
    )

    # Cheats: each answers 1.2 or 1.1 wrongly and tries to be graded right anyway.
    cheats = {
        "patch_allclose": (
            "1.2",
            "import torch\ntorch.allclose = lambda *a, **k: True\n"
            "torch.testing.assert_close = lambda *a, **k: None\ntorch.equal = lambda *a, **k: True\n"
            + IDENTITY_SOFTMAX,
        ),
        "patch_helpers": (
            "1.2",
            "import helpers, sys, types\nfake = types.ModuleType('helpers.checks')\n"
            "fake.judge = lambda *a, **k: None\nfake.evaluate = lambda *a, **k: None\n"
            "sys.modules['helpers.checks'] = fake\nhelpers.checks = fake\n"
            "helpers.check = lambda exercise, f: print('passed') or f\n" + IDENTITY_SOFTMAX,
        ),
        "always_equal": (
            "1.1",
            "class Always:\n    shape = (3, 3)\n    def __eq__(self, other):\n        return True\n"
            "    def __ne__(self, other):\n        return False\n"
            "def pairwise_scores(X):\n    return Always()\n",
        ),
        "tensor_subclass": (
            "1.1",
            "class Liar(torch.Tensor):\n"
            "    @classmethod\n"
            "    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
            "        if func in (torch.allclose, torch.equal, torch.Tensor.allclose, torch.Tensor.equal):\n"
            "            return True\n"
            "        if func is torch.Tensor.__eq__:\n"
            "            return torch.ones(args[0].shape, dtype=torch.bool)\n"
            "        return super().__torch_function__(func, types, args, kwargs or {})\n"
            "def pairwise_scores(X):\n    return torch.zeros(X.shape[0], X.shape[0]).as_subclass(Liar)\n",
        ),
        "prints_passed": (
            "1.2",
            "print('✔ Exercise 1.2 passed: stable_softmax is right on all 5 test inputs.')\n" + IDENTITY_SOFTMAX,
        ),
        "fake_results": (
            "1.2",
            "import json\n"
            f"for path in {sorted(targets.values())!r} + ['../../grades.csv', '../out/grades.csv']:\n"
            "    try:\n        with open(path, 'w') as f:\n            f.write('fake')\n"
            "    except OSError:\n        pass\n"
            "json.dump({'1.2': 'passed', 'points': 3}, open('results.json', 'w'))\n" + IDENTITY_SOFTMAX,
        ),
        "reads_reference": (
            "1.2",
            "import gc, json, sys\nfound = None\n"
            "try:\n    from helpers.attention import stable_softmax as found\nexcept ImportError:\n    pass\n"
            f"for path in [{str(ROOT / 'helpers' / 'attention.py')!r}]:\n"
            "    try:\n        space = {}\n        exec(open(path).read(), space)\n"
            "        found = space['stable_softmax']\n    except Exception:\n        pass\n"
            f"try:\n    master = json.load(open({str(ROOT / 'solutions' / L01)!r}))\n"
            "    space = {'torch': torch}\n"
            "    exec(next(''.join(c['source']) for c in master['cells'] if 'Exercise 1.2' in ''.join(c['source'])), space)\n"
            "    found = space['stable_softmax']\nexcept Exception:\n    pass\n"
            "for thing in gc.get_objects():\n"
            "    try:\n"
            "        if getattr(thing, '__name__', '') == 'stable_softmax' and getattr(thing, '__module__', '') != '__main__':\n"
            "            found = thing\n"
            "    except Exception:\n"
            "        pass\n"
            "def stable_softmax(scores):\n    return found(scores) if found else scores\n",
        ),
    }
    for student, (exercise_id, code) in cheats.items():
        save(subs, student, L01, notebook("01", answers={exercise_id: code}))

    # Resource abuse after exercise 1.1 has been graded (its 2 points still count).
    abuse = {
        "infinite_loop": "while True:\n    pass",
        "loop_catching_interrupt": "import time\nwhile True:\n    try:\n        time.sleep(0.01)\n"
        "    except BaseException:\n        pass",
        "fork_loop": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
        "huge_output": "print('x' * 10**8)\nimport sys\nfor i in range(10**4):\n    sys.stdout.write('y' * 1000)\n"
        "import os\nos.write(1, b'z' * 10**6)",
        "os_exit": "import os\nos._exit(0)",
        "floods_the_result_pipe": "import os\nfor fd in range(3, 64):\n    try:\n        for _ in range(80):\n"
        '            os.write(fd, b\'{"exercise": "1.2", "kind": "function"}\\n\' * 30000)\n'
        "    except OSError:\n        pass",
    }
    for student, code in abuse.items():
        nb = only_11()
        save(subs, student, L01, with_cell(nb, after_check(nb, "1.1"), code))
    nb = notebook("01", solved=["1.1", "1.4"])
    save(
        subs,
        "huge_allocation",
        L01,
        with_cell(nb, after_check(nb, "1.1"), "big = torch.empty(10**11)\njunk = bytearray(10**11)"),
    )
    nb = only_11()
    save(subs, "sys_exit", L01, with_cell(nb, index_of(nb, "1.1") - 1, "import sys\nsys.exit(3)"))

    # Damage.
    save(subs, "malformed", L01, "{not json")
    save(subs, "empty", L01, "")
    save(
        subs,
        "other_course",
        "homework.ipynb",
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {
                    "cell_type": "code",
                    "metadata": {},
                    "source": "print('hello')",
                    "outputs": [],
                    "execution_count": None,
                }
            ],
        },
    )
    solved = notebook("01", solved="all")

    nb = copy.deepcopy(solved)
    for index in sorted([index_of(nb, "1.2", check=True), index_of(nb, "1.4"), 0], reverse=True):
        del nb["cells"][index]
    save(subs, "deleted_cells", L01, nb)

    nb = copy.deepcopy(solved)
    nb["cells"].insert(index_of(nb, "1.1"), copy.deepcopy(nb["cells"][index_of(nb, "1.1")]))
    check_cell = nb["cells"].pop(index_of(nb, "1.2", check=True))
    nb["cells"].insert(index_of(nb, "1.2"), check_cell)
    save(subs, "duplicated_reordered", L01, nb)

    nb = copy.deepcopy(solved)
    at = index_of(nb, "1.2")
    nb["cells"][at]["source"] = (
        "# Exercise 1.2\ndef shifted(scores):\n    return scores - scores.amax(dim=-1, keepdim=True)\n"
    )
    save(
        subs,
        "split_exercise",
        L01,
        with_cell(
            nb,
            at,
            "def stable_softmax(scores):\n    e = shifted(scores).exp()\n"
            "    return e / e.sum(dim=-1, keepdim=True)\n",
        ),
    )

    nb = copy.deepcopy(solved)
    nb["cells"][index_of(nb, "1.1")]["cell_type"] = "markdown"
    save(subs, "code_turned_markdown", L01, nb)

    nb = copy.deepcopy(solved)
    at = index_of(nb, "1.2")
    nb["cells"][at]["source"] = "undefined_name + 1\n" + answer("01", "1.2")
    save(subs, "exception_before_answer", L01, with_cell(nb, at - 1, "1 / 0"))

    nb = copy.deepcopy(solved)
    save(subs, "reuses_name", L01, with_cell(nb, after_check(nb, "1.2"), IDENTITY_SOFTMAX))

    nb = copy.deepcopy(solved)
    save(
        subs,
        "warnings",
        L01,
        with_cell(nb, 0, "import sys, warnings\nwarnings.warn('careful')\nprint('noise on stderr', file=sys.stderr)"),
    )
    return targets


INSTRUCTOR_CASES = """from helpers.exercises import Case

CASES = {"5.1": [Case("a sequence of 100 tokens", (100,))]}
"""


def grade(subs: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "helpers.grade",
            str(subs),
            "--out",
            str(out),
            "--seed",
            str(SEED),
            "--timeout",
            str(TIMEOUT),
            *extra,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )


def instructor_tests(folder: Path) -> Path:
    folder.mkdir()
    (folder / "long_sequences.py").write_text(INSTRUCTOR_CASES)
    return folder


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def rows(out: Path) -> dict[tuple[str, str], dict]:
    with open(out / "grades.csv", newline="") as f:
        return {(r["student"], r["notebook"]): r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("class")
    subs = tmp / "submissions"
    listener = socket.create_server(("127.0.0.1", 0))  # a local server the sandbox must not reach
    listener.settimeout(0.2)
    targets = build_class(subs, tmp, listener.getsockname()[1])
    (tmp / "sentinel.txt").write_text("untouched")
    (subs / "sentinel.txt").write_text("untouched")  # a stray file: skipped with a note
    (tmp / "out").mkdir()
    (tmp / "out" / "keep.txt").write_text("untouched")
    tests = instructor_tests(tmp / "instructor-tests")
    before = digest(tmp)
    run = grade(subs, tmp / "out", "-j", "2", "--tests", str(tests))
    try:
        reached = listener.accept() is not None
    except OSError:
        reached = False
    listener.close()
    return {
        "reached": reached,
        "tests": tests,
        "tmp": tmp,
        "subs": subs,
        "out": tmp / "out",
        "run": run,
        "before": before,
        "targets": targets,
        "rows": rows(tmp / "out") if run.returncode == 0 else {},
    }


def row(graded, student: str, lesson: str = "01") -> dict:
    return graded["rows"][(student, lesson)]


def feedback(graded, student: str) -> str:
    return " ".join((graded["out"] / "feedback" / f"{student}.md").read_text().split())


def test_the_command_succeeds_and_isolates(graded):
    run = graded["run"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Isolation: Linux namespaces" in run.stdout, run.stdout
    assert "grading: 100%" in run.stderr  # the progress bar
    summary = (graded["out"] / "summary.txt").read_text()
    assert f"seed {SEED}" in summary and "Mean points per exercise" in summary


@pytest.mark.parametrize("lesson", list(registry.LESSONS))
def test_full_solutions_score_full_marks(graded, lesson):
    r = row(graded, "full", lesson)
    maximum = sum(ex.points for ex in registry.for_notebook(lesson))
    assert (r["status"], r["total"], r["max"]) == ("ok", str(maximum), str(maximum)), feedback(graded, "full")
    assert all(r[ex.id] == str(ex.points) for ex in registry.for_notebook(lesson))


@pytest.mark.parametrize("lesson", list(registry.LESSONS))
def test_untouched_notebooks_score_zero_with_status_ok(graded, lesson):
    r = row(graded, "untouched", lesson)
    assert (r["status"], r["total"]) == ("ok", "0")
    text = feedback(graded, "untouched")
    for ex in registry.for_notebook(lesson):  # in the words of the progress table
        said = "not fixed yet: the bug it was handed out with is still" if ex.handed_out else "not attempted"
        assert f"{ex.id} {ex.title}** (0/{ex.points}): {said}" in text


def test_partial_points_are_exact(graded):
    r = row(graded, "partial")
    assert [r[i] for i in ("1.1", "1.2", "1.3", "1.4", "total")] == ["2", "0", "0", "3", "5"]
    r = row(graded, "partial", "04")
    assert [r[i] for i in ("4.1", "4.2", "4.3", "4.4", "4.5", "total")] == ["1", "2", "0", "2", "0", "5"]


def test_feedback_names_the_same_mistakes_as_the_notebook_checks(graded):
    space = {}
    exec("import torch\n" + OVERFLOWING_SOFTMAX, space)
    in_notebook = checks.evaluate("1.2", space["stable_softmax"])
    text = feedback(graded, "partial")
    assert in_notebook.mistake == "overflow"
    assert " ".join(in_notebook.message.split()) in text
    assert "q and k are swapped" in text
    assert "not attempted" in text  # 4.3
    assert "def " not in text and "reference" not in text.lower()  # no test or reference code


@pytest.mark.parametrize(
    "student",
    [
        "patch_allclose",
        "patch_helpers",
        "always_equal",
        "tensor_subclass",
        "prints_passed",
        "fake_results",
        "reads_reference",
    ],
)
def test_cheats_earn_nothing(graded, student):
    r = row(graded, student)
    assert (r["status"], r["total"]) == ("ok", "0"), feedback(graded, student)


def test_student_code_runs_alone_with_one_thread_and_no_network(graded):
    assert not graded["reached"]
    assert row(graded, "environment_probe")["total"] == "2", feedback(graded, "environment_probe")


def test_nothing_outside_the_sandbox_changed(graded):
    tmp = graded["tmp"]
    after = digest(tmp)
    written = {k for k in after if k.startswith("out/") and k != "out/keep.txt"}
    assert {k: v for k, v in after.items() if k not in written} == graded["before"]
    assert (tmp / "sentinel.txt").read_text() == "untouched"
    for target in ("tmp", "home"):
        assert not os.path.exists(graded["targets"][target])
    assert "fake" not in (graded["out"] / "grades.csv").read_text().replace("fake_results,", "")


@pytest.mark.parametrize(
    "student, status, total, words",
    [
        ("infinite_loop", "timeout", "2", f"Grading stopped after {TIMEOUT} s in cell"),
        ("loop_catching_interrupt", "timeout", "2", "(`import time`): is there a loop that never ends?"),
        ("fork_loop", "timeout", "2", "loop that never ends"),
        ("huge_allocation", "memory", "5", "memory limit"),
        ("huge_output", "ok", "2", "Your notebook printed more than 1,000,000 characters"),
        ("sys_exit", "ok", "2", "raised SystemExit: 3 (line 2); grading went on"),
        ("os_exit", "crashed", "2", "ended the grading process"),
        ("floods_the_result_pipe", "crashed", "2", "sent back more than the grader reads"),
    ],
)
def test_resource_abuse_is_contained_and_reported(graded, student, status, total, words):
    r = row(graded, student)
    text = feedback(graded, student)
    assert (r["status"], r["total"]) == (status, total), text
    assert words in text
    if status in ("timeout", "crashed"):
        assert "(0/3): not graded, because grading stopped before it (see above)" in text


def test_no_sandbox_process_outlives_the_grader(graded):
    """No process of the sandbox's users started by this checkout's grader is left (other
    checkouts' graders on a shared machine run as the same users, and are not counted)."""
    assert sandboxed_processes() == []


@pytest.mark.parametrize(
    "student, notebook_column, status, total, words",
    [
        ("malformed", "01", "unreadable", "0", "malformed JSON"),  # named by its file name
        ("empty", "01", "unreadable", "0", "the file is empty"),
        ("other_course", "homework.ipynb", "unknown-notebook", "0", "not one of the course's notebooks"),
        ("deleted_cells", "01", "ok", "7", "no simple_self_attention was defined"),
        ("duplicated_reordered", "01", "ok", "10", ""),
        ("split_exercise", "01", "ok", "10", ""),
        ("code_turned_markdown", "01", "ok", "8", "is a Markdown cell now"),
        (
            "exception_before_answer",
            "01",
            "ok",
            "7",
            "raised NameError: name 'undefined_name'",
        ),  # as in a kernel: the cell stops
        ("reuses_name", "01", "ok", "10", ""),
        ("warnings", "01", "ok", "10", ""),
    ],
)
def test_damage_is_survived(graded, student, notebook_column, status, total, words):
    r = row(graded, student, notebook_column)
    assert (r["status"], r["total"]) == (status, total), feedback(graded, student)
    assert words in feedback(graded, student)


def test_instructor_cases_are_graded_too(graded):
    r = row(graded, "passes_public_cases", "05")
    assert (r["status"], r["5.1"]) == ("ok", "0")
    assert "5.1 Read the heatmap: the ideal pattern** (0/1): failed on a sequence of 100 tokens" in feedback(
        graded, "passes_public_cases"
    )


def test_every_student_and_notebook_has_a_row(graded):
    students = {p.name for p in graded["subs"].iterdir() if p.is_dir()}
    assert {s for s, _ in graded["rows"]} == students
    assert row(graded, "partial", "02")["status"] == "missing"  # handed in by others, not by this student
    assert "skipped sentinel.txt" in graded["run"].stdout


def test_results_do_not_depend_on_jobs_or_reruns(graded, tmp_path):
    subset = [
        "partial",
        "passes_public_cases",
        "duplicated_reordered",
        "huge_output",
        "os_exit",
        "reads_reference",
        "malformed",
    ]
    subs = tmp_path / "submissions"
    for student in subset:
        shutil.copytree(graded["subs"] / student, subs / student)
    run = grade(subs, tmp_path / "out", "-j", "1", "--tests", str(graded["tests"]))
    assert run.returncode == 0, run.stderr[-3000:]
    again = rows(tmp_path / "out")  # its columns: the lessons this subset handed in
    assert set(again) == {key for key in graded["rows"] if key[0] in subset and key[1] in ("01", "04", "05", L01)}
    for key, value in again.items():
        assert value == {column: graded["rows"][key][column] for column in value}, key
    for student in subset:  # the same page, less the lessons only the whole class handed in
        sections = (tmp_path / "out" / "feedback" / f"{student}.md").read_text().split("\n## ")
        assert set(sections) <= set((graded["out"] / "feedback" / f"{student}.md").read_text().split("\n## "))
        assert len(sections) > 1


def test_without_isolation_it_warns_loudly_and_the_cheat_would_work(graded, tmp_path):
    """The same reads_reference notebook earns its points when nothing hides the course:
    the isolation is what stops it, and the grader says when it is missing."""
    subs = tmp_path / "submissions"
    for student in ("reads_reference", "sys_exit", "passes_public_cases", "environment_probe"):
        shutil.copytree(graded["subs"] / student, subs / student)
    run = grade(subs, tmp_path / "out", "--isolation", "none")
    assert run.returncode == 0, run.stderr[-3000:]
    assert "NO ISOLATION" in run.stderr and "Isolation: NONE" in run.stdout
    got = rows(tmp_path / "out")
    assert got[("reads_reference", "01")]["1.2"] == "3"
    assert got[("passes_public_cases", "05")]["5.1"] == "1"  # without the instructor's case
    assert got[("environment_probe", "01")]["total"] == "0"  # the probe notices: it reaches the network
    isolated = row(graded, "sys_exit")
    assert {k: v for k, v in got[("sys_exit", "01")].items()} == {k: isolated[k] for k in got[("sys_exit", "01")]}
