"""Import translators' hand-off files into the catalogs.

    python -m helpers.handoff DIR     DIR/<edition>/<NN>.json -> locales/<edition>/<NN>.po

The hand-off format (one JSON file per edition and lesson: each Markdown cell's English as
it was translated and its translation, each comment and plot string with its translation)
is how translations were written before the catalogs existed. Each entry becomes a catalog
entry: current when its English is today's, fuzzy (stale) when it was made from other
English; the setup cell's words go into locales/<edition>/course.po. Then run
python -m helpers.build (which writes the editions of the lessons helpers/editions.py
COVERED lists) and python -m helpers.build --check (which names what is still missing or
stale). Prints, per edition and lesson, what is complete, stale or missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from helpers import catalogs, editions, units
from helpers.authoring import ROOT, master_notebook, masters, notebook_id
from helpers.online import read_settings


def run(root: Path, folder: Path) -> list[str]:
    """Import every hand-off file under `folder`; returns the report's lines."""
    online = read_settings(root)
    lessons = {}
    for path in masters(root):
        nb = master_notebook(nbformat.read(path, as_version=4), online)
        lessons[notebook_id(path, nb)] = (path, units.lesson_units(path.name, nb.cells))
    course_units = units.course_units(root)
    report = []
    for edition in editions.CHINESE:
        course_po = catalogs.po_path(root, edition, catalogs.COURSE)
        course = catalogs.updated(catalogs.read(course_po, edition, catalogs.COURSE), course_units, edition, "course")
        for path in sorted((folder / edition).glob("*.json")):
            if path.stem not in lessons:
                report.append(f"{edition}/{path.name}: lesson {path.stem} has no master: skipped")
                continue
            lesson_units = lessons[path.stem][1]
            catalog, notes = catalogs.import_handoff(root, path, lesson_units, course)
            _write(catalogs.po_path(root, edition, path.stem), catalogs.render(catalog))
            report += [f"{edition}/{note}" for note in notes]
        _write(course_po, catalogs.render(course))
        for number, (_path, lesson_units) in sorted(lessons.items()):
            po = catalogs.po_path(root, edition, number)
            if not po.exists():
                report.append(f"{edition} {number}: no translation")
                continue
            gaps = catalogs.gaps(catalogs.read(po, edition, number), lesson_units)
            stale = sum(g.why == "stale" for g in gaps)
            missing = sum(g.why != "stale" for g in gaps)
            state = "complete" if not gaps else f"{stale} stale, {missing} missing of {len(lesson_units)}"
            covered = "in the edition" if number in editions.COVERED[edition] else "not in the edition yet"
            report.append(f"{edition} {number}: {state} ({covered})")
    return report


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.handoff", description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="the hand-off folder, holding <edition>/<NN>.json")
    parser.add_argument("--root", type=Path, default=ROOT, help="the course folder (default: this checkout)")
    args = parser.parse_args(argv)
    print("\n".join(run(args.root.resolve(), args.folder)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
