"""The Chinese editions, written by the build from the English masters and the catalogs:

    solutions/<edition>/NN-title.ipynb   the master in the edition's words, with outputs
    notebooks/<edition>/NN-title.ipynb   its student copy

for each lesson that helpers/editions.py COVERED lists for the edition (the others have no
edition yet, and the build says so each time). Same file names as the English ones, so a
notebook is the same lesson whatever its edition (the grader recognises it by its metadata
course.notebook, and its edition by course.edition). Code, exercise ids, names and test
inputs are the master's; only Markdown, comments, docstrings and plot strings (helpers/units.py) and
the setup cell, which tells the checks the edition, differ.

An edition's solutions keep outputs from being executed in a real kernel in that edition
(python -m helpers.build --execute), as the English masters do: a code cell whose code
(comments aside) is what was executed keeps its outputs, any other gets none until it is
executed again, which --check says.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from helpers import catalogs, editions, units
from helpers import online as online_links
from helpers.authoring import exercise_id, notebook_id, render, student_notebook
from helpers.online import Online


@dataclass
class Editions:
    """What the build writes for the editions, and what --check reports about them."""

    catalogs: dict[Path, str] = field(default_factory=dict)  # PO files, as updated with the current English
    compiled: dict[Path, bytes] = field(default_factory=dict)  # helpers/locales/<edition>.mo
    notebooks: dict[Path, str] = field(default_factory=dict)  # solutions/<edition>/... and notebooks/<edition>/...
    problems: list[str] = field(default_factory=list)  # translations missing or stale
    notes: list[str] = field(default_factory=list)  # lessons an edition does not have yet


def without_comments(source: str) -> str:
    """A code cell's code, its comments and docstrings left out: what decides whether its
    outputs still hold (a translated docstring changes nothing the cell prints)."""
    docstrings = {(node.lineno, node.col_offset) for node, _text in units.docstrings(source, prose=False)}
    try:
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type != tokenize.COMMENT
            and not (t.type == tokenize.STRING and (t.start[0], len(t.line[: t.start[1]].encode())) in docstrings)
        ]
        return tokenize.untokenize((t.type, t.string) for t in tokens)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return source


def edition_master(
    master: NotebookNode, edition: str, find, online: Online, executed: NotebookNode | None
) -> NotebookNode:
    """The master in `edition`'s words (`find(context, msgid)` gives a translation or None),
    with the outputs of `executed` (the edition's solution as last executed) where they hold."""
    nb = nbformat.from_dict(master)
    nb.metadata["course"] = {**nb.metadata.get("course", {}), "edition": edition}
    before = {c.get("id"): c for c in (executed.cells if executed is not None else []) if c.cell_type == "code"}
    names = units.plot_names([c.source for c in nb.cells if c.cell_type == "code" and not online_links.is_setup(c)])
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = find(units.CELL + cell.id, cell.source) or cell.source
            continue
        if cell.cell_type != "code":
            continue
        if online_links.is_setup(cell):
            cell.source = online_links.setup_source(online, edition, lambda text: find("", text) or text)
            tags = cell.metadata.get("tags", [])  # its one line where no CJK font is found differs between machines
            cell.metadata["tags"] = tags if "nbval-ignore-output" in tags else [*tags, "nbval-ignore-output"]
        else:
            exercise = exercise_id(cell)
            if exercise:  # named in its metadata too, as the student copy does, whatever the master's says
                cell.metadata["course"] = {**cell.metadata.get("course", {}), "exercise": exercise}
            cell.source = units.translated_code(cell.source, find, names)
        old = before.get(cell.get("id"))
        same = old is not None and without_comments(old.source) == without_comments(cell.source)
        if old is not None and old.execution_count is not None and (same or online_links.is_setup(cell)):
            # the setup cell is the build's, as in a master: its run stands when the course's address changes
            cell.outputs, cell.execution_count = old.outputs, old.execution_count
        else:
            cell.outputs, cell.execution_count = [], None
    return nb


def generate(root: Path, masters: dict[Path, NotebookNode], online: Online) -> Editions:
    """Catalogs, compiled catalogs and notebooks of every edition; the problems --check
    reports. `masters` are the English masters as the build keeps them."""
    out = Editions()
    course_units = units.course_units(root)
    lessons = {notebook_id(path, nb): (path, nb) for path, nb in masters.items()}
    for edition in editions.CHINESE:
        course_po = catalogs.po_path(root, edition, catalogs.COURSE)
        course = catalogs.updated(
            catalogs.read(course_po, edition, catalogs.COURSE), course_units, edition, catalogs.COURSE
        )
        _keep(out, course_po, catalogs.render(course))
        rel = course_po.relative_to(root).as_posix()
        out.problems += [catalogs.describe(edition, gap, rel) for gap in catalogs.gaps(course, course_units)]
        covered = editions.COVERED.get(edition, ())
        lesson_catalogs = []
        seen: dict[str, str] = {}
        for number, (path, master) in sorted(lessons.items()):
            po = catalogs.po_path(root, edition, number)
            lesson_units = units.lesson_units(path.name, master.cells)
            catalog = catalogs.updated(catalogs.read(po, edition, number), lesson_units, edition, number)
            _keep(out, po, catalogs.render(catalog))
            if number not in covered:
                continue
            lesson_catalogs.append(catalog)
            rel = po.relative_to(root).as_posix()
            out.problems += [catalogs.describe(edition, gap, rel) for gap in catalogs.gaps(catalog, lesson_units)]
            find = catalogs.lookup(catalog)
            course_find = catalogs.lookup(course)
            solution = root / "solutions" / edition / path.name
            executed = nbformat.read(solution, as_version=4) if solution.exists() else None
            nb = edition_master(master, edition, lambda c, m: (find if c else course_find)(c, m), online, executed)
            out.notebooks[solution] = render(nb)
            student = student_notebook(solution, nb, seen, online, folder=f"{edition}/")
            out.notebooks[root / "notebooks" / edition / path.name] = render(student)
            stale = [
                c.get("id", "?")
                for c in nb.cells
                if c.cell_type == "code" and c.source.strip() and c.execution_count is None
            ]
            if stale:
                out.problems.append(
                    f"{edition}: solutions/{edition}/{path.name}: {len(stale)} code cell(s) not executed since their code "
                    f"changed (cell {', '.join(stale[:3])}{', ...' if len(stale) > 3 else ''}); run python -m helpers.build "
                    f"--execute solutions/{edition}/{path.name}"
                )
        missing = [n for n in covered if n not in lessons]
        out.problems += [
            f"{edition}: helpers/editions.py COVERED lists lesson {n}, which has no master" for n in missing
        ]
        left = [n for n in sorted(lessons) if n not in covered]
        if left:
            out.notes.append(
                f"{edition} ({editions.EDITIONS[edition]}): lessons {', '.join(left)} have no edition yet, by "
                "helpers/editions.py COVERED (README's course map says so)"
            )
        out.compiled[catalogs.mo_path(root, edition)] = catalogs.compiled([course, *lesson_catalogs], edition)
    return out


def _keep(out: Editions, path: Path, text: str) -> None:
    out.catalogs[path] = text


def write(root: Path, generated: Editions) -> list[Path]:
    """Write what changed; remove edition notebooks the build no longer makes. Returns the
    files written or removed."""
    changed = []
    for path, text in {**generated.catalogs, **generated.notebooks}.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    for path, data in generated.compiled.items():
        if not path.exists() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            changed.append(path)
    for edition in editions.CHINESE:
        for folder in ("solutions", "notebooks"):
            for path in sorted((root / folder / edition).glob("*.ipynb")):
                if path not in generated.notebooks:
                    path.unlink()
                    changed.append(path)
    if changed:
        editions.catalog.cache_clear()
        editions.templates.cache_clear()
    return changed


def check(root: Path, generated: Editions) -> list[str]:
    """What is out of date in the editions: translations (generated.problems), and files
    that are not what the build writes."""
    problems = list(generated.problems)
    for path, data in generated.compiled.items():
        if not path.exists() or path.read_bytes() != data:
            problems.append(f"{path.relative_to(root)}: not compiled from locales/; run python -m helpers.build")
    for path, text in generated.notebooks.items():
        if not path.exists():
            problems.append(f"{path.relative_to(root)}: missing; run python -m helpers.build")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(
                f"{path.relative_to(root)}: differs from what the master and the catalogs give; run python -m helpers.build"
            )
    for edition in editions.CHINESE:
        for folder in ("solutions", "notebooks"):
            for path in sorted((root / folder / edition).glob("*.ipynb")):
                if path not in generated.notebooks:
                    problems.append(
                        f"{path.relative_to(root)}: no lesson of the edition makes it (helpers/editions.py COVERED)"
                    )
    return problems


def execute(root: Path, master_path: Path, edition: str, master: NotebookNode, online: Online) -> Path:
    """Run a lesson's edition, as generate() makes it from `master`, in a fresh kernel, and
    save it with its outputs in solutions/<edition>/."""
    from helpers.kernel import run_notebook

    number = notebook_id(master_path, master)
    course = catalogs.read(catalogs.po_path(root, edition, catalogs.COURSE), edition, catalogs.COURSE)
    lesson = catalogs.read(catalogs.po_path(root, edition, number), edition, number)
    find, course_find = catalogs.lookup(lesson), catalogs.lookup(course)
    nb = edition_master(master, edition, lambda c, m: (find if c else course_find)(c, m), online, None)
    target = root / "solutions" / edition / master_path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    nb = run_notebook(nb, target.parent)
    nb.metadata.pop("widgets", None)
    target.write_text(render(nb), encoding="utf-8")
    return target
