"""What the grader writes: grades.csv, a feedback page per student and the summary, each
written whole or not at all."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import tempfile
from pathlib import Path

from helpers import exercises as registry
from helpers.grader.judge_notebook import Graded
from helpers.grader.protocol import STATUSES
from helpers.judging import NOT_ATTEMPTED, PASSED


def loud(text: str) -> str:
    """`text` between two lines of exclamation marks, for what an instructor must not miss."""
    bar = "!" * 88
    return f"{bar}\n{text}\n{bar}"


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".writing-", suffix=".part")  # short: any name fits
    try:
        # backslashreplace: a lone surrogate (student code can raise ValueError("\ud800")) is written as text
        with os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace", newline="") as f:
            f.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def spreadsheet_text(text: str) -> str:
    """Text for a CSV cell that a spreadsheet shows as text: one that starts like a formula
    (=, +, -, @, a tab or a carriage return) gets a leading apostrophe, as OWASP advises
    against CSV injection. Student folder and file names are the students' own, so one that
    starts with an apostrophe gets another: folders "=x" and "'=x" stay two names."""
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r", "'")) else text


def grades_csv(rows: list[Graded], exercise_ids: list[str]) -> str:
    """One line per student and notebook; an exercise of another notebook is left empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "notebook", "status", *exercise_ids, "total", "max"])
    for row in rows:
        points = {r.exercise.id: r.points for r in row.results}
        writer.writerow(
            [
                spreadsheet_text(row.student),
                spreadsheet_text(row.notebook),
                row.status,
                *[points.get(i, "") for i in exercise_ids],
                row.total,
                "" if row.maximum is None else row.maximum,
            ]
        )
    return buffer.getvalue()


def page_name(student: str) -> str:
    """The file name of a student's feedback page: the folder's name, shortened (with a
    hash that keeps it unique) when it would not fit in a file name with ".md"."""
    if len(student.encode()) <= 200:
        return f"{student}.md"
    digest = hashlib.sha256(student.encode()).hexdigest()[:12]
    return f"{student.encode()[:150].decode(errors='ignore')}-{digest}.md"


def feedback_page(student: str, rows: list[Graded]) -> str:
    """A student's Markdown page: per notebook its status and notes, per exercise passed
    or what failed and the likely mistake, in the words of the notebook's checks."""
    lines = [
        f"# Feedback for {student}",
        "",
        "Every exercise was run on the course's test inputs and on fresh random ones.",
        "",
    ]
    for row in rows:
        if row.notebook in registry.LESSONS:
            title = f"Lesson {row.notebook}: {registry.LESSONS[row.notebook]}"
            lines += [f"## {title}: {row.total} of {row.maximum} points", ""]
        else:
            lines += [f"## {row.file or row.notebook}", ""]
        lines += [f"Status: **{row.status}**" + (f" ({row.file})" if row.file else ""), ""]
        lines += [f"{note}" for note in row.notes] + ([""] if row.notes else [])
        for r in row.results:
            ex = r.exercise
            head = f"- **{ex.id} {ex.title}** ({r.points}/{ex.points})"
            if r.status == PASSED:
                lines.append(f"{head}: passed on all {len(r.checked)} test inputs.")
            elif r.mistake == "not-graded":
                lines.append(f"{head}: not graded, because grading stopped before it (see above).")
            elif r.status == NOT_ATTEMPTED:
                lines.append(f"{head}: not attempted (it still raises NotImplementedError).")
            else:
                on = f" on {r.case}" if r.case else ""
                lines.append(f"{head}: failed{on}: {r.evidence.rstrip('.')}.")
                lines.append(f"  Likely mistake: {r.message}")
                if r.picture is not None:
                    lines.append(f"  {r.picture.words()}")
        lines.append("")
    return "\n".join(lines)


def summary(
    rows: list[Graded],
    exercise_ids: list[str],
    seed: int,
    isolation: str,
    reason: str,
    notes: list[str],
    seconds: float,
    startup: float,
    out: Path,
) -> str:
    """What the command prints at the end and saves as summary.txt."""
    students = sorted({r.student for r in rows})
    counts = {s: sum(r.status == s for r in rows) for s in STATUSES}
    lines = [
        f"Graded {len(students)} students, {len(rows)} rows, in {seconds:.1f} s ({startup:.1f} s of it "
        f"starting up); seed {seed}.",
        "Statuses: " + ", ".join(f"{s} {n}" for s, n in counts.items() if n) + ".",
    ]
    if isolation == "namespaces":
        lines.append(
            "Isolation: Linux namespaces (mount: read-only, with the course, submissions, output and home "
            "folders hidden; network: none; PID), an unprivileged user, resource limits."
        )
    else:
        lines.append(loud(f"Isolation: NONE ({reason}). Student code ran with resource limits only."))
    if exercise_ids:
        lines.append("Mean points per exercise (over rows that were graded):")
        for exercise_id in exercise_ids:
            ex = registry.get(exercise_id)
            earned = [p for r in rows for res in r.results if res.exercise.id == exercise_id for p in [res.points]]
            mean = sum(earned) / len(earned) if earned else 0.0
            lines.append(f"  {exercise_id:<5}{ex.title:<42}{mean:5.2f} of {ex.points}  ({len(earned)} graded)")
    lines += notes
    lines.append(f"Wrote {out / 'grades.csv'} and {len(students)} pages in {out / 'feedback'}.")
    return "\n".join(lines)


def write_outputs(out: Path, rows: list[Graded], exercise_ids: list[str], notes: list[str], summarise) -> str:
    """grades.csv, a feedback page per student, then summary.txt (`summarise()`, called once
    the pages are written, so that `notes` holds any page that could not be); the summary."""
    write_atomically(out / "grades.csv", grades_csv(rows, exercise_ids))
    for student in sorted({r.student for r in rows}):
        try:
            write_atomically(
                out / "feedback" / page_name(student), feedback_page(student, [r for r in rows if r.student == student])
            )
        except OSError as exc:  # one page that cannot be written costs that page only; grades.csv has the points
            notes.append(f"Could not write the feedback page of {student!r}: {exc.strerror or exc}.")
    text = summarise()
    write_atomically(out / "summary.txt", text)
    return text
