"""The grader's parts, in-process: what the child is given, how submissions are read and
recognised, the plain-array protocol, instructor cases, arguments and output files."""

from __future__ import annotations

import ast
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from helpers import attention, grade, running
from helpers import exercises as registry
from helpers.grader import jobs, judge_notebook, outputs, protocol, submissions, workers
from tests.grading import ROOT, sandboxed_processes

EXAMPLE_TESTS = grade.EPILOG.split("# DIR/softmax.py\n", 1)[1].split("\n\nA file", 1)[0]


CHILD_SIDE = (
    "running/__init__.py",
    "running/core.py",
    "running/decoding.py",
    "running/probes.py",
    "running/evidence.py",
    "running/wire.py",
    "running/panels.py",
    "running/dropout.py",
    "grader/__init__.py",
    "grader/launch.py",
    "grader/worker.py",
    "grader/run_notebook.py",
    "grader/isolation.py",
    "grader/processes.py",
    "grader/protocol.py",
)


@pytest.mark.parametrize("name", CHILD_SIDE)
def test_the_child_side_never_imports_the_package(name):
    """What the worker loads (launch.py) imports nothing from `helpers`, which holds the
    references, and, inside the grader's package, only the other files it loads."""
    tree = ast.parse((ROOT / "helpers" / name).read_text())
    imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.level]
    relative = [
        a.name if n.module is None else n.module
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.level
        for a in n.names
    ]
    assert not [m for m in imported if m.split(".")[0] == "helpers"], name
    folder = name.rsplit("/", 1)[0]
    assert {f"{folder}/{m}.py" for m in relative} <= set(CHILD_SIDE), name


@pytest.mark.parametrize("lesson", list(registry.LESSONS))
def test_a_lesson_gets_what_its_notebook_imports_and_none_of_its_answers(lesson):
    nb = json.loads((ROOT / "notebooks" / f"{registry.NOTEBOOK_FILES[lesson]}.ipynb").read_text())
    imported = set()
    for cell in nb["cells"]:
        for names in re.findall(r"from helpers\.attention import ([\w, ]+)", "".join(cell["source"])):
            imported |= {n.strip() for n in names.split(",")}
    assert imported <= set(registry.PROVIDED[lesson])
    source = jobs.provided_source(registry.PROVIDED[lesson])
    space: dict = {}
    exec(compile(source, "<provided>", "exec"), space)
    for name in registry.PROVIDED[lesson]:
        assert name in space
    answers = {ex.reference.__name__ for ex in registry.for_notebook(lesson)}
    assert not answers & set(space), f"lesson {lesson}'s child would hold its own answers"


def test_provided_source_follows_what_a_definition_uses():
    space: dict = {}
    exec(jobs.provided_source(("BagOfTokens",)), space)
    assert {"BagOfTokens", "MultiHeadAttention", "split_heads", "merge_heads", "masked_softmax"} <= set(space)
    assert "ReversalModel" not in space and "to_torch_mha" not in space
    torch.manual_seed(0)
    theirs = space["BagOfTokens"](10, 5, 8, 2)
    torch.manual_seed(0)
    ours = attention.BagOfTokens(10, 5, 8, 2)
    tokens = torch.randint(0, 10, (2, 5))
    torch.testing.assert_close(theirs(tokens), ours(tokens))


def test_the_course_notebook_files_are_the_registry_s():
    assert sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb")) == sorted(registry.NOTEBOOK_FILES.values())


def nb_file(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    return path


def plain(cells, metadata=None) -> dict:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": metadata or {},
        "cells": [{"cell_type": "code", "metadata": {}, "source": s, "outputs": []} for s in cells],
    }


@pytest.mark.parametrize(
    "name, nb, lesson",
    [
        ("anything.ipynb", plain(["x = 1"], {"course": {"notebook": "03"}}), "03"),
        ("alice 04-many-heads (1).ipynb", plain(["x = 1"]), "04"),
        ("Attention_Is_A_Weighted_Sum.ipynb", plain(["x = 1"]), "01"),
        ("renamed.ipynb", plain(["# Exercise 2.2\nclass MySelfAttention: pass", "# Exercise 2.4\n"]), "02"),
        ("01-intro.ipynb", plain(["print('another course')"]), None),
        ("mixed.ipynb", plain(["# Exercise 1.1\n", "# Exercise 2.2\n"]), None),
    ],
)
def test_course_notebooks_are_recognised(tmp_path, name, nb, lesson):
    assert submissions.read_submission("s", nb_file(tmp_path, name, nb)).notebook == lesson


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\xff\xfe", "got a binary file"),
        (b'{"cells": [', "got malformed JSON"),
        (b"[1, 2]", "got a JSON list"),
        (b'{"metadata": {}}', "got a JSON dict without a list of cells"),
        (
            json.dumps({"nbformat": 3, "worksheets": [], "cells": []}).encode(),
            "expected a version 4 notebook, got version 3",
        ),
    ],
)
def test_unreadable_files_say_what_was_expected_and_got(tmp_path, content, words):
    sub = submissions.read_submission("s", nb_file(tmp_path, "x.ipynb", content))
    assert words in sub.problem and sub.notebook is None


def test_cells_keep_their_numbers_and_exercise_ids(tmp_path):
    nb = plain(["import torch", "# Exercise 1.2 — softmax\ndef stable_softmax(s): ...", "y = 2"])
    nb["cells"].insert(1, {"cell_type": "markdown", "metadata": {}, "source": ["Some ", "text"]})
    nb["cells"][3]["metadata"] = {"course": {"exercise": "1.4"}}
    cells = submissions.read_submission("s", nb_file(tmp_path, "a.ipynb", nb)).cells
    assert [(c["index"], c["type"], c["exercise"]) for c in cells] == [
        (1, "code", None),
        (2, "markdown", None),
        (3, "code", "1.2"),
        (4, "code", "1.4"),
    ]
    assert cells[1]["source"] == "Some text"


@pytest.mark.parametrize(
    "tensor",
    [
        torch.tensor([[1.5, float("nan")], [float("inf"), -0.0]]),
        torch.tensor([True, False, True]),
        torch.arange(6, dtype=torch.int64).reshape(2, 3),
        torch.randn(3, 4, dtype=torch.float64),
        torch.randn(2, 2).to(torch.bfloat16),
        torch.zeros(0, 5),
        torch.tensor(3.25),
        torch.randn(4, 3).T,  # not contiguous
    ],
)
def test_tensors_travel_as_exact_plain_arrays(tensor):
    wire = json.loads(json.dumps(running.encode_tensor(tensor)))
    back = running.decode_tensor(wire)
    assert back.dtype == tensor.dtype and back.shape == tensor.shape
    assert torch.equal(back.view(-1).view(torch.uint8), tensor.contiguous().view(-1).view(torch.uint8))


@pytest.mark.parametrize(
    "wire, words",
    [
        ({"tensor": "complex64", "shape": [1], "data": ""}, "unknown dtype complex64"),
        ({"tensor": "float32", "shape": [2], "data": "AAAA"}, "3 bytes for shape [2] of float32, expected 8"),
        ({"tensor": "float32", "shape": [-1], "data": ""}, "bad shape"),
        ({"tensor": "float32", "shape": [1 << 20, 1 << 20], "data": ""}, "more than the"),
        ({"tensor": "float32", "shape": [1], "data": "!!!!"}, "bad tensor data"),
        ({"tensor": "float32", "shape": [1], "data": "", "code": "import os"}, "expected an encoded tensor"),
        ("__import__('os')", "expected an encoded tensor"),
    ],
)
def test_the_parent_refuses_anything_but_plain_arrays(wire, words):
    with pytest.raises(running.DecodeError, match=re.escape(words)):
        running.decode_tensor(wire)


def test_an_outcome_from_the_child_is_checked_field_by_field():
    good = running.encode_outcome(
        running.Outcome(
            output=torch.ones(2),
            returned_type="Tensor",
            inputs_changed=(False,),
            warnings=("w",),
            source="def f(): ...",
        )
    )
    assert torch.equal(running.decode_outcome(json.loads(json.dumps(good))).output, torch.ones(2))
    for key, bad in (("inputs_changed", "yes"), ("warnings", [1]), ("error", 3), ("source", None)):
        with pytest.raises(running.DecodeError, match=key):
            running.decode_outcome(dict(good, **{key: bad}))
    assert running.decode_outcome(dict(good, not_implemented="true")).not_implemented is False


def test_an_output_that_cannot_travel_becomes_an_error():
    out = running.encode_outcome(running.Outcome(output=torch.ones(2, dtype=torch.complex64), returned_type="Tensor"))
    assert out["output"] is None and "your code returned a tensor of torch.complex64" in out["error"]


def write_tests(folder: Path, source: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "cases.py").write_text(source)
    return folder


def test_the_documented_instructor_example_loads(tmp_path):
    example = "\n".join(line[2:] for line in EXAMPLE_TESTS.splitlines())
    extra = jobs.load_tests(write_tests(tmp_path / "tests", example))
    assert [c.label for c in extra["1.2"]] == ["one row of equal large scores"]
    assert [c.inputs for c in extra["3.1"]] == [(9,)]
    cases = jobs.cases_for(registry.get("3.1"), 5, extra)
    assert cases[-1].label == "a causal mask for T=9"
    assert len(cases) == 2 * len(registry.get("3.1").make_cases(torch.Generator().manual_seed(0))) + 1


@pytest.mark.parametrize(
    "source, words",
    [
        ("CASES = {'9.9': []}", "no exercise '9.9'; the course has 1.1"),
        ("CASES = [1]", "expected CASES = {exercise id: [Case, ...]}, got list"),
        ("CASES = {'1.2': [1]}", "CASES['1.2'] should be a list of Case"),
        (
            "from helpers.exercises import Case\nimport torch\nCASES = {'1.1': [Case('three numbers', (torch.ones(3),))]}",
            "the reference pairwise_scores cannot run case 'three numbers' of 1.1",
        ),
        ("raise ValueError('typo')", "could not run it: ValueError: typo"),
    ],
)
def test_bad_instructor_cases_are_refused_before_grading(tmp_path, source, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        jobs.load_tests(write_tests(tmp_path / "tests", source))


def test_bad_arguments_say_what_was_expected(tmp_path, capsys):
    (tmp_path / "subs").mkdir()
    for argv, words in (
        ([str(tmp_path / "nope"), "--out", "o"], "SUBMISSIONS should be a folder"),
        ([str(tmp_path / "subs"), "--out", str(tmp_path / "subs" / "out")], "--out must be outside"),
        ([str(tmp_path / "subs"), "--out", "o", "-j", "0"], "expected -j >= 1"),
        ([str(tmp_path / "subs"), "--out", "/proc/grades"], "--out should be a folder this user can write"),
    ):
        with pytest.raises(SystemExit) as stop:
            grade.parse_args(argv)
        assert stop.value.code == 2 and words in capsys.readouterr().err


def test_help_explains_statuses_tests_and_an_example(capsys):
    with pytest.raises(SystemExit):
        grade.parse_args(["--help"])
    text = capsys.readouterr().out
    for words in (
        "example:",
        "python -m helpers.grade submissions/ --out grades/",
        *protocol.STATUSES,
        "--tests",
        "CASES",
        "exit status",
    ):
        assert words in text


def test_output_files_are_written_whole_or_not_at_all(tmp_path, monkeypatch):
    path = tmp_path / "grades.csv"
    outputs.write_atomically(path, "old\n")

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        outputs.write_atomically(path, "new\n")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


def test_limits_give_the_cpu_limit_in_whole_seconds():
    job = protocol.Limits(wall=2.5, memory_mb=100).as_job()
    assert job["cpu"] == math.ceil(2.5) and job["memory"] == 100 << 20


def test_forged_messages_from_a_child_change_nothing_but_its_own_row(tmp_path):
    sub = submissions.read_submission(
        "mallory", nb_file(tmp_path, "m.ipynb", plain(["x = 1"], {"course": {"notebook": "05"}}))
    )
    cases = {ex.id: jobs.cases_for(ex, 1, {}) for ex in registry.EXERCISES.values()}
    junk = [
        {"exercise": ["5.1"], "kind": "function"},
        {"exercise": "5.1", "case": 0, "outcome": {"output": "x"}},
        {"exercise": "5.1", "kind": "function"},
        {"exercise": "5.1", "case": 10**9, "outcome": None},
        {"exercise": "5.1", "case": 0, "outcome": {"output": {"tensor": "float32", "shape": [1], "data": ""}}},
        {"exercise": "9.9", "kind": "class"},
        {"cell": "one"},
        {"end": "yes"},
        [1, 2],
        "text",
    ]
    run = {
        "messages": "\n".join(json.dumps(m) for m in junk) + "\nnot json\n",
        "exit": 0,
        "signal": None,
        "timed_out": False,
        "overflow": False,
        "cpu": 0.1,
        "wall": 0.1,
        "finished": False,
    }
    graded = judge_notebook.Judging(sub, cases, protocol.Limits()).result(run)
    assert graded.status == protocol.CRASHED and graded.total == 0  # no real "end": it did not finish
    by_id = {r.exercise.id: r for r in graded.results}
    assert by_id["5.1"].mistake == "unreadable-result"
    assert by_id["5.3"].mistake == "not-graded"


def test_a_worker_that_fails_costs_one_row_and_is_replaced(tmp_path, monkeypatch):
    subs = tmp_path / "subs"
    for student in ("ann", "ben"):
        (subs / student).mkdir(parents=True)
        (subs / student / "01.ipynb").write_text(json.dumps(plain(["x = 1"], {"course": {"notebook": "01"}})))
    real_run, calls = workers.Slot.run, []

    def flaky(self, job, answer):
        calls.append(self)
        if len(calls) == 1:
            raise RuntimeError("the grading worker stopped (exit status -9)")
        return real_run(self, job, answer)

    monkeypatch.setattr(workers.Slot, "run", flaky)
    assert grade.main([str(subs), "--out", str(tmp_path / "out"), "--seed", "1"]) == 0
    text = (tmp_path / "out" / "grades.csv").read_text()
    assert "ann,01,crashed" in text and "ben,01,ok" in text
    assert calls[0] is not calls[1]


def test_a_check_the_grader_cannot_judge_costs_one_row_and_leaves_no_process(tmp_path, monkeypatch):
    """A lesson module whose reference the grader could not hand down made answer() raise in
    the parent: the whole command stopped with a traceback, no grades.csv, and the sandboxed
    child it was answering ran on after it (a change of user had cleared its parent-death
    signal)."""
    subs = tmp_path / "subs"
    for student in ("ann", "ben"):
        (subs / student).mkdir(parents=True)
    wrong = json.loads((ROOT / "notebooks" / "01-attention-is-a-weighted-sum.ipynb").read_text())
    (subs / "ann" / "01.ipynb").write_text(json.dumps(wrong))  # untouched: its checks ask for the course's version
    (subs / "ben" / "01.ipynb").write_text(json.dumps(plain(["x = 1"], {"course": {"notebook": "01"}})))
    real_answer = judge_notebook.Judging.answer

    def broken(self, exercise_id, messages):
        if self.sub.student == "ann":
            raise KeyError("helpers/attention.py defines no such function")
        return real_answer(self, exercise_id, messages)

    monkeypatch.setattr(judge_notebook.Judging, "answer", broken)
    assert grade.main([str(subs), "--out", str(tmp_path / "out"), "--seed", "1", "-j", "2"]) == 0
    text = (tmp_path / "out" / "grades.csv").read_text()
    assert "ann,01,crashed" in text and "ben,01,ok" in text
    assert "The grader failed on this notebook (KeyError" in (tmp_path / "out" / "feedback" / "ann.md").read_text()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and sandboxed_processes():
        time.sleep(0.1)
    assert sandboxed_processes() == []


def test_the_source_of_a_class_defined_in_a_cell_is_read_from_its_methods():
    """inspect cannot read a class from a notebook cell (its module has no file); the checks
    that recognise a mistake by its code (.T on a batch, .double()) need it all the same."""
    import linecache

    source = (
        "class Head(torch.nn.Module):\n    def __init__(self, d):\n        super().__init__()\n"
        "        self.k = torch.nn.Linear(d, d)\n\n    def forward(self, X):\n        return X @ self.k(X).T\n"
    )
    linecache.cache["<cell 7>"] = (len(source), None, source.splitlines(True), "<cell 7>")
    space = {"torch": torch, "__name__": "__main__"}
    exec(compile(source, "<cell 7>", "exec"), space)
    found = running.core._source_of(space["Head"])
    assert "return X @ self.k(X).T" in found and "self.k = torch.nn.Linear(d, d)" in found


def test_refused_instructor_cases_stop_the_command_in_one_line(tmp_path):
    """The cases are read while the workers start; refusing them closed the workers' pipes,
    and a worker printed a BrokenPipeError traceback under the one-line error."""
    subs = tmp_path / "subs"
    (subs / "ann").mkdir(parents=True)
    (subs / "ann" / "01.ipynb").write_text(json.dumps(plain(["x = 1"], {"course": {"notebook": "01"}})))
    tests = write_tests(tmp_path / "tests", "CASES = {'9.9': []}")
    run = subprocess.run(
        [sys.executable, "-m", "helpers.grade", str(subs), "--out", str(tmp_path / "out"), "--tests", str(tests)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"error: {tests / 'cases.py'}: no exercise '9.9'; the course has " + ", ".join(registry.EXERCISES)
    ]


def test_escaped_names_stay_distinct_and_can_be_read_back():
    names = ["=x", "'=x", "''=x", "+1", "alice", "'quoted'", "-", "@a"]
    cells = [outputs.spreadsheet_text(n) for n in names]
    assert len(set(cells)) == len(names)
    assert all(not c.startswith(("=", "+", "-", "@")) for c in cells)
    assert [c[1:] if c != n else c for c, n in zip(cells, names)] == names  # one apostrophe added, at most


def test_two_folders_whose_names_print_alike_stay_two_students(tmp_path):
    """A folder "caf" + the byte 0xE9 (not UTF-8) and a folder named "caf\\xe9" both printed
    as caf\\xe9: one student's rows vanished into the other's, with no word said."""
    root = tmp_path / "subs"
    root.mkdir()
    nb = json.dumps(plain(["x = 1"], {"course": {"notebook": "01"}})).encode()
    for name in (b"caf\xe9", b"caf\\xe9"):
        os.mkdir(os.path.join(bytes(root), name))
        with open(os.path.join(bytes(root), name, b"01.ipynb"), "wb") as f:
            f.write(nb)
    found, empty, notes = submissions.find_submissions(root)
    assert sorted(s.student for s in found) == ["caf\\\\xe9", "caf\\xe9"] and not empty and not notes


def test_a_notebook_in_a_hidden_subfolder_is_graded(tmp_path):
    """Only Jupyter's .ipynb_checkpoints are left out: a student's own .work/ folder is theirs."""
    nb = json.dumps(plain(["x = 1"], {"course": {"notebook": "01"}}))
    for folder in (".work", ".ipynb_checkpoints"):
        (tmp_path / "subs" / "hank" / folder).mkdir(parents=True)
        (tmp_path / "subs" / "hank" / folder / "01-attention-is-a-weighted-sum.ipynb").write_text(nb)
    found, empty, _ = submissions.find_submissions(tmp_path / "subs")
    assert [(s.student, s.name, s.notebook) for s in found] == [
        ("hank", ".work/01-attention-is-a-weighted-sum.ipynb", "01")
    ]
    assert not empty


def test_the_parent_keeps_no_cells_until_a_notebook_runs_and_notices_a_change(tmp_path):
    """A class's code is not held while it is graded (the parent's memory stays flat with
    the class's size): cells are read again when a notebook runs, and must be the same."""
    nb = json.dumps(plain(["x = 1", "# Exercise 1.1\ndef pairwise_scores(X):\n    return X @ X.T"]))
    for student in ("ann", "ben"):
        (tmp_path / "subs" / student).mkdir(parents=True)
        (tmp_path / "subs" / student / "01-attention-is-a-weighted-sum.ipynb").write_text(nb)
    found, _, _ = submissions.find_submissions(tmp_path / "subs", keep_cells=False)
    assert [s.cells for s in found] == [[], []] and [s.notebook for s in found] == ["01", "01"]
    ann, ben = found
    assert submissions.cells_for_run(ann) == submissions.read_submission("ann", ann.path, ann.name).cells
    ben.path.write_text(nb.replace("x = 1", "x = 2"))
    said = submissions.cells_for_run(ben)
    assert isinstance(said, str) and "changed while the class was being graded" in said
