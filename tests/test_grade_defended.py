"""helpers.grade against what an outside attempt at it found: grades that differed from
what the notebook showed, false credit, leaks, and files that stopped the whole class.

Every case goes through the real command with real sandboxed workers. The class is
graded twice, with -j 2 and -j 1, and the two must agree byte for byte."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import exercises as registry
from helpers import grade as grade_command
from helpers.grader.isolation import UID_BASE
from helpers.grader.outputs import page_name
from tests.grading import ROOT, answer, index_of, insert_after, notebook, save
from tests.test_grade import rows

# Whole classes graded by the real command, under attack: among the slowest tests, so behind
# the `slow` marker, which the README's test command and .ci/run run second.
pytestmark = pytest.mark.slow

SEED = 11
SECRET = "grader-secret-4b1d"  # an environment variable of the grader's that no child may see
FILES = {lesson: f"{stem}.ipynb" for lesson, stem in registry.NOTEBOOK_FILES.items()}
LONG_NAME = "s" * 245
FORMULA_NAMES = ["=HYPERLINK(1)", "+1+1", "-2+3", "@SUM(A1)"]

# The results pipe and the answers pipe of the grading child, as helpers/grader/worker.py sets them up:
# what a student who read the grader would write to.
FORGED_44 = """import base64, json, os, struct
def _line(message):
    os.write(3, (json.dumps(message) + "\\n").encode())
_verdicts = base64.b64encode(struct.pack("4f", 1.0, 0.0, 1.0, 0.0)).decode()
_line({"exercise": "4.4", "via": "check", "kind": "function"})
for _case in range(40):
    _line({"exercise": "4.4", "case": _case, "outcome": {"returned_type": "Tensor", "error": None,
           "not_implemented": False, "inputs_changed": [], "warnings": [], "source": "",
           "output": {"tensor": "float32", "shape": [4], "data": _verdicts}}})
"""

FORGED_ASK = """import json, os
def split_heads(x, num_heads):
    B, T, D = x.shape
    return x.view(B, num_heads, T, D // num_heads)
for _exercise in ("4.1", "4.3", "4.5"):  # the course's version of 4.1 itself, or inside a later answer
    os.write(3, ('{"ask": "%s"}\\n' % _exercise).encode())
    _reply = b""
    while not _reply.endswith(b"\\n"):
        _reply += os.read(4, 1)
    if "source" in json.loads(_reply):
        _space = {}
        exec(json.loads(_reply)["source"], _space)
        split_heads = _space.get("split_heads", split_heads)
"""

FORGED_END = 'import os\nos.write(3, b\'{"end": true, "printed": 0}\\n\')\nos._exit(0)'

HARNESS_PATCH = """import gc, types
def _patch():
    for thing in gc.get_objects():
        if isinstance(thing, types.ModuleType) and thing.__name__ == "course_running":
            real = thing.run_case
            def run_case(spec, candidate, case):
                if spec.name == "stable_softmax":
                    return thing.Outcome(output=torch.softmax(case.inputs[0], -1), returned_type="Tensor",
                                         inputs_changed=(False,))
                return real(spec, candidate, case)
            thing.run_case = run_case
_patch()
"""

ASK_FLOOD = """import os
os.write(3, b'{"pad": "' + b'x' * 4_000_000 + b'"}\\n')
os.write(3, b'{"ask": "1.2"}\\n' * 20_000 + b'{"ask": ""}\\n' * 20_000)
"""

NESTED_LINE = "import os\nos.write(3, b'[' * 100_000 + b']' * 100_000 + b'\\n')"

SHARED_MEMORY = """import ctypes, ctypes.util
_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
_libc.shmget.restype = ctypes.c_int
_libc.shmat.restype = ctypes.c_void_p
_left_over = _libc.shmget(0x5EC2E7, 0, 0)  # a segment another notebook left behind, if any could
_mine = _libc.shmget(0x5EC2E7, 1 << 20, 0o1666)  # IPC_CREAT | 0o666
_address = _libc.shmat(_mine, None, 0)
ctypes.memset(_address, 7, 1 << 20)
_libc.shmdt(ctypes.c_void_p(_address))
def pairwise_scores(X):
    return X @ X.T if _left_over == -1 else X
"""

WRONG_SOFTMAX = "def stable_softmax(scores):\n    e = scores.exp()\n    return e / e.sum(dim=-1, keepdim=True)\n"

WRONG_MASKED_SOFTMAX = """def masked_softmax(scores, mask):
    return torch.softmax(scores, dim=-1)
"""

ALTERNATING_TEST = """calls = [0]
def sentences_independent(attention, X):
    calls[0] += 1
    return calls[0] % 2 == 1
"""

PROBE = f"""import os
def _visible():
    seen = dict(os.environ)
    for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
        for part in ("environ", "cmdline"):
            try:
                seen[name + part] = open(f"/proc/{{name}}/{{part}}", "rb").read().decode(errors="replace")
            except OSError:
                pass
    return " ".join(f"{{k}}={{v}}" for k, v in seen.items())
_seen = _visible()
_clean = "{SECRET}" not in _seen and "helpers.grade" not in _seen and "GRADER" not in _seen
def pairwise_scores(X):
    return X @ X.T if _clean else X
"""


def with_magics() -> dict:
    """Lesson 01, all right, with IPython syntax a kernel accepts in the answer cells."""
    nb = notebook("01", solved="all")
    at = {ex: index_of(nb, ex) for ex in ("1.2", "1.3", "1.4")}
    nb["cells"][at["1.2"]]["source"] = answer("01", "1.2") + "\nif True:\n    %time stable_softmax(torch.randn(3, 4))\n"
    nb["cells"][at["1.3"]]["source"] = answer("01", "1.3") + "\nattention_weights?\n!echo done\n"
    nb["cells"][at["1.4"]]["source"] = (
        answer("01", "1.4") + "\ntiming = %timeit -o -n 1 -r 1 simple_self_attention(torch.randn(2, 3, 4))\n"
    )
    return insert_after(nb, at["1.4"] - 1, "%%time\nhelper_defined_in_a_cell_magic = 1\n")


def in_other_forms(lesson: str) -> dict[str, bytes | dict]:
    """The right answers of a lesson as they arrive from other editors and machines."""
    right = notebook(lesson, solved="all")
    colab = copy.deepcopy(right)
    colab["metadata"] = {
        "colab": {"provenance": [], "name": "Copy of lesson.ipynb"},
        "accelerator": "GPU",
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
    }
    for cell in colab["cells"]:
        cell["source"] = "".join(cell["source"]).splitlines(keepends=True)  # Colab saves lists of lines
    vscode = copy.deepcopy(right)
    vscode["metadata"]["vscode"] = {"interpreter": {"hash": "0" * 64}}
    crlf = json.dumps(right, indent=1).replace("\n", "\r\n").replace("\\n", "\\r\\n")
    master = (ROOT / "solutions" / FILES[lesson]).read_bytes()  # the answers, with saved outputs
    return {"colab": colab, "vscode": vscode, "bom_crlf": b"\xef\xbb\xbf" + crlf.encode(), "with_outputs": master}


def build_class(subs: Path, outside: Path) -> None:
    for lesson in ("01", "03", "04"):
        save(subs, "full", FILES[lesson], notebook(lesson, solved="all"))

    # One mistake costs its own points only: the cells below got the course's version.
    save(subs, "wrong_split", FILES["04"], notebook("04", solved=["4.2", "4.3", "4.4", "4.5"]))
    save(
        subs,
        "wrong_masked_softmax",
        FILES["03"],
        notebook("03", solved=["3.1", "3.2", "3.4", "3.5"], answers={"3.3": WRONG_MASKED_SOFTMAX}),
    )

    # False credit.
    save(subs, "alternating_test", FILES["04"], notebook("04", solved="all", answers={"4.4": ALTERNATING_TEST}))
    nb = notebook("04", solved=["4.1", "4.2", "4.3", "4.5"])
    save(subs, "forged_line", FILES["04"], insert_after(nb, index_of(nb, "4.4", check=True) - 1, FORGED_44))
    nb = notebook("04", solved=["4.2", "4.3", "4.5"])
    nb["cells"][index_of(nb, "4.1")]["source"] = "# Exercise 4.1\n" + FORGED_ASK
    save(subs, "forged_question", FILES["04"], nb)
    nb = notebook("01", solved="all")
    save(subs, "forged_end", FILES["01"], insert_after(nb, index_of(nb, "1.1", check=True), FORGED_END))
    solution = ROOT / "solutions" / FILES["01"]
    (subs / "linked_solution").mkdir()
    (subs / "linked_solution" / FILES["01"]).symlink_to(solution)
    (subs / "linked_folder").symlink_to(subs / "full", target_is_directory=True)
    save(outside, "elsewhere", FILES["01"], notebook("01", solved="all"))
    (subs / "linked_outside").mkdir()
    (subs / "linked_outside" / "mine.ipynb").symlink_to(outside / "elsewhere" / FILES["01"])

    # Leaks: the grader's environment and command line.
    save(subs, "probe", FILES["01"], notebook("01", answers={"1.1": PROBE}))

    # Files that once stopped the class, and students who once got no row.
    save(subs, "nested", FILES["01"], "[" * 200_000 + "]" * 200_000)
    huge = subs / "huge" / FILES["01"]
    huge.parent.mkdir()
    with open(huge, "wb") as f:
        f.truncate(10 << 30)  # 10 GB, sparse: reading it whole would run out of memory
    save(subs, LONG_NAME, FILES["01"], notebook("01", solved=["1.1"]))
    for name in FORMULA_NAMES:
        save(subs, name, FILES["01"], notebook("01", solved=["1.1"]))
    save(subs, "in_a_subfolder", f"week 1/{FILES['01']}", notebook("01", solved="all"))
    save(subs, "upper_case", "LESSON01.IPYNB", notebook("01", solved="all"))
    save(subs, "no_notebook", "notes.txt", "my answers are on paper")

    # Grades that once differed from what the notebook's check cells showed in a kernel.
    nb = notebook("01", solved="all")
    nb["cells"][index_of(nb, "1.2")]["source"] = answer("01", "1.2").replace(
        "def stable_softmax(scores)", "def stable_softmax(scores: Tensor) -> Tensor"
    )  # Tensor is not imported
    save(subs, "unimported_annotation", FILES["01"], nb)
    nb = notebook("04", solved="all")
    save(
        subs,
        "checked_twice",
        FILES["04"],
        insert_after(
            nb,
            index_of(nb, "4.1", check=True),
            (
                "def split_heads(x, num_heads):\n    return x.reshape(x.shape[0], num_heads, x.shape[1], -1)\n"
                "split_heads = check('4.1', split_heads)"
            ),
        ),
    )
    nb = notebook("04", solved=["4.2", "4.3", "4.4", "4.5"])
    check_cell = nb["cells"].pop(index_of(nb, "4.1", check=True))
    nb["cells"].insert(index_of(nb, "4.2") + 1, check_cell)  # below the next exercise's cell
    save(subs, "moved_check_cell", FILES["04"], nb)
    nb = notebook("04", solved=["4.2", "4.3", "4.4", "4.5"])
    save(subs, "imports_from_checks", FILES["04"], insert_after(nb, 0, "from helpers.checks import check, progress"))
    nb = notebook("01", solved="all")
    at = index_of(nb, "1.2")
    nb["cells"][at]["source"] = "%%writefile my_softmax.py\nimport torch\n" + answer("01", "1.2")
    save(subs, "writes_a_module", FILES["01"], insert_after(nb, at, "from my_softmax import stable_softmax"))

    # The grader's own code and pipes, used against it.
    nb = notebook("01", solved=["1.1", "1.3", "1.4"], answers={"1.2": WRONG_SOFTMAX})
    save(subs, "patches_the_harness", FILES["01"], insert_after(nb, index_of(nb, "1.2"), HARNESS_PATCH))
    nb = notebook("01", solved="all")
    save(subs, "floods_questions", FILES["01"], insert_after(nb, index_of(nb, "1.1"), ASK_FLOOD))
    save(subs, "nested_line", FILES["01"], insert_after(nb, index_of(nb, "1.1"), NESTED_LINE))
    for student in ("shares_memory_a", "shares_memory_b"):
        save(subs, student, FILES["01"], notebook("01", answers={"1.1": SHARED_MEMORY}))

    # Names and files from unzipped hand-ins.
    odd = Path(os.fsdecode(bytes(subs) + b"/latin1_\xe9l\xe8ve"))
    odd.mkdir()
    (odd / os.fsdecode(b"L\xf6sung.ipynb")).write_text(json.dumps(notebook("01", solved="all")))
    (subs / "pipe").mkdir()
    os.mkfifo(subs / "pipe" / FILES["01"])  # GNU tar extracts FIFOs
    save(subs, "with_backup", FILES["01"], notebook("01", solved="all"))
    save(subs, "with_backup", "00-backup-attention-is-a-weighted-sum.ipynb", "{broken")
    (subs / "deep").mkdir()
    folder = os.open(subs / "deep", os.O_RDONLY)
    for _ in range(25):  # a path longer than the 4096 bytes a path may have: made one folder at a time
        os.mkdir("d" * 200, dir_fd=folder)
        inner = os.open("d" * 200, os.O_RDONLY, dir_fd=folder)
        os.close(folder)
        folder = inner
    with open(os.open(FILES["01"], os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=folder), "w") as f:
        f.write(json.dumps(notebook("01", solved="all")))
    os.close(folder)
    save(subs / ".hidden", "x", FILES["01"], notebook("01"))
    nb = notebook("01", solved="all")
    nb["nbformat"] = "4"
    save(subs, "nbformat_as_text", FILES["01"], nb)

    # Honest notebooks in every form they come in.
    save(subs, "magics", FILES["01"], with_magics())
    for form, content in in_other_forms("01").items():
        save(subs, form, "my homework (1).ipynb" if form == "colab" else FILES["01"], content)


def digest(folder: Path) -> dict[str, object]:
    """What each regular file holds (size and time for the 10 GB one, never read); paths too
    long to open are left out."""
    found = {}
    for path in sorted(Path(d) / f for d, _, files in os.walk(folder) for f in files):  # skips what it cannot open
        try:
            if path.is_symlink() or not path.is_file():
                continue
            info = path.stat()
            found[str(path.relative_to(folder))] = (
                (info.st_size, info.st_mtime_ns) if info.st_size > 1 << 26 else path.read_bytes()
            )
        except OSError:
            continue
    return found


def run_grader(subs: Path, out: Path, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
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
            "20",
            *extra,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env=env or os.environ,
    )


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("defended")
    subs, outside = tmp / "submissions", tmp / "outside"
    subs.mkdir()
    build_class(subs, outside)
    before = digest(subs)
    env = dict(os.environ, GRADER_TOKEN=SECRET)
    runs = {jobs: run_grader(subs, tmp / f"out-{jobs}", "-j", jobs, env=env) for jobs in ("2", "1")}
    for run in runs.values():
        assert run.returncode == 0, run.stderr[-3000:]
    return {"tmp": tmp, "subs": subs, "out": tmp / "out-2", "runs": runs, "before": before, "rows": rows(tmp / "out-2")}


def row(graded, student: str, lesson: str = "01") -> dict:
    return graded["rows"][(student, lesson)]


def feedback(graded, student: str) -> str:
    return " ".join((graded["out"] / "feedback" / page_name(student)).read_text().split())


def points(graded, student: str, lesson: str) -> list[str]:
    r = row(graded, student, lesson)
    return [r[ex.id] for ex in registry.for_notebook(lesson)]


def test_two_gradings_with_different_jobs_are_byte_identical(graded):
    first, second = graded["tmp"] / "out-2", graded["tmp"] / "out-1"
    assert (first / "grades.csv").read_bytes() == (second / "grades.csv").read_bytes()
    pages = sorted(p.name for p in (first / "feedback").iterdir())
    assert pages == sorted(p.name for p in (second / "feedback").iterdir())
    for name in pages:
        assert (first / "feedback" / name).read_bytes() == (second / "feedback" / name).read_bytes(), name
    assert digest(graded["subs"]) == graded["before"]  # nothing handed in was changed


def test_one_mistake_costs_its_own_points_only(graded):
    assert points(graded, "wrong_split", "04") == ["0", "2", "3", "2", "2", "0"]  # 4.3 uses split_heads; 4.6 untouched
    assert points(graded, "wrong_masked_softmax", "03") == ["2", "2", "0", "1", "3"]  # 3.4 and 3.5 use it
    text = feedback(graded, "wrong_split")
    assert "whose check cell did not run" not in text


def test_forged_lines_and_questions_earn_nothing(graded):
    assert row(graded, "forged_line", "04")["4.4"] == "0", feedback(graded, "forged_line")
    forged = points(graded, "forged_question", "04")  # refused: 4.1 is graded on the student's own code
    assert forged == ["0", "2", "3", "0", "2", "0"], feedback(graded, "forged_question")


def test_an_alternating_test_earns_nothing(graded):
    assert row(graded, "alternating_test", "04")["4.4"] == "0", feedback(graded, "alternating_test")


def test_a_forged_end_before_os_exit_is_a_crash(graded):
    r = row(graded, "forged_end")
    assert (r["status"], r["total"]) == ("crashed", "2"), feedback(graded, "forged_end")


@pytest.mark.parametrize("student", ["linked_solution", "linked_folder", "linked_outside"])
def test_symbolic_links_are_not_followed(graded, student):
    found = [r for (s, _), r in graded["rows"].items() if s == student]
    assert [r["status"] for r in found if r["status"] not in ("missing", "unreadable")] == []
    assert any(r["status"] == "unreadable" for r in found) and all(r["total"] == "0" for r in found), found
    assert "symbolic link" in feedback(graded, student)


def test_the_child_sees_neither_the_environment_nor_the_command_line_of_the_grader(graded):
    assert row(graded, "probe")["1.1"] == "2", feedback(graded, "probe")


@pytest.mark.parametrize(
    "student, words",
    [("nested", "nested too deeply"), ("huge", "expected a notebook of at most 64 MB, got a larger file (10,240 MB)")],
)
def test_a_bad_file_costs_its_own_row(graded, student, words):
    r = row(graded, student)  # recognised as lesson 01 by its file name
    assert (r["status"], r["total"]) == ("unreadable", "0")
    assert words in feedback(graded, student)


def test_a_long_folder_name_gets_its_page_and_the_summary_is_written(graded):
    assert row(graded, LONG_NAME)["total"] == "2"
    assert f"Feedback for {LONG_NAME}" in feedback(graded, LONG_NAME)
    assert "Graded" in (graded["out"] / "summary.txt").read_text()


def test_names_that_look_like_formulas_are_text_in_the_csv(graded):
    text = (graded["out"] / "grades.csv").read_text()
    for name in FORMULA_NAMES:
        assert f"\n'{name},01,ok" in text or f'\n"\'{name}",01,ok' in text, name
        assert f"\n{name}," not in text


@pytest.mark.parametrize("student", ["in_a_subfolder", "upper_case"])
def test_notebooks_in_subfolders_or_with_upper_case_names_are_graded(graded, student):
    r = row(graded, student)
    assert (r["status"], r["total"]) == ("ok", "10"), feedback(graded, student)


def test_a_folder_without_notebooks_gets_rows_that_say_what_it_holds(graded):
    assert {lesson: r["status"] for (s, lesson), r in graded["rows"].items() if s == "no_notebook"} == {
        "01": "missing",
        "03": "missing",
        "04": "missing",
    }
    assert "No notebook (.ipynb) found in the folder no_notebook: found 1 other files (notes.txt)" in feedback(
        graded, "no_notebook"
    )


@pytest.mark.parametrize("student", ["magics", "colab", "vscode", "bom_crlf", "with_outputs"])
def test_honest_notebooks_get_full_marks_in_every_form(graded, student):
    r = row(graded, student)
    assert (r["status"], r["total"]) == ("ok", "10"), feedback(graded, student)


def test_instructor_cases_with_large_outputs_raise_what_a_child_may_send(tmp_path):
    """A case the reference passes, whose right output alone is over 16 MB: a right answer
    still earns its points, and a wrong one is told what is wrong, not "crashed"."""
    subs = tmp_path / "submissions"
    save(subs, "right", FILES["01"], notebook("01", solved="all"))
    save(
        subs,
        "overflowing",
        FILES["01"],
        notebook(
            "01",
            solved=["1.1", "1.3", "1.4"],
            answers={
                "1.2": "def stable_softmax(scores):\n    e = scores.exp()\n    return e / e.sum(dim=-1, keepdim=True)\n"
            },
        ),
    )
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "big.py").write_text(
        "import torch\nfrom helpers.exercises import Case\n"
        "CASES = {'1.2': [Case('scores of shape (2200, 2200)', "
        "(torch.linspace(-3, 3, 2200 * 2200).reshape(2200, 2200),))]}\n"
    )
    run = run_grader(subs, tmp_path / "out", "--tests", str(tests))
    assert run.returncode == 0, run.stderr[-3000:]
    got = rows(tmp_path / "out")
    assert (got[("right", "01")]["status"], got[("right", "01")]["total"]) == ("ok", "10")
    assert (got[("overflowing", "01")]["status"], got[("overflowing", "01")]["1.2"]) == ("ok", "0")


@pytest.mark.parametrize("platform, words", [("darwin", "this is macOS"), ("win32", "this is Windows")])
def test_off_linux_it_refuses_in_one_sentence_before_doing_anything(tmp_path, monkeypatch, capsys, platform, words):
    (tmp_path / "subs" / "ann").mkdir(parents=True)
    monkeypatch.setattr(sys, "platform", platform)
    with pytest.raises(SystemExit) as stopped:
        grade_command.main([str(tmp_path / "subs"), "--out", str(tmp_path / "out")])
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "WSL 2" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_without_proc_it_refuses_in_one_sentence(tmp_path):
    """/proc hidden in a mount namespace of its own, as on a machine without it."""
    (tmp_path / "subs" / "ann").mkdir(parents=True)
    script = (
        f"mount -t tmpfs none /proc && cd {ROOT} && exec {sys.executable} -m helpers.grade "
        f"{tmp_path / 'subs'} --out {tmp_path / 'out'}"
    )
    run = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if "mount" in run.stderr and "permission denied" in run.stderr.lower():
        pytest.skip("this machine lets no one hide /proc: " + run.stderr.strip())
    assert run.returncode == 2, run.stderr
    assert "needs Linux's /proc" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("victim", ["grader", "worker"])
def test_a_grader_killed_midway_leaves_no_sandbox_process(tmp_path, victim):
    """The grader's own process killed while a notebook sleeps in a loop (an instructor's
    Ctrl-C, a batch system's time limit), or its worker (the grader failing while it judged a
    check once stopped it without a word): the worker and every child go within seconds. The
    sandboxed grandchild had dropped its privileges, which clears the signal that kills it
    with its parent, so it slept on."""
    import signal
    import time

    subs = tmp_path / "submissions"
    nb = notebook("01", solved=["1.1"])
    save(
        subs,
        "sleeper",
        FILES["01"],
        insert_after(nb, index_of(nb, "1.1", check=True), "import time\nwhile True:\n    time.sleep(0.1)"),
    )
    grader = subprocess.Popen(
        [sys.executable, "-m", "helpers.grade", str(subs), "--out", str(tmp_path / "out"), "--timeout", "300"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def sandbox_processes() -> list[str]:
        found = []
        for entry in Path("/proc").iterdir():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                ppid_chain = (entry / "status").read_text()
            except OSError:
                continue
            if "helpers/grader/launch.py" in command and str(ROOT) in command and f"PPid:\t{grader.pid}" in ppid_chain:
                found.append(entry.name)
        return found

    deadline = time.monotonic() + 60
    while not sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    workers = sandbox_processes()
    assert workers, "the grader never started its worker"

    def descendants() -> set[int]:
        parents = {}
        for entry in Path("/proc").iterdir():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if entry.name.isdigit():
                parents[int(entry.name)] = int(next(x for x in status.splitlines() if x.startswith("PPid:")).split()[1])
        found, grown = {int(p) for p in workers}, True
        while grown:  # the worker's children, their children, ...
            more = {pid for pid, ppid in parents.items() if ppid in found}
            grown = not more <= found
            found |= more
        return found

    while len(everything := descendants()) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)  # until the worker, its child and the sandboxed grandchild all run
    assert len(everything) >= 3, f"the notebook never started: {everything}"
    time.sleep(1)
    os.kill(grader.pid if victim == "grader" else int(workers[0]), signal.SIGKILL)
    if victim == "grader":
        grader.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in everything):
        time.sleep(0.2)
    left = [
        p
        for p in everything
        if Path(f"/proc/{p}").exists() and "Z" not in (Path(f"/proc/{p}/status").read_text().split("State:")[1][:4])
    ]
    grader.kill()
    grader.wait()
    assert left == [], f"still running after the {victim} was killed: {left}"


@pytest.mark.parametrize(
    "student, lesson, expected",
    [
        ("unimported_annotation", "01", ["2", "0", "2", "3"]),  # NameError in a kernel: Tensor is not imported
        ("checked_twice", "04", ["0", "2", "3", "2", "2", "2"]),  # the second check fails and hands down the course's
        ("moved_check_cell", "04", ["0", "2", "3", "2", "2", "0"]),  # 4.6 left untouched
        ("imports_from_checks", "04", ["0", "2", "3", "2", "2", "0"]),
        ("writes_a_module", "01", ["2", "3", "2", "3"]),
    ],
)
def test_grades_equal_what_the_check_cells_showed_in_a_kernel(graded, student, lesson, expected):
    """Each expected row was seen in a real kernel (nbconvert --execute) by an outside tester."""
    assert points(graded, student, lesson) == expected, feedback(graded, student)


def test_a_notebook_that_patches_the_grader_gets_nothing_for_it(graded):
    r = row(graded, "patches_the_harness")
    assert (r["1.2"], r["total"]) == ("0", "2"), feedback(graded, "patches_the_harness")  # nothing after the patch
    assert "changed the grader's own code" in feedback(graded, "patches_the_harness")


@pytest.mark.parametrize("student", ["floods_questions", "nested_line"])
def test_messages_written_to_the_grader_s_pipes_cost_nothing_but_that_notebook(graded, student):
    r = row(graded, student)
    assert (r["status"], r["total"]) == ("ok", "10"), feedback(graded, student)
    seconds = float(graded["runs"]["2"].stdout.split(" rows, in ", 1)[1].split(" s", 1)[0])
    assert seconds < 120, "a flood of questions held up the class"  # 166 s for three notebooks before


def test_shared_memory_neither_crosses_notebooks_nor_outlives_grading(graded):
    for student in ("shares_memory_a", "shares_memory_b"):
        assert row(graded, student)["1.1"] == "2", feedback(graded, student)
    with open("/proc/sysvipc/shm") as f:
        owners = [int(line.split()[7]) for line in f.readlines()[1:]]
    assert not [uid for uid in owners if uid >= UID_BASE]


def test_names_that_are_not_utf8_special_files_and_long_paths_get_rows(graded):
    assert row(graded, "latin1_\\xe9l\\xe8ve")["total"] == "10"
    assert (row(graded, "pipe")["status"], row(graded, "pipe")["total"]) == ("unreadable", "0")
    assert "special file" in feedback(graded, "pipe")
    assert row(graded, "deep")["status"] == "missing" and "File name too long" in feedback(graded, "deep")
    assert "skipped .hidden" in graded["runs"]["2"].stdout
    assert row(graded, "nbformat_as_text")["total"] == "10"


def test_an_unreadable_backup_beside_a_good_copy_is_a_note_not_a_row(graded):
    assert [key for key in graded["rows"] if key[0] == "with_backup"] == [
        ("with_backup", "01"),
        ("with_backup", "03"),
        ("with_backup", "04"),
    ]
    assert row(graded, "with_backup")["total"] == "10"
    assert "Also found 00-backup-attention-is-a-weighted-sum.ipynb, which was not graded" in feedback(
        graded, "with_backup"
    )


def test_another_copy_of_the_course_is_hidden_too(tmp_path):
    """The grader run from one copy while this Python's `helpers` is installed from another
    (an instructor with two checkouts): neither is visible to student code."""
    import shutil

    copy = tmp_path / "other-checkout"
    shutil.copytree(ROOT / "helpers", copy / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    subs = tmp_path / "submissions"
    probe = (
        f"import os\n_seen = [p for p in {[str(ROOT / 'helpers' / 'attention.py'), str(ROOT / 'solutions')]!r} "
        "if os.path.exists(p)]\n"
        "def pairwise_scores(X):\n    return X @ X.T if not _seen else X\n"
    )
    save(subs, "looks_around", FILES["01"], notebook("01", answers={"1.1": probe}))
    run = subprocess.run(
        [sys.executable, "-m", "helpers.grade", str(subs), "--out", str(tmp_path / "out"), "--seed", "1"],
        capture_output=True,
        text=True,
        cwd=copy,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert rows(tmp_path / "out")[("looks_around", "01")]["1.1"] == "2"
