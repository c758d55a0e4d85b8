"""Student notebooks as a student meets them: untouched, then filled in. (nbval runs every
notebook too; these tests also read what the checks print.)"""

import ast
import contextlib
import io
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers.kernel import run_notebook
from tests.grading import answers_only

# Each lesson run again in a real kernel, untouched and filled in: among the slowest tests, so
# behind the `slow` marker, which the README's test command and .ci/run run second.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
MASTER = "01-attention-is-a-weighted-sum.ipynb"


def printed(nb, ex_id):
    """What the check cell of an exercise printed, line wrapping undone."""
    cell = next(c for c in nb.cells if f'check("{ex_id}"' in c.source)
    return " ".join("".join(o.get("text", "") for o in cell.outputs).split())


LESSONS = sorted(p.name for p in (ROOT / "solutions").glob("*.ipynb"))


def exercise_cells(nb):
    return [c for c in nb.cells if "exercise" in c.metadata.get("course", {})]


# What the check must say about each bug a notebook hands out, untouched. (A new lesson's
# handed-out bug is one of its tests/mistakes_NN.py entries, with its message; listing it
# here as well is optional.)
HANDED_OUT_BUGS = {
    "1.3": "Rows do not sum to 1 but columns do: softmax ran over dim=-2 (the queries)",
    "2.5": "softmax was handed a name that has no value yet",
    "2.6": "The scores were multiplied by √D instead of divided by it",
    "3.4": "The mask was applied after the softmax",
    "4.1": "You reshaped (B, T, D) straight to (B, H, T, d_head)",
    "7.1": "`return torch.cat([cache, new])` gives torch.cat no dim, so it joins along dim=0",
    "7.4": "Your positions restart at 0 on every call",
}


def spot_the_bug(cell) -> bool:
    """A 'spot the bug' exercise hands out working but wrong code instead of a stub."""
    return "NotImplementedError" not in cell.source


@pytest.fixture(scope="module", params=LESSONS)
def untouched(request, tmp_path_factory):
    nb = nbformat.read(ROOT / "notebooks" / request.param, as_version=4)
    return run_notebook(nb, tmp_path_factory.mktemp("untouched"))


def test_untouched_notebook_runs_to_the_end_saying_what_is_not_done(untouched):
    errors = [o for c in untouched.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    for cell in exercise_cells(untouched):
        ex_id = cell.metadata["course"]["exercise"]
        said = printed(untouched, ex_id)
        if spot_the_bug(cell):
            assert said.startswith(f"… Exercise {ex_id} not fixed yet"), said
            assert f"Likely mistake: {HANDED_OUT_BUGS.get(ex_id, '')}" in said
        else:
            assert said.startswith(f"… Exercise {ex_id} not attempted yet"), said
        assert "The cells below use the course's reference" in said
    progress = next(c for c in untouched.cells if c.source.startswith("progress("))
    table = progress.outputs[0]["text"].splitlines()
    assert " 0 of " in table[0]
    for cell in exercise_cells(untouched):  # the table says what the checks said
        ex_id = cell.metadata["course"]["exercise"]
        row = next(line for line in table if line.startswith(f"  {ex_id} "))
        assert row.endswith("… not fixed yet" if spot_the_bug(cell) else "… not attempted"), row


def run_in_process(nb, tmp_path, monkeypatch):
    """Run a notebook's code cells in this process, keeping what each prints as its output.
    (nbval runs every notebook in a real kernel; this checks answers without paying for one.)"""
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__main__"}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        printed_text = io.StringIO()
        with contextlib.redirect_stdout(printed_text):
            exec(compile(cell.source, f"<cell {index}>", "exec"), namespace)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed_text.getvalue())]
    return nb


@pytest.mark.parametrize("lesson", LESSONS)
def test_filled_in_notebook_passes_every_check(lesson, tmp_path, monkeypatch):
    solutions = nbformat.read(ROOT / "solutions" / lesson, as_version=4)
    nb = nbformat.read(ROOT / "notebooks" / lesson, as_version=4)
    for cell, master in zip(nb.cells, solutions.cells):
        if "exercise" in cell.metadata.get("course", {}):
            cell.source = answers_only(master.source)
    run_in_process(nb, tmp_path, monkeypatch)
    for cell in exercise_cells(nb):
        ex_id = cell.metadata["course"]["exercise"]
        assert printed(nb, ex_id).startswith(f"✔ Exercise {ex_id} passed"), printed(nb, ex_id)
    progress = next(c for c in nb.cells if c.source.startswith("progress("))
    first = progress.outputs[0]["text"].splitlines()[0]
    earned, total = first.rsplit(": ", 1)[1].removesuffix(" points").split(" of ")
    assert earned == total


def test_a_wrong_answer_in_a_real_kernel_is_named(tmp_path):
    """1.1-1.3 answered right, 1.4 with `.T` on the batch: in a real kernel the check reads
    the student's source from IPython to name that mistake."""
    solutions = nbformat.read(ROOT / "solutions" / MASTER, as_version=4)
    nb = nbformat.read(ROOT / "notebooks" / MASTER, as_version=4)
    for cell, master in zip(nb.cells, solutions.cells):
        if "exercise" in cell.metadata.get("course", {}):
            cell.source = answers_only(master.source)
    ex_1_4 = next(c for c in nb.cells if c.source.startswith("# Exercise 1.4"))
    ex_1_4.source = ex_1_4.source.replace("X @ X.transpose(-2, -1)", "X @ X.T")
    run_notebook(nb, tmp_path)
    for ex_id in ("1.1", "1.2", "1.3"):
        assert printed(nb, ex_id).startswith(f"✔ Exercise {ex_id} passed"), printed(nb, ex_id)
    wrong = printed(nb, "1.4")
    assert wrong.startswith("✘ Exercise 1.4 failed") and "(line 4: scores = X @ X.T" in wrong
    assert "Likely mistake: `.T` reverses every dimension of a 3-D tensor" in wrong
    progress = next(c for c in nb.cells if c.source.startswith("progress("))
    assert progress.outputs[0]["text"].startswith("Lesson 01 — Attention is a weighted sum: 7 of 10 points")


def ends_with_plot(source: str) -> bool:
    """Whether a cell's last statement is a call to one of the course's plotting functions."""
    body = ast.parse(source).body
    last = body[-1] if body else None
    return (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and isinstance(last.value.func, ast.Name)
        and last.value.func.id in ("attention_heatmap", "line_chart", "head_grid")
    )


def test_each_figure_is_shown_once(untouched):
    figures = [c for c in untouched.cells if c.cell_type == "code" and ends_with_plot(c.source)]
    assert figures
    for cell in figures:
        assert [o.output_type for o in cell.outputs] == ["execute_result"]
        assert "image/png" in cell.outputs[0]["data"]


def test_helpers_import_from_any_folder(tmp_path):
    """The README's install makes helpers importable wherever a notebook is opened."""
    result = subprocess.run(
        [sys.executable, "-c", "import helpers; print(helpers.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(result.stdout.strip()) == ROOT / "helpers" / "__init__.py"


def test_lesson_02_calls_the_width_of_q_and_k_D_as_its_shape_legend_does():
    nb = nbformat.read(ROOT / "solutions" / "02-queries-keys-values.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert "**D** numbers per token" in text
    import re

    assert re.findall(r"√d(?!_head)|\(B, T, d\)|\bfor d in\b|^\s*d = |\bd = \d", text, flags=re.M) == []


def test_each_step_of_my_self_attention_hands_out_the_steps_before_it():
    """Lesson 02 says each step's cell already holds what the steps before it wrote: the
    answer of step N is in the student's cell of step N + 1."""
    from helpers.lessons.toolkit import code_lines

    master = nbformat.read(ROOT / "solutions" / "02-queries-keys-values.ipynb", as_version=4)
    student = nbformat.read(ROOT / "notebooks" / "02-queries-keys-values.ipynb", as_version=4)
    steps = [
        i for i, c in enumerate(master.cells) if c.source.startswith("# Exercise") and "MySelfAttention" in c.source
    ]
    assert len(steps) == 3
    for before, after in zip(steps, steps[1:]):
        answer = master.cells[before].source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
        assert set(code_lines(answer)) <= set(code_lines(student.cells[after].source)), (before, after)
