"""The course online: the setup cell every notebook opens with, run in a real kernel where
`helpers` cannot be imported (plainly, in Colab without an address, in Colab with one), the
Colab and Binder links the build writes once the repository is set, and the files Binder
reads."""

import json
import os
import queue
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from packaging.specifiers import SpecifierSet

from helpers import build, online

ROOT = Path(__file__).resolve().parent.parent
LESSON = "01-attention-is-a-weighted-sum.ipynb"
ADDRESS = "https://github.com/example/attention-course"


def read(path: Path):
    return nbformat.read(path, as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


# --------------------------------------------------------------------------------------
# The setup cell and the links, as the build writes them


def test_every_notebook_opens_with_the_setup_cell():
    expected = online.setup_source(online.read_settings(ROOT))
    for folder in ("solutions", "notebooks"):
        for path in sorted((ROOT / folder).glob("*.ipynb")):
            first = code_cells(read(path))[0]
            assert first.source == expected, path
            assert first.metadata["course"] == {"setup": True}
            if folder == "solutions":
                assert first.outputs == [] and first.execution_count is not None  # nothing to say where helpers import


def test_without_an_address_there_are_no_links():
    assert online.read_settings(ROOT) == online.Online()  # the repository as committed sets none
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert "colab.research.google.com" not in json.dumps(read(path).cells[0].source)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "links appear here once the course's repository address is set" in readme
    assert "mybinder.org/v2" not in readme


@pytest.fixture
def course(tmp_path):
    """A copy of the course's files that the build reads and writes."""
    for folder in ("solutions", "notebooks", "locales", "helpers"):  # helpers: the sources of the editions' messages
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("README.md", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def set_address(course: Path, address: str) -> None:
    path = course / "pyproject.toml"
    path.write_text(path.read_text().replace('repository = ""', f'repository = "{address}"'))


@pytest.mark.slow  # builds the whole course in a copy (tens of seconds): run by pytest -m 'slow or platforms'
def test_an_address_is_stamped_into_readme_notebooks_and_setup_cells(course):
    set_address(course, ADDRESS + ".git")
    result = subprocess.run(
        [sys.executable, "-m", "helpers.build", "--root", str(course)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert build.check(course) == []
    colab = f"https://colab.research.google.com/github/example/attention-course/blob/main/notebooks/{LESSON}"
    binder = f"https://mybinder.org/v2/gh/example/attention-course/main?urlpath=lab%2Ftree%2Fnotebooks%2F{LESSON}"
    readme = (course / "README.md").read_text()
    assert f"]({colab})" in readme and f"]({binder})" in readme
    for path in sorted((course / "notebooks").glob("*.ipynb")):  # every lesson has its Colab link in the README
        assert f"({online.Online(ADDRESS).colab_url(f'notebooks/{path.name}')})" in readme
    for path in sorted((course / "notebooks").glob("*.ipynb")):
        nb = read(path)
        title = nb.cells[0].source.split("\n")
        assert title[0].startswith("# Lesson ") and title[1] == ""
        assert title[2] == online.Online(ADDRESS).badges(f"notebooks/{path.name}")
        assert f"/blob/main/notebooks/{path.name})" in title[2] and f"notebooks%2F{path.name})" in title[2]
    for folder in ("solutions", "notebooks"):
        for path in sorted((course / folder).glob("*.ipynb")):
            setup = code_cells(read(path))[0].source
            assert f'COURSE = "{ADDRESS}"' in setup and '"install", "--quiet", f"git+{COURSE}@main"' in setup
    master = read(course / "solutions" / LESSON)
    assert code_cells(master)[0].execution_count is not None  # the master keeps its run: only the source changed


def test_a_repository_that_is_not_on_github_is_refused(course):
    set_address(course, "https://gitlab.com/example/attention-course")
    result = subprocess.run(
        [sys.executable, "-m", "helpers.build", "--root", str(course)], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert (
        'is not a GitHub address such as "https://github.com/OWNER/REPO" (Colab opens notebooks from GitHub only)'
        in result.stderr
    )


@pytest.mark.slow  # builds the whole course in a copy (tens of seconds): run by pytest -m 'slow or platforms'
def test_a_master_without_its_setup_cell_gets_it_back(course):
    path = course / "solutions" / LESSON
    nb = read(path)
    nb.cells = [c for c in nb.cells if not online.is_setup(c)]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nbformat.write(nb, path)
    assert build.check(course)[0].startswith(f"solutions/{LESSON}: its setup cell or saved widget state")
    build.build(course)
    rebuilt = read(path)
    assert online.is_setup(code_cells(rebuilt)[0]) and "widgets" not in rebuilt.metadata
    assert build.check(course) == [
        f"solutions/{LESSON}: cell 2 was never executed; run python -m helpers.build --execute"
    ]


# --------------------------------------------------------------------------------------
# The setup cell in a real kernel that cannot import helpers, as JupyterLab's Run All sends
# the cells: every cell at once, each to be skipped if one before it failed. Slow (a kernel
# each): marked `platforms`, which .ci/run runs.


def run_all(nb, tmp_path, monkeypatch, fake_colab: bool) -> tuple[list[str], list[list[dict]], Path]:
    """Every code cell's reply status and outputs, and the file of recorded pip commands."""
    spec = tmp_path / "kernels" / "course-without-helpers"
    spec.mkdir(parents=True)
    argv = [sys.executable, str(ROOT / "tests" / "kernel_without_helpers.py"), "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "no helpers", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    record = tmp_path / "pip-commands.txt"
    env = {k: v for k, v in os.environ.items() if k != "COURSE_FAKE_COLAB"}
    if fake_colab:
        env["COURSE_FAKE_COLAB"] = str(record)
    work = tmp_path / "work"
    work.mkdir()
    manager = KernelManager(kernel_name="course-without-helpers")
    manager.start_kernel(cwd=str(work), env=env)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        ids = [client.execute(cell.source, stop_on_error=True) for cell in code_cells(nb)]
        status, outputs = {}, {i: [] for i in ids}
        while len(status) < len(ids):
            reply = client.get_shell_msg(timeout=120)
            status[reply["parent_header"]["msg_id"]] = reply["content"]["status"]
        while True:
            try:
                message = client.get_iopub_msg(timeout=2)
            except queue.Empty:
                break
            if message["msg_type"] in ("stream", "error", "execute_result", "display_data"):
                outputs[message["parent_header"]["msg_id"]].append({"type": message["msg_type"], **message["content"]})
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return [status[i] for i in ids], [outputs[i] for i in ids], record


def student_notebook(address: str = "") -> nbformat.NotebookNode:
    nb = read(ROOT / "notebooks" / LESSON)
    code_cells(nb)[0].source = online.setup_source(online.settings(address))
    return nb


def stopped_with(statuses, outputs, sentence: str) -> None:
    """The setup cell failed with `sentence` alone; every later cell was skipped (Run All
    skips those queued when it failed) or, if it ran, failed with that sentence too."""
    assert statuses[0] == "error" and outputs[0][0]["ename"] == "CourseSetupError"
    assert [o["traceback"] for o in outputs[0]] == [[sentence]]  # one sentence, no traceback
    assert "aborted" in statuses
    for status, out in zip(statuses[1:], outputs[1:]):
        assert (status, out) == ("aborted", []) or (status == "error" and [o["traceback"] for o in out] == [[sentence]])


@pytest.mark.platforms
def test_without_helpers_the_setup_cell_says_what_to_run_and_nothing_else_runs(tmp_path, monkeypatch):
    statuses, outputs, _ = run_all(student_notebook(ADDRESS), tmp_path, monkeypatch, fake_colab=False)
    stopped_with(statuses, outputs, online.LOCAL_ADVICE)


@pytest.mark.platforms
def test_in_colab_without_an_address_the_setup_cell_says_so(tmp_path, monkeypatch):
    statuses, outputs, record = run_all(student_notebook(), tmp_path, monkeypatch, fake_colab=True)
    stopped_with(statuses, outputs, online.COLAB_UNSET)
    assert not record.exists()


@pytest.mark.platforms
def test_in_colab_the_setup_cell_installs_the_course_and_run_all_completes(tmp_path, monkeypatch):
    statuses, outputs, record = run_all(student_notebook(ADDRESS), tmp_path, monkeypatch, fake_colab=True)
    assert record.read_text().split() == [sys.executable, "-m", "pip", "install", "--quiet", f"git+{ADDRESS}@main"]
    assert set(statuses) == {"ok"}, [o for out in outputs for o in out if o["type"] == "error"][:1]
    assert outputs[0] == []
    assert any("Lesson 01 — Attention is a weighted sum: 0 of 10 points" in o.get("text", "") for o in outputs[-1])


@pytest.mark.platforms
def test_the_course_installs_as_the_setup_cell_installs_it_in_colab(tmp_path):
    """`pip install` of the course's folder (Colab fetches it from GitHub), with no
    dependencies, gives a helpers package that works on its own, outside the course."""
    # A copy of the course as Colab's git clone has it: without this checkout's build/ and
    # *.egg-info, whose SOURCES.txt once let a package list that named only `helpers` install
    # its subpackages all the same.
    source = tmp_path / "course"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns("*.egg-info", "build", ".venv", ".ci-venv", ".git", "test-artifacts"),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(tmp_path / "site"),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    # -S: no .pth file runs, so the editable install of this checkout (a .pth and a finder)
    # cannot lend the installed package a module it lacks; the dependencies come from
    # site-packages as a plain folder. (Without -S, helpers.lessons came from the checkout, and
    # a wheel without the subpackages passed.)
    import sysconfig

    script = (
        f"import sys; sys.path[:0] = [{str(tmp_path / 'site')!r}, {sysconfig.get_paths()['purelib']!r}]; "
        "from helpers import attention_heatmap, check, explore_attention, head_grid, line_chart, progress; "
        "from helpers.cost import peak_memory_mb; import helpers.training, helpers.data; "
        "assert helpers.training.corpus().startswith('the cat'); "  # lesson 07's text, package data
        "import helpers.grader.classroom, helpers.lessons.lesson06, helpers.running; "
        "print('\\n'.join(sorted({m.__file__ for n, m in sys.modules.items() if n.split('.')[0] == 'helpers'})))"
    )
    result = subprocess.run([sys.executable, "-I", "-S", "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    files = [Path(line) for line in result.stdout.split()]
    assert files and all(f.is_relative_to(tmp_path / "site" / "helpers") for f in files), files


# --------------------------------------------------------------------------------------
# What Binder reads


def test_binder_installs_the_course_with_the_cpu_build_of_torch():
    """repo2docker reads binder/ (and then nothing at the top): requirements.txt installed with
    pip from the top folder, runtime.txt for the Python version."""
    lines = [line.strip() for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines()]
    options = [line for line in lines if line and not line.startswith("#")]
    assert options == ["--extra-index-url https://download.pytorch.org/whl/cpu", "-r ../requirements.txt"]
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    assert runtime.startswith("python-") and runtime.removeprefix("python-") in SpecifierSet(">=3.11")
    assert sorted(p.name for p in (ROOT / "binder").iterdir()) == ["requirements.txt", "runtime.txt"]
