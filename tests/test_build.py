"""helpers.build: student notebooks generated from the masters, in sync, with clear
errors for bad authoring input."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import build

ROOT = Path(__file__).resolve().parent.parent
MASTER = "01-attention-is-a-weighted-sum.ipynb"


def test_notebooks_are_in_sync_with_solutions():
    assert build.check(ROOT) == []


@pytest.fixture
def course(tmp_path):
    """A throwaway copy of solutions/ and notebooks/ to break."""
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    for folder in ("locales", "helpers"):  # the editions' catalogs, and the sources of their messages
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def master(course):
    return nbformat.read(course / "solutions" / MASTER, as_version=4)


def save(course, nb):
    nbformat.write(nb, course / "solutions" / MASTER)


def cell_index(nb, ex_id):
    return next(i for i, c in enumerate(nb.cells) if c.source.startswith(f"# Exercise {ex_id}"))


def student_cells():
    nb = nbformat.read(ROOT / "notebooks" / MASTER, as_version=4)
    return nb, {c.metadata["course"]["exercise"]: c for c in nb.cells if "exercise" in c.metadata.get("course", {})}


def test_answers_become_stubs_naming_the_exercise():
    nb, exercises = student_cells()
    assert sorted(exercises) == ["1.1", "1.2", "1.3", "1.4"]
    for ex_id in ("1.1", "1.2", "1.4"):
        source = exercises[ex_id].source
        assert f'raise NotImplementedError("Exercise {ex_id}: replace this line with your code")' in source
        assert "### BEGIN SOLUTION" not in source and "softmax(scores, dim=-1)" not in source
    stub_line = next(line for line in exercises["1.1"].source.split("\n") if "NotImplementedError" in line)
    assert stub_line.startswith("    raise")  # indented like the answer it replaces


def test_spot_the_bug_shows_the_buggy_line_uncommented():
    _, exercises = student_cells()
    source = exercises["1.3"].source
    assert "    weights = torch.softmax(scores, dim=1)\n" in source
    assert "NotImplementedError" not in source and "STUB" not in source and "dim=-1)" not in source


def test_student_notebook_has_no_outputs_and_records_its_course_notebook():
    nb, _ = student_cells()
    assert nb.metadata["course"] == {"notebook": "01", "generated_from": f"solutions/{MASTER}"}
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert "widgets" not in nb.metadata
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_masters_are_executed_and_keep_their_outputs():
    nb = nbformat.read(ROOT / "solutions" / MASTER, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    check_cells = [c for c in code if "= check(" in c.source]
    assert len(check_cells) == 4 and all(c.outputs[0]["text"].startswith("✔ Exercise") for c in check_cells)


@pytest.mark.slow  # builds the whole course in a copy (tens of seconds): run by pytest -m 'slow or platforms'
def test_building_twice_changes_nothing(course):
    assert build.build(course) == []
    (course / "notebooks" / MASTER).unlink()
    assert build.build(course) == [course / "notebooks" / MASTER]
    first = (course / "notebooks" / MASTER).read_bytes()
    assert build.build(course) == []
    assert (course / "notebooks" / MASTER).read_bytes() == first


@pytest.mark.slow  # builds the whole course in a copy (tens of seconds): run by pytest -m 'slow or platforms'
def test_check_names_every_notebook_and_cell_out_of_sync(course):
    nb = nbformat.read(course / "notebooks" / MASTER, as_version=4)
    nb.cells[3].source += "\nprint('edited by hand')"
    nbformat.write(nb, course / "notebooks" / MASTER)
    (course / "notebooks" / "99-stray.ipynb").write_text("{}")
    problems = build.check(course)
    assert any(p.startswith(f"notebooks/{MASTER}: cell 4 (") and "differs" in p for p in problems)
    assert "notebooks/99-stray.ipynb: has no master in solutions/" in problems
    result = subprocess.run(
        [sys.executable, "-m", "helpers.build", "--check", "--root", str(course)], capture_output=True, text=True
    )
    assert result.returncode == 1 and "cell 4" in result.stdout and "99-stray" in result.stdout
    subprocess.run([sys.executable, "-m", "helpers.build", "--root", str(course)], check=True, capture_output=True)
    assert build.check(course) == []
    assert not (course / "notebooks" / "99-stray.ipynb").exists()


def test_check_reports_an_unexecuted_master_cell(course):
    nb = master(course)
    nb.cells[1].execution_count = None
    save(course, nb)
    assert build.check(course) == [
        f"solutions/{MASTER}: cell 2 was never executed; run python -m helpers.build --execute"
    ]


def break_exercise(course, ex_id, edit):
    nb = master(course)
    i = cell_index(nb, ex_id)
    edit(nb, i)
    save(course, nb)
    with pytest.raises(build.AuthoringError) as err:
        build.generate(course)
    return err.value.problems


def test_begin_without_end(course):
    def edit(nb, i):
        nb.cells[i].source = nb.cells[i].source.replace("    ### END SOLUTION\n", "")

    problems = break_exercise(course, "1.1", edit)
    assert problems == [
        f'solutions/{MASTER}: cell {cell_index(master(course), "1.1") + 1} ("# Exercise 1.1 — pairwise scores"), '
        'line 6: "### BEGIN SOLUTION" has no "### END SOLUTION" after it'
    ]


def test_nested_markers(course):
    def edit(nb, i):
        nb.cells[i].source = nb.cells[i].source.replace(
            "    for i in range(T):", "    ### BEGIN SOLUTION\n    for i in range(T):"
        )

    [problem] = break_exercise(course, "1.1", edit)
    assert "line 7:" in problem and "inside another marked region (line 6): markers cannot nest" in problem


def test_end_without_begin(course):
    def edit(nb, i):
        nb.cells[i].source = nb.cells[i].source.replace("### BEGIN SOLUTION\n", "")

    [problem] = break_exercise(course, "1.2", edit)
    assert 'line 7: "### END SOLUTION" with no "### BEGIN SOLUTION" before it' in problem


def test_exercise_id_used_twice(course):
    def edit(nb, i):
        nb.cells[i].source = nb.cells[i].source.replace("# Exercise 1.2", "# Exercise 1.1", 1)
        nb.cells[i].metadata["course"]["exercise"] = "1.1"

    problems = break_exercise(course, "1.2", edit)
    assert any(
        "exercise 1.1 is used twice: first at" in p and '("# Exercise 1.1 — pairwise scores")' in p for p in problems
    )
    assert any("the registry lists exercise(s) 1.2 for notebook 01, but no cell has them" in p for p in problems)


def test_exercise_without_check_cell(course):
    def edit(nb, i):
        del nb.cells[i + 1]

    [problem] = break_exercise(course, "1.4", edit)
    assert problem.endswith('exercise 1.4 has no check cell after it: the next code cell should call check("1.4", ...)')
    assert '("# Exercise 1.4 — batched simple self-attention")' in problem


def test_metadata_disagreeing_with_first_line(course):
    def edit(nb, i):
        nb.cells[i].metadata["course"]["exercise"] = "1.9"

    [problem] = break_exercise(course, "1.2", edit)
    assert "metadata says exercise 1.9 but the first line says 1.2" in problem


def test_markers_outside_an_exercise(course):
    def edit(nb, i):
        nb.cells[2].source += "\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION"  # the imports, after the setup cell

    [problem] = break_exercise(course, "1.1", edit)
    assert "cell 3" in problem and "solution markers in a cell that is not an exercise" in problem


def test_stub_lines_must_be_comments(course):
    def edit(nb, i):
        nb.cells[i].source = nb.cells[i].source.replace(
            "    # weights = torch.softmax(scores, dim=1)", "    weights = 0"
        )

    [problem] = break_exercise(course, "1.3", edit)
    assert "a line inside ### BEGIN STUB must be a comment" in problem


def test_a_handed_out_bug_must_be_the_one_its_lesson_module_declares(course):
    """The check tells an untouched spot-the-bug answer by the code its lesson module says was
    handed out: a master that hands out other code is refused, naming both."""

    def edit(nb, i):
        nb.cells[i].source = nb.cells[i].source.replace(
            "    # weights = torch.softmax(scores, dim=1)", "    # weights = torch.softmax(scores, dim=0)"
        )

    [problem] = break_exercise(course, "1.3", edit)
    assert "exercise 1.3 hands out 'weights = torch.softmax(scores, dim=0)'" in problem
    assert "declares handed_out='weights = torch.softmax(scores, dim=1)'" in problem


def test_exercise_id_lost_from_metadata_still_found_from_first_line(course):
    nb = master(course)
    for cell in nb.cells:
        if "exercise" in cell.metadata.get("course", {}):
            del cell.metadata["course"]
    save(course, nb)
    assert build.check(course) == []


def test_unreadable_master_is_named(course):
    (course / "solutions" / "02-broken.ipynb").write_text("{ not json")
    with pytest.raises(build.AuthoringError, match="02-broken.ipynb: cannot be read as a notebook"):
        build.generate(course)


def test_cli_reports_authoring_errors_on_stderr_with_exit_2(course):
    nb = master(course)
    nb.metadata["course"]["notebook"] = "07"
    save(course, nb)
    result = subprocess.run(
        [sys.executable, "-m", "helpers.build", "--root", str(course)], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert f"{MASTER}: metadata course.notebook is '07', expected \"01\" from the file name" in result.stderr
    assert json.loads((course / "notebooks" / MASTER).read_text())  # nothing was overwritten


def test_answer_region_outside_a_def(course):
    def edit(nb, i):
        nb.cells[i].source = nb.cells[i].source.replace(
            "def pairwise_scores(X):", "### BEGIN SOLUTION\nfoo = 1\n### END SOLUTION\ndef pairwise_scores(X):"
        )

    [problem] = break_exercise(course, "1.1", edit)
    assert 'line 2: "### BEGIN SOLUTION" is not inside a def' in problem and "stop Run All" in problem


def test_answer_region_at_class_level(course):
    nb = nbformat.read(ROOT / "solutions" / "03-masks.ipynb", as_version=4)
    i = cell_index(nb, "3.5")
    nb.cells[i].source = nb.cells[i].source.replace(
        "    def __init__(self, embed_size):\n        ### BEGIN SOLUTION",
        "    ### BEGIN SOLUTION\n    def __init__(self, embed_size):",
    )
    nbformat.write(nb, course / "solutions" / "03-masks.ipynb")
    with pytest.raises(build.AuthoringError, match='"### BEGIN SOLUTION" is not inside a def'):
        build.generate(course)


def test_saved_solutions_show_the_explorer_picture_in_static_html(tmp_path):
    """Without widget state in the saved master, nbconvert's HTML (as GitHub's viewer and
    other static viewers) shows the explorer's PNG instead of a widget that needs a CDN."""
    path = ROOT / "solutions" / "04-many-heads.ipynb"
    nb = nbformat.read(path, as_version=4)
    assert "widgets" not in nb.metadata
    explorer = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("explore_attention("))
    [output] = explorer.outputs
    assert "application/vnd.jupyter.widget-view+json" in output.data  # live in JupyterLab
    picture = "".join(output.data["image/png"].split())
    subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "html", str(path), "--output-dir", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    html = (tmp_path / "04-many-heads.html").read_text(encoding="utf-8")
    shown = ["".join(src.split()) for src in re.findall(r'<img [^>]*src="data:image/png;base64,([^"]+)"', html)]
    assert picture in shown
    assert "application/vnd.jupyter.widget-view+json" not in html


# --------------------------------------------------------------------------------------
# What the masters say, the same everywhere


def master_notebooks():
    return {path.name: nbformat.read(path, as_version=4) for path in sorted((ROOT / "solutions").glob("*.ipynb"))}


def plain(title: str) -> str:
    return title.replace("`", "").strip().lower()


def test_each_exercise_has_one_title_in_its_heading_its_cell_and_the_progress_table():
    """The heading a student reads, the first line of the cell they write in, and the title the
    progress table and the feedback page show name an exercise the same way."""
    from helpers import exercises as registry

    for name, nb in master_notebooks().items():
        headings = {
            m[0]: m[1] for c in nb.cells for m in re.findall(r"^### Exercise (\d+\.\d+) — (.+)$", c.source, re.M)
        }
        for cell in nb.cells:
            first = re.match(r"# Exercise (\d+\.\d+) — (.+)", cell.source) if cell.cell_type == "code" else None
            if first:
                ex_id, title = first.groups()
                assert plain(title) == plain(headings[ex_id]) == plain(registry.EXERCISES[ex_id].title), (name, ex_id)


LEGEND = {"B", "T", "D", "H", "H_kv", "L", "V", "d", "d_head", "S", "W"}


def test_no_loop_before_an_exercise_leaves_a_legend_letter_behind():
    """A top-level loop `for D in ...` leaves D set for every cell below it: an exercise that
    takes its sizes as hidden_size or embed_size and is written with the legend's D would run
    on the loop's last value instead of failing with a NameError (lesson 02's D = 256 did)."""
    import ast

    for name, nb in master_notebooks().items():
        code = [c for c in nb.cells if c.cell_type == "code" and not c.metadata.get("course", {}).get("setup")]
        last = max((i for i, c in enumerate(code) if c.source.startswith("# Exercise")), default=-1)
        for cell in code[:last]:
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.For):
                    names = {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
                    assert not names & LEGEND, (name, cell.get("id"), names & LEGEND)
