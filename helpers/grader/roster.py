"""The roster: which student each folder of SUBMISSIONS is (python -m helpers.grade --roster).

A CSV with a `folder` column and any others (an id, an e-mail, a name, Canvas's SIS User
ID, ...), whose columns are copied into gradebook.csv so that an LMS can match students.
Only the standard library: the command reads the roster while it checks its arguments,
so that a bad file stops it in one line before any worker starts.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

FOLDER = "folder"  # the roster's column naming each student's folder in SUBMISSIONS
MAX_ROSTER_BYTES = 16 << 20


@dataclass
class Roster:
    """Who each student folder is: the roster's own columns (other than `folder`), in its
    order, and for each folder its values."""

    columns: list[str]
    people: dict[str, dict[str, str]]  # folder -> {column: value}
    notes: list[str]  # lines that name no folder: reported, not fatal


def read_roster(path: Path) -> Roster:
    """Read a roster CSV: a header line with a `folder` column (any case) and any others
    (id, email, name, Canvas's SIS User ID, ...), then a line per student. ValueError with
    one line saying what was expected and what was got, so that the command stops before
    grading anything."""
    where = f"--roster {path}"
    try:
        raw = path.read_bytes()[: MAX_ROSTER_BYTES + 1]
    except OSError as exc:
        raise ValueError(f"{where}: expected a CSV file this user can read, got {exc.strerror}") from None
    if len(raw) > MAX_ROSTER_BYTES:
        raise ValueError(f"{where}: expected a roster of at most {MAX_ROSTER_BYTES >> 20} MB, got a larger file")
    try:
        text = raw.decode("utf-8-sig")  # Excel writes UTF-8 with a byte-order mark
    except UnicodeDecodeError:
        raise ValueError(f"{where}: expected UTF-8 text (save it as 'CSV UTF-8'), got other bytes") from None
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ValueError(f"{where}: expected CSV, got {exc}") from None
    lines = [line for line in lines if any(cell.strip() for cell in line)]
    if not lines:
        raise ValueError(f"{where}: expected a header line with a '{FOLDER}' column, got an empty file")
    header = [cell.strip() for cell in lines[0]]
    keys = [h.lower() for h in header]
    if FOLDER not in keys:
        raise ValueError(
            f"{where}: expected a header with a '{FOLDER}' column (each student's folder name in "
            f"SUBMISSIONS), got the columns {', '.join(repr(h) for h in header)[:300]}"
        )
    if repeated := sorted({h for h in keys if h and keys.count(h) > 1}):
        raise ValueError(f"{where}: expected each column once, got {repeated[0]!r} {keys.count(repeated[0])} times")
    if clash := [h for h in header if h.lower() == "course total" or h.lower().startswith("lesson ")]:
        raise ValueError(
            f"{where}: expected the columns that name students, got {clash[0]!r}, a name gradebook.csv gives its "
            "own points columns: rename it or leave it out"
        )
    if "" in keys:
        raise ValueError(f"{where}: expected a name for every column, got an empty one (column {keys.index('') + 1})")
    at = keys.index(FOLDER)
    people: dict[str, dict[str, str]] = {}
    first_line: dict[str, int] = {}
    notes = []
    for number, line in enumerate(lines[1:], start=2):
        if len(line) > len(header) and any(cell.strip() for cell in line[len(header) :]):
            raise ValueError(
                f"{where}: expected at most {len(header)} fields a line (the header's), got "
                f"{len(line)} on line {number}: is there an unquoted comma in a name?"
            )
        line = line + [""] * (len(header) - len(line))
        folder = line[at]
        if not folder.strip():
            notes.append(f"Roster line {number} names no folder; it was left out.")
            continue
        if folder in people:
            raise ValueError(
                f"{where}: expected each folder once, got {folder!r} on lines {first_line[folder]} and {number}"
            )
        first_line[folder] = number
        people[folder] = {h: line[i] for i, h in enumerate(header) if i != at}
    return Roster([h for i, h in enumerate(header) if i != at], people, notes)
