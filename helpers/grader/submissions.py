"""Finding and reading students' notebooks, as plain JSON: the parent never runs student
code, and never writes to SUBMISSIONS. Every student folder gets a row (classroom.plan)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from helpers import exercises as registry
from helpers.editions import EDITIONS, ENGLISH
from helpers.grader.protocol import MISSING, UNREADABLE


@dataclass
class Submission:
    """One notebook file of a student, as read (never run) by the parent."""

    student: str
    path: Path
    name: str = ""  # the file's path inside the student's folder, as the feedback names it
    notebook: str | None = None  # "01", or None when not recognised
    edition: str = ""  # "en", "zh-Hant" or "zh-Hans": the language of its feedback ("" before it is read)
    cells: list[dict] = field(default_factory=list)  # every cell: index, type, source, exercise
    problem: str = ""  # why it is unreadable
    digest: str = ""  # sha-256 of the file as read: the cells are read again, and must be the same, when it runs
    notes: list[str] = field(default_factory=list)


MAX_NOTEBOOK_BYTES = 64 << 20  # a larger file is not read (course notebooks with outputs: under 2 MB)
MAX_CODE_CHARACTERS = 1 << 20  # code kept per notebook until it runs (the course's lessons: under 40,000)


def read_submission(student: str, path: Path, name: str = "") -> Submission:
    """Read a notebook as plain JSON: its cells, which course notebook it is, or why it
    cannot be read. Never raises for what is in the file."""
    sub = Submission(student, path, name or printable(path.name))
    try:  # O_NOFOLLOW: a link put in place after the folder was listed is refused too; O_NONBLOCK: a FIFO
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                sub.problem = "expected a notebook file, got a special file (a pipe, a device or a socket)"
                return sub
            raw = f.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as exc:
        sub.problem = f"could not read the file: {exc.strerror}"
        return sub
    sub.digest = hashlib.sha256(raw).hexdigest()
    if len(raw) > MAX_NOTEBOOK_BYTES:
        sub.problem = (
            f"expected a notebook of at most {MAX_NOTEBOOK_BYTES >> 20} MB, got a larger file "
            f"({path.stat().st_size / 2**20:,.0f} MB): clear its outputs and hand it in again"
        )
        return sub
    if not raw.strip():
        sub.problem = "the file is empty: expected a notebook (JSON), got 0 bytes"
        return sub
    try:
        nb = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        sub.problem = "expected a notebook (JSON text), got a binary file"
        return sub
    except ValueError as exc:
        sub.problem = f"expected a notebook (JSON), got malformed JSON: {exc}"
        return sub
    except RecursionError:
        sub.problem = "expected a notebook (JSON), got JSON nested too deeply to be one"
        return sub
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        got = f"a JSON {type(nb).__name__}" + ("" if not isinstance(nb, dict) else " without a list of cells")
        sub.problem = f"expected a notebook (a JSON object with a list of cells), got {got}"
        return sub
    if str(nb.get("nbformat", 4)) != "4":
        sub.problem = (
            f"expected a version 4 notebook, got version {nb.get('nbformat')}: open it in JupyterLab and save it"
        )
        return sub
    for index, cell in enumerate(nb["cells"], start=1):
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            source = ""
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        course = metadata.get("course") if isinstance(metadata.get("course"), dict) else {}
        exercise = course.get("exercise") if isinstance(course.get("exercise"), str) else None
        if exercise is None:
            exercise = registry.exercise_in(source)
        kind = str(cell.get("cell_type"))[:40]
        if kind != "code":  # only its first line is ever shown: the parent keeps no more of it
            source = next((line for line in source.splitlines() if line.strip()), "")[:200]
        sub.cells.append({"index": index, "type": kind, "source": source, "exercise": exercise})
    code = sum(len(c["source"]) for c in sub.cells if c["type"] == "code")
    if code > MAX_CODE_CHARACTERS:
        sub.cells = []
        sub.problem = (
            f"expected code cells of at most {MAX_CODE_CHARACTERS:,} characters in all, got {code:,}: "
            "is there a huge string or pasted data in a code cell?"
        )
        return sub
    sub.notebook = recognise(nb, path, sub.cells)
    sub.edition = edition_of(nb, sub.cells)
    return sub


SET_EDITION = re.compile(r"""^\s*helpers\.set_edition\(\s*["']([A-Za-z-]+)["']\s*\)""", re.M)


def edition_of(nb: dict, cells: list[dict]) -> str:
    """The edition a notebook was handed out in: its metadata (course.edition, written by the
    build), else the set_edition() line of its setup cell, else English."""
    metadata = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    course = metadata.get("course") if isinstance(metadata.get("course"), dict) else {}
    if course.get("edition") in EDITIONS:
        return course["edition"]
    for cell in cells:
        found = SET_EDITION.search(cell["source"]) if cell["type"] == "code" else None
        if found and found.group(1) in EDITIONS:
            return found.group(1)
    return ENGLISH


def recognise(nb: dict, path: Path, cells: list[dict]) -> str | None:
    """The course notebook ("01"): from the metadata, else the file name, else the ids
    of its exercise cells."""
    metadata = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    course = metadata.get("course") if isinstance(metadata.get("course"), dict) else {}
    if course.get("notebook") in registry.LESSONS:
        return course["notebook"]
    if (lesson := lesson_from_name(path)) is not None:
        return lesson
    lessons = {c["exercise"].split(".")[0].zfill(2) for c in cells if c["exercise"] and c["type"] == "code"}
    if len(lessons) == 1 and (lesson := lessons.pop()) in registry.LESSONS:
        return lesson
    return None


LINK_PROBLEM = (
    "is a symbolic link; the grader follows no links (they could point at another student's work "
    "or outside the submissions): hand in the file itself"
)


def printable(name: str) -> str:
    """A file or folder name as text that can be written anywhere: bytes that are not
    UTF-8 (kept by Python as surrogates) are written as \\xNN, and so that two names stay
    two, a backslash of the name itself as \\\\: the folder "caf" + byte 0xE9 is "caf\\xe9",
    and the folder named "caf\\xe9" is "caf\\\\xe9"."""
    return name.replace("\\", "\\\\").encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def lesson_from_name(path: Path) -> str | None:
    """The course notebook a file name points to ("...attention-is-a-weighted-sum..."), or None."""
    name = path.stem.lower().replace("_", "-").replace(" ", "-")
    for lesson, stem in registry.NOTEBOOK_FILES.items():
        if stem.split("-", 1)[1] in name:
            return lesson
    return None


def find_submissions(
    root: Path, keep_cells: bool = True
) -> tuple[list[Submission], dict[str, tuple[str, str]], list[str]]:
    """Every notebook (*.ipynb, any case, in any subfolder) of every SUBMISSIONS/<student>/,
    read; for each student folder that holds none, the status of its rows and what was
    found; notes about what was skipped. Symbolic links are never followed: a linked
    notebook is an unreadable submission, a linked student folder has unreadable rows."""
    submissions, empty, notes = [], {}, []
    for entry in sorted(root.iterdir()):
        student = printable(entry.name)
        if entry.name.startswith("."):
            notes.append(f"skipped {student}: a hidden folder or file (its name starts with a dot)")
            continue
        if entry.is_symlink():
            empty[student] = (UNREADABLE, f"The student folder {student} {LINK_PROBLEM}.")
            continue
        if not entry.is_dir():
            notes.append(f"skipped {student}: expected a folder per student, got a file")
            continue
        found, others, unread = [], [], []
        for folder, dirs, files in os.walk(entry, onerror=unread.append):  # follows no links to folders
            dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints")  # Jupyter's own copies, not the work
            for name in sorted(files):
                path = Path(folder) / name
                relative = printable(path.relative_to(entry).as_posix())
                if not name.lower().endswith(".ipynb"):
                    others.append(relative)
                elif path.is_symlink():
                    found.append(
                        Submission(
                            student, path, relative, lesson_from_name(path), problem=f"{relative} {LINK_PROBLEM}"
                        )
                    )
                else:
                    found.append(read_submission(student, path, relative))
                    if not keep_cells:  # read again when it runs (cells_for_run): memory does not grow with the class
                        found[-1].cells = []
        problems = " ".join(
            f"Could not read {printable(os.path.relpath(e.filename or '', root))[:120]}: {e.strerror}."
            for e in unread[:3]
            if isinstance(e, OSError)
        )
        if not found:
            listed = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
            what = f"found {len(others)} other files ({listed})." if others else "" if problems else "it is empty."
            empty[student] = (
                MISSING,
                " ".join(filter(None, [f"No notebook (.ipynb) found in the folder {student}:", what, problems])),
            )
        else:
            for sub in found[:1]:
                sub.notes += [problems] if problems else []
        submissions += found
    return submissions, empty, notes


def cells_for_run(sub: Submission) -> list[dict] | str:
    """The cells of a listed submission, read again now that it runs (find_submissions with
    keep_cells=False kept none); a sentence saying why not when the file is no longer the
    one that was listed."""
    again = read_submission(sub.student, sub.path, sub.name)
    if again.problem or again.digest != sub.digest or again.notebook != sub.notebook:
        return (
            f"{sub.name} changed while the class was being graded ({again.problem or 'its content differs'}): "
            "grade it again once the submissions stay as they are."
        )
    return again.cells
