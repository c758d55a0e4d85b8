"""Generate the student notebooks in notebooks/ from the masters in solutions/.

    python -m helpers.build             regenerate notebooks/ from solutions/
    python -m helpers.build --check     exit 1 if notebooks/ is out of sync or solutions/
                                        has cells that were never executed; names each one
    python -m helpers.build --execute   re-execute solutions/ in place to refresh their
                                        outputs (and each lesson's editions, from the catalogs
                                        in locales/), then regenerate notebooks/
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

The editions (繁體中文, 简体中文) are built from the same masters and the catalogs in
locales/ (helpers/edition_build.py); --check also fails, naming edition, notebook and cell
or message key, when a translation is missing or stale.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from helpers import edition_build, editions
from helpers import exercises as registry
from helpers import online as online_links
from helpers.authoring import ROOT, AuthoringError, master_notebook, masters, render, student_notebook
from helpers.kernel import run_notebook
from helpers.online import Online


@dataclass
class Generated:
    """What the build writes: every student notebook's text; the masters whose setup cell
    or widget state it changes, with their new text; README.md's new text if it changes."""

    notebooks: dict[Path, str]
    masters: dict[Path, str]
    readme: str | None
    editions: edition_build.Editions


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
    kept: dict[Path, nbformat.NotebookNode] = {}
    for path in masters(root):
        try:
            nb = nbformat.read(path, as_version=4)
            master = master_notebook(nb, online)
            kept[path] = master
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
    lessons = [
        (f"notebooks/{path.name}", f"{path.name[:2]} {registry.LESSONS[path.name[:2]]}") for path in masters(root)
    ]
    new_readme = online_links.with_readme_block(readme, online, lessons) if readme is not None else None
    try:
        made = edition_build.generate(root, kept, online)
    except AuthoringError as err:
        raise AuthoringError([f"an edition: {p}" for p in err.problems]) from None
    return Generated(notebooks, changed_masters, new_readme if new_readme != readme else None, made)


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
    return changed + edition_build.write(root, generated.editions)


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


def check(root: Path = ROOT, online: Online | None = None, generated: Generated | None = None) -> list[str]:
    """Everything out of sync, one line each; empty when notebooks/ matches solutions/ and
    the editions their masters and catalogs."""
    try:
        generated = generate(root, online) if generated is None else generated
    except AuthoringError as err:
        return err.problems
    wanted = generated.notebooks
    problems = [
        f"{path}: its setup cell or saved widget state is not what the build writes; run python -m helpers.build"
        for path in generated.masters
    ]
    if generated.readme is not None:
        problems.append(
            f"{root / 'README.md'}: its Colab and Binder links are not what [tool.course] in "
            "pyproject.toml gives; run python -m helpers.build"
        )
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
    problems += edition_build.check(root, generated.editions)
    return [p.replace(str(root) + os.sep, "") for p in problems]


def notes(root: Path = ROOT) -> list[str]:
    """What every run says besides problems: the lessons each edition does not have yet."""
    try:
        return generate(root).editions.notes
    except (AuthoringError, online_links.SettingError):
        return []


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
    group.add_argument(
        "--nbgrader", type=Path, metavar="DIR", help="write an nbgrader course (source/, config) into DIR"
    )
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
            try:
                generated = generate(root)
            except AuthoringError as err:
                generated, problems = None, err.problems
            problems = check(root, generated=generated) if generated is not None else problems
            for problem in problems:
                print(problem)
            for note in generated.editions.notes if generated is not None else []:
                print(f"note: {note}")
            print("notebooks/ is in sync with solutions/" if not problems else f"{len(problems)} problem(s)")
            return 1 if problems else 0
        if args.execute:
            online = online_links.read_settings(root)
            build(root)  # the catalogs as the editions will be executed
            for path in [Path(p).resolve() for p in args.notebooks] or masters(root):
                execute_lesson(root, path, online)
        changed = build(root)
    except (AuthoringError, online_links.SettingError) as err:
        print(err, file=sys.stderr)
        return 2
    for path in changed:
        print(f"wrote {path.relative_to(root)}")
    for note in notes(root):
        print(f"note: {note}")
    print(f"notebooks/ is up to date ({len(masters(root))} notebooks, {len(changed)} changed)")
    return 0


def execute_lesson(root: Path, path: Path, online: Online) -> None:
    """--execute for one notebook: a master, then each edition that has its lesson; or, for
    solutions/<edition>/NN-....ipynb, that edition alone (from its master as it is)."""
    edition = path.parent.name if path.parent.name in editions.CHINESE else None
    master_path = path.parent.parent / path.name if edition else path
    if edition is None:
        print(f"executing {path.relative_to(root)}", flush=True)
        execute(path, online)
    master = master_notebook(nbformat.read(master_path, as_version=4), online)
    number = master.metadata.get("course", {}).get("notebook")
    for each in [edition] if edition else editions.CHINESE:
        if number in editions.COVERED.get(each, ()):
            print(f"executing solutions/{each}/{path.name}", flush=True)
            edition_build.execute(root, master_path, each, master, online)


if __name__ == "__main__":
    sys.exit(main())
