"""What a master notebook is, and the student copy it gives: exercise cells with their
answers between "### BEGIN SOLUTION" and "### END SOLUTION" (and, for a "spot the bug"
exercise, the buggy code the student gets between "### BEGIN STUB" and "### END STUB"),
each followed by its check cell; problems reported one line each, naming notebook, cell
and line. The build command (build.py) and the nbgrader source tree (nbgrader_source.py)
both make their notebooks with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from helpers import exercises as registry
from helpers import online as online_links
from helpers.lessons.toolkit import code_lines
from helpers.online import Online

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_STUB, END_STUB = "### BEGIN STUB", "### END STUB"
MARKERS = (BEGIN, END, BEGIN_STUB, END_STUB)
NOTEBOOK_NAME = re.compile(r"^(\d\d)-[a-z0-9-]+\.ipynb$")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class AuthoringError(Exception):
    """One or more problems in the masters; str() lists them all, one per line."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Where:
    """Names a place in a master for error messages."""

    path: str
    index: int
    cell: NotebookNode

    def __call__(self, message: str, line: int | None = None) -> str:
        first = self.cell.source.split("\n", 1)[0][:50]
        at = f", line {line}" if line is not None else ""
        return f'{self.path}: cell {self.index + 1} ("{first}"){at}: {message}'


def exercise_id(cell: NotebookNode) -> str | None:
    """The exercise id of a code cell, from its first line (or else its metadata)."""
    if cell.cell_type != "code":
        return None
    return registry.exercise_in(cell.source) or cell.metadata.get("course", {}).get("exercise")


def calls_check(cell: NotebookNode, ex_id: str) -> bool:
    return bool(re.search(r"\bcheck\(\s*['\"]" + re.escape(ex_id) + r"['\"]", cell.source))


def _uncomment(line: str) -> str:
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    body = stripped[1:]
    return indent + (body[1:] if body.startswith(" ") else body)


def handed_out(source: str) -> str | None:
    """The buggy code a "spot the bug" exercise cell hands out: its STUB block, uncommented
    ("" for an exercise with none; None when a line of it is no comment, which
    student_source reports)."""
    lines, inside = [], False
    for line in source.split("\n"):
        marker = line.strip()
        if marker in (BEGIN_STUB, END_STUB):
            inside = marker == BEGIN_STUB
        elif inside and marker and not marker.startswith("#"):
            return None
        elif inside:
            lines.append(_uncomment(line))
    return "\n".join(lines)


def _inside_def(lines: list[str], indent: int) -> bool:
    """Whether a line indented by `indent` after `lines` sits in a def's body: the nearest
    line above it with less indentation opens a def (or a block inside one)."""
    for line in reversed(lines):
        stripped = line.lstrip()
        depth = len(line) - len(stripped)
        if not stripped or stripped.startswith("#") or depth >= indent:
            continue
        if stripped.startswith(("def ", "async def ")):
            return True
        if stripped.startswith("class "):
            return False
        indent = depth  # a block inside something: keep looking outwards
    return False


def student_source(source: str, ex_id: str, where: Where) -> str:
    """Replace each answer region with its stub; raise AuthoringError on bad markers."""
    out: list[str] = []
    problems: list[str] = []
    state, start, indent, stub_next = "code", 0, "", False
    for number, line in enumerate(source.split("\n"), start=1):
        marker = line.strip()
        if marker not in MARKERS:
            if state == "solution":
                continue
            if state == "stub":
                if line.strip() and not line.strip().startswith("#"):
                    problems.append(where(f"a line inside {BEGIN_STUB} must be a comment", number))
                out.append(_uncomment(line))
                continue
            stub_next = stub_next and not line.strip()
            out.append(line)
            continue
        if marker == BEGIN:
            if state != "code":
                problems.append(
                    where(f'"{BEGIN}" inside another marked region (line {start}): markers cannot nest', number)
                )
                continue
            state, start, indent = "solution", number, line[: len(line) - len(line.lstrip())]
            if not _inside_def(out, len(indent)):
                problems.append(
                    where(
                        f'"{BEGIN}" is not inside a def: the student\'s stub would raise as soon as the cell '
                        "runs and stop Run All. Put the answer inside a function or method body.",
                        number,
                    )
                )
        elif marker == END:
            if state != "solution":
                problems.append(where(f'"{END}" with no "{BEGIN}" before it', number))
                continue
            out.append(f'{indent}raise NotImplementedError("Exercise {ex_id}: replace this line with your code")')
            state, stub_next = "code", True
        elif marker == BEGIN_STUB:
            if state != "code" or not stub_next:
                problems.append(where(f'"{BEGIN_STUB}" must come right after "{END}"', number))
                continue
            out.pop()  # the stub replaces the NotImplementedError line
            state, start = "stub", number
        elif marker == END_STUB:
            if state != "stub":
                problems.append(where(f'"{END_STUB}" with no "{BEGIN_STUB}" before it', number))
                continue
            state, stub_next = "code", False
    if state == "solution":
        problems.append(where(f'"{BEGIN}" has no "{END}" after it', start))
    elif state == "stub":
        problems.append(where(f'"{BEGIN_STUB}" has no "{END_STUB}" after it', start))
    if problems:
        raise AuthoringError(problems)
    return "\n".join(out)


def notebook_id(path: Path, nb: NotebookNode) -> str:
    """The course notebook id ("01") recorded in a master; checked against its file name."""
    match = NOTEBOOK_NAME.match(path.name)
    if not match:
        raise AuthoringError([f"{path}: file name should look like 01-short-title.ipynb"])
    recorded = nb.metadata.get("course", {}).get("notebook")
    if recorded != match.group(1):
        raise AuthoringError(
            [f'{path}: metadata course.notebook is {recorded!r}, expected "{match.group(1)}" from the file name']
        )
    if recorded not in registry.LESSONS:
        raise AuthoringError(
            [f"{path}: notebook {recorded} has no lesson module: write helpers/lessons/lesson{recorded}.py"]
        )
    return recorded


def master_notebook(nb: NotebookNode, online: Online) -> NotebookNode:
    """A master as the build keeps it: the setup cell (for `online`) as its first code cell,
    keeping that cell's outputs; no saved widget state, which static viewers (nbconvert,
    GitHub) would draw as an empty widget instead of the picture in the output."""
    master = nbformat.from_dict(nb)
    master.metadata.pop("widgets", None)
    setup = [cell for cell in master.cells if online_links.is_setup(cell)]
    cells = [cell for cell in master.cells if not online_links.is_setup(cell)]
    cell = setup[0] if setup else nbformat.v4.new_code_cell()
    if not setup and "id" in cell:
        cell.id = "course-setup"  # not a random one: the same master builds the same copy
    cell.source = online_links.setup_source(online)
    cell.metadata["course"] = {"setup": True}
    first_code = next((i for i, c in enumerate(cells) if c.cell_type == "code"), len(cells))
    cells.insert(first_code, cell)
    master.cells = cells
    return master


def student_notebook(
    path: Path, nb: NotebookNode, seen: dict[str, str] | None = None, online: Online = Online(), folder: str = ""
) -> NotebookNode:
    """The student copy of one master (as master_notebook() keeps it). `seen` maps exercise
    ids to where they were first met, so that an id used in two notebooks is reported too.
    With a repository address in `online`, the first Markdown cell gets Colab and Binder
    links under its title. `folder` is an edition's ("zh-Hant/"): the master is
    solutions/<folder><name> and the copy notebooks/<folder><name>, with its edition in
    its metadata."""
    seen = {} if seen is None else seen
    rel = f"solutions/{folder}{path.name}"
    nb_id = notebook_id(path, nb)
    problems: list[str] = []
    student = nbformat.from_dict(nb)
    student.metadata["course"] = {"notebook": nb_id, "generated_from": rel}
    if "edition" in nb.metadata.get("course", {}):
        student.metadata["course"]["edition"] = nb.metadata["course"]["edition"]
    student.metadata["kernelspec"] = KERNELSPEC
    student.metadata.pop("widgets", None)  # widget state saved by executing the master
    found: list[str] = []
    cells = student.cells
    for index, cell in enumerate(cells):
        where = Where(rel, index, nb.cells[index])
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        ex_id = exercise_id(cell)
        has_markers = any(line.strip() in MARKERS for line in cell.source.split("\n"))
        if ex_id is None:
            if has_markers:
                problems.append(
                    where(
                        'solution markers in a cell that is not an exercise: its first line should be "# Exercise N.M"'
                    )
                )
            continue
        meta_id = nb.cells[index].metadata.get("course", {}).get("exercise")
        if meta_id is not None and registry.exercise_in(cell.source) and meta_id != ex_id:
            problems.append(where(f"metadata says exercise {meta_id} but the first line says {ex_id}"))
        if ex_id in seen:
            problems.append(where(f"exercise {ex_id} is used twice: first at {seen[ex_id]}"))
            continue
        seen[ex_id] = where("").rstrip(": ")
        found.append(ex_id)
        known = registry.EXERCISES.get(ex_id)
        if known is None:
            problems.append(where(f"exercise {ex_id} is in no lesson module (helpers/lessons/lessonNN.py)"))
        elif known.notebook != nb_id:
            problems.append(where(f"exercise {ex_id} belongs to notebook {known.notebook} in the registry"))
        if not has_markers:
            problems.append(where(f'exercise {ex_id} has no "{BEGIN}" ... "{END}" region'))
        next_code = next((c for c in cells[index + 1 :] if c.cell_type == "code"), None)
        if next_code is None or not calls_check(next_code, ex_id):
            problems.append(
                where(
                    f'exercise {ex_id} has no check cell after it: the next code cell should call check("{ex_id}", ...)'
                )
            )
        bug = handed_out(cell.source)
        if known is not None and bug is not None and code_lines(bug) != code_lines(known.handed_out):
            problems.append(
                where(
                    f"exercise {ex_id} hands out {bug.strip() or 'no buggy code'!r} between "
                    f'"{BEGIN_STUB}" and "{END_STUB}", but its lesson module declares handed_out='
                    f"{known.handed_out!r}: the check tells an untouched bug by it"
                )
            )
        elif known is not None and bool(known.handed_out) != bool(known.handed_out_mistake):
            problems.append(
                where(
                    f"exercise {ex_id} declares handed_out={known.handed_out!r} with handed_out_mistake="
                    f"{known.handed_out_mistake!r}: a spot-the-bug exercise needs both, the code and the key of "
                    "the mistake its check names for it"
                )
            )
        try:
            cell.source = student_source(cell.source, ex_id, where)
        except AuthoringError as err:
            problems.extend(err.problems)
        cell.metadata["course"] = {"exercise": ex_id}
    missing = [ex.id for ex in registry.for_notebook(nb_id) if ex.id not in found]
    if missing:
        problems.append(
            f"{rel}: the registry lists exercise(s) {', '.join(missing)} for notebook {nb_id}, but no cell has them"
        )
    if problems:
        raise AuthoringError(problems)
    badges = online.badges(f"notebooks/{folder}{path.name}")
    title = next((c for c in student.cells if c.cell_type == "markdown"), None)
    if badges and title is not None:
        first, _, rest = title.source.partition("\n")
        title.source = f"{first}\n\n{badges}\n{rest}"
    return student


def masters(root: Path) -> list[Path]:
    return sorted((root / "solutions").glob("*.ipynb"))


def render(nb: NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"
