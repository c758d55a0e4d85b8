"""Generate the student notebooks in notebooks/ from the masters in solutions/.

    python -m helpers.build             regenerate notebooks/ from solutions/
    python -m helpers.build --check     exit 1 if notebooks/ is out of sync or solutions/
                                        has cells that were never executed; names each one
    python -m helpers.build --execute   re-execute solutions/ in place to refresh their
                                        outputs, then regenerate notebooks/
    python -m helpers.build --nbgrader DIR   write an nbgrader course's source/ tree and
                                        config into DIR (helpers/nbgrader_source.py)

Every notebook, master and student copy, opens with a setup cell that the build writes
(helpers/online.py): with the course's repository set in pyproject.toml ([tool.course]),
it installs the course in Colab, and the build also writes Colab and Binder links into
README.md and the student notebooks. Masters are saved without widget state, so that
static viewers (nbconvert, GitHub) show each widget's picture instead of a placeholder.

A master's exercise cell starts with "# Exercise 1.2" (also kept in the cell metadata as
course.exercise) and holds its answer between "### BEGIN SOLUTION" and "### END SOLUTION".
In the student copy each answer becomes a line that raises NotImplementedError naming the
exercise. For a "spot the bug" exercise, a "### BEGIN STUB" ... "### END STUB" block right
after the answer holds commented-out lines that the student sees instead (uncommented).
The next code cell after an exercise must call check("1.2", ...).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from helpers import exercises as registry
from helpers import online as online_links
from helpers.online import Online

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_STUB, END_STUB = "### BEGIN STUB", "### END STUB"
MARKERS = (BEGIN, END, BEGIN_STUB, END_STUB)
EXERCISE_LINE = re.compile(r"^# Exercise (\d+\.\d+)\b")
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
    match = EXERCISE_LINE.match(cell.source)
    if match:
        return match.group(1)
    return cell.metadata.get("course", {}).get("exercise")


def calls_check(cell: NotebookNode, ex_id: str) -> bool:
    return bool(re.search(r"\bcheck\(\s*['\"]" + re.escape(ex_id) + r"['\"]", cell.source))


def _uncomment(line: str) -> str:
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    body = stripped[1:]
    return indent + (body[1:] if body.startswith(" ") else body)


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
                problems.append(where(f'"{BEGIN}" inside another marked region (line {start}): markers cannot nest', number))
                continue
            state, start, indent = "solution", number, line[: len(line) - len(line.lstrip())]
            if not _inside_def(out, len(indent)):
                problems.append(
                    where(f'"{BEGIN}" is not inside a def: the student\'s stub would raise as soon as the cell '
                          "runs and stop Run All. Put the answer inside a function or method body.", number)
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
        raise AuthoringError([f"{path}: notebook {recorded} is not in helpers/exercises.py LESSONS"])
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


def student_notebook(path: Path, nb: NotebookNode, seen: dict[str, str] | None = None,
                     online: Online = Online()) -> NotebookNode:
    """The student copy of one master (as master_notebook() keeps it). `seen` maps exercise
    ids to where they were first met, so that an id used in two notebooks is reported too.
    With a repository address in `online`, the first Markdown cell gets Colab and Binder
    links under its title."""
    seen = {} if seen is None else seen
    rel = f"solutions/{path.name}"
    nb_id = notebook_id(path, nb)
    problems: list[str] = []
    student = nbformat.from_dict(nb)
    student.metadata["course"] = {"notebook": nb_id, "generated_from": f"solutions/{path.name}"}
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
                problems.append(where('solution markers in a cell that is not an exercise: its first line should be "# Exercise N.M"'))
            continue
        meta_id = nb.cells[index].metadata.get("course", {}).get("exercise")
        if meta_id is not None and EXERCISE_LINE.match(cell.source) and meta_id != ex_id:
            problems.append(where(f"metadata says exercise {meta_id} but the first line says {ex_id}"))
        if ex_id in seen:
            problems.append(where(f"exercise {ex_id} is used twice: first at {seen[ex_id]}"))
            continue
        seen[ex_id] = where("").rstrip(": ")
        found.append(ex_id)
        known = registry.EXERCISES.get(ex_id)
        if known is None:
            problems.append(where(f"exercise {ex_id} is not in the registry (helpers/exercises.py)"))
        elif known.notebook != nb_id:
            problems.append(where(f"exercise {ex_id} belongs to notebook {known.notebook} in the registry"))
        if not has_markers:
            problems.append(where(f'exercise {ex_id} has no "{BEGIN}" ... "{END}" region'))
        next_code = next((c for c in cells[index + 1 :] if c.cell_type == "code"), None)
        if next_code is None or not calls_check(next_code, ex_id):
            problems.append(where(f'exercise {ex_id} has no check cell after it: the next code cell should call check("{ex_id}", ...)'))
        try:
            cell.source = student_source(cell.source, ex_id, where)
        except AuthoringError as err:
            problems.extend(err.problems)
        cell.metadata["course"] = {"exercise": ex_id}
    missing = [ex.id for ex in registry.for_notebook(nb_id) if ex.id not in found]
    if missing:
        problems.append(f"{rel}: the registry lists exercise(s) {', '.join(missing)} for notebook {nb_id}, but no cell has them")
    if problems:
        raise AuthoringError(problems)
    badges = online.badges(f"notebooks/{path.name}")
    title = next((c for c in student.cells if c.cell_type == "markdown"), None)
    if badges and title is not None:
        first, _, rest = title.source.partition("\n")
        title.source = f"{first}\n\n{badges}\n{rest}"
    return student


def masters(root: Path) -> list[Path]:
    return sorted((root / "solutions").glob("*.ipynb"))


def render(nb: NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


@dataclass
class Generated:
    """What the build writes: every student notebook's text; the masters whose setup cell
    or widget state it changes, with their new text; README.md's new text if it changes."""

    notebooks: dict[Path, str]
    masters: dict[Path, str]
    readme: str | None


def generate(root: Path, online: Online | None = None) -> Generated:
    """Everything the build writes, for the course's address in root/pyproject.toml unless
    `online` is given; AuthoringError lists every problem found."""
    try:
        online = online_links.read_settings(root) if online is None else online
    except online_links.SettingError as err:
        raise AuthoringError([str(err)]) from None
    notebooks: dict[Path, str] = {}
    changed_masters: dict[Path, str] = {}
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in masters(root):
        try:
            nb = nbformat.read(path, as_version=4)
            master = master_notebook(nb, online)
            if master != nb:
                changed_masters[path] = render(master)
            notebooks[root / "notebooks" / path.name] = render(student_notebook(path, master, seen, online))
        except AuthoringError as err:
            problems.extend(err.problems)
        except Exception as err:  # unreadable JSON and the like
            problems.append(f"{path}: cannot be read as a notebook ({type(err).__name__}: {err})")
    if problems:
        raise AuthoringError(problems)
    readme_path = root / "README.md"
    readme = readme_path.read_text(encoding="utf-8") if readme_path.exists() else None
    lessons = [(f"notebooks/{path.name}", f"{path.name[:2]} {registry.LESSONS[path.name[:2]]}") for path in masters(root)]
    new_readme = online_links.with_readme_block(readme, online, lessons) if readme is not None else None
    return Generated(notebooks, changed_masters, new_readme if new_readme != readme else None)


def build(root: Path = ROOT, online: Online | None = None) -> list[Path]:
    """Write notebooks/ from solutions/, the masters' setup cells and README.md's links;
    returns the files that changed or were removed."""
    generated = generate(root, online)
    changed = []
    for path, text in generated.masters.items():
        path.write_text(text, encoding="utf-8")
        changed.append(path)
    if generated.readme is not None:
        (root / "README.md").write_text(generated.readme, encoding="utf-8")
        changed.append(root / "README.md")
    (root / "notebooks").mkdir(exist_ok=True)
    for path, text in generated.notebooks.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        if path not in generated.notebooks:
            path.unlink()
            changed.append(path)
    return changed


def _cell_differences(path: Path, wanted: str) -> list[str]:
    try:
        have = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    except Exception as err:
        return [f"{path}: cannot be read ({type(err).__name__})"]
    want = nbformat.reads(wanted, as_version=4)
    problems = []
    for index in range(max(len(have.cells), len(want.cells))):
        if index >= len(have.cells):
            problems.append(f"{path}: cell {index + 1} is missing")
        elif index >= len(want.cells):
            problems.append(f"{path}: cell {index + 1} should not be there")
        elif have.cells[index] != want.cells[index]:
            first = want.cells[index].source.split("\n", 1)[0][:50]
            problems.append(f'{path}: cell {index + 1} ("{first}") differs from what its master generates')
    if not problems:
        problems.append(f"{path}: notebook metadata or format differs from what its master generates")
    return problems


def check(root: Path = ROOT, online: Online | None = None) -> list[str]:
    """Everything out of sync, one line each; empty when notebooks/ matches solutions/."""
    try:
        generated = generate(root, online)
    except AuthoringError as err:
        return err.problems
    wanted = generated.notebooks
    problems = [f"{path}: its setup cell or saved widget state is not what the build writes; run python -m helpers.build"
                for path in generated.masters]
    if generated.readme is not None:
        problems.append(f"{root / 'README.md'}: its Colab and Binder links are not what [tool.course] in "
                        "pyproject.toml gives; run python -m helpers.build")
    for path, text in wanted.items():
        if not path.exists():
            problems.append(f"{path}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.extend(_cell_differences(path, text))
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        if path not in wanted:
            problems.append(f"{path}: has no master in solutions/")
    for path in masters(root):
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and cell.source.strip() and cell.execution_count is None:
                problems.append(f"{path}: cell {index + 1} was never executed; run python -m helpers.build --execute")
    return [p.replace(str(root) + os.sep, "") for p in problems]


def run_notebook(nb: NotebookNode, cwd: Path, timeout: int = 120) -> NotebookNode:
    """Execute `nb` in place in a fresh python3 kernel started in `cwd`, drawing plots inline
    as a student's kernel does (whatever MPLBACKEND says here); returns it."""
    from nbclient import NotebookClient

    backend = os.environ.pop("MPLBACKEND", None)
    try:
        NotebookClient(
            nb, timeout=timeout, kernel_name="python3", record_timing=False, resources={"metadata": {"path": str(cwd)}}
        ).execute()
    finally:
        if backend is not None:
            os.environ["MPLBACKEND"] = backend
    return nb


def execute(path: Path, online: Online) -> None:
    """Run a master, as master_notebook() keeps it, top to bottom in a fresh kernel and save
    it with its new outputs and without the widget state that running it saved."""
    nb = run_notebook(master_notebook(nbformat.read(path, as_version=4), online), path.parent)
    path.write_text(render(master_notebook(nb, online)), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.build", description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="report what is out of sync and exit 1 if anything is")
    group.add_argument("--execute", action="store_true", help="re-execute solutions/ to refresh outputs, then build")
    group.add_argument("--nbgrader", type=Path, metavar="DIR", help="write an nbgrader course (source/, config) into DIR")
    parser.add_argument("--root", type=Path, default=ROOT, help="the course folder (default: this checkout)")
    parser.add_argument("notebooks", nargs="*", help="with --execute: only these masters (default: all)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        if args.nbgrader:
            from helpers import nbgrader_source
            print("\n".join(nbgrader_source.write(args.nbgrader.resolve(), root)))
            return 0
        if args.check:
            problems = check(root)
            for problem in problems:
                print(problem)
            print("notebooks/ is in sync with solutions/" if not problems else f"{len(problems)} problem(s)")
            return 1 if problems else 0
        if args.execute:
            online = online_links.read_settings(root)
            for path in [Path(p).resolve() for p in args.notebooks] or masters(root):
                print(f"executing {path.relative_to(root)}", flush=True)
                execute(path, online)
        changed = build(root)
    except (AuthoringError, online_links.SettingError) as err:
        print(err, file=sys.stderr)
        return 2
    for path in changed:
        print(f"wrote {path.relative_to(root)}")
    print(f"notebooks/ is up to date ({len(masters(root))} notebooks, {len(changed)} changed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
