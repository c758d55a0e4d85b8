"""What the grader writes: grades.csv, a feedback page per student and the summary, each
written whole or not at all."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import tempfile
from pathlib import Path

from helpers import editions
from helpers import exercises as registry
from helpers.editions import tr
from helpers.grader.judge_notebook import Graded
from helpers.grader.protocol import CRASHED, MEMORY, MISSING, OK, STATUSES, TIMEOUT, UNKNOWN, UNREADABLE
from helpers.judging import NOT_ATTEMPTED, PASSED, Result


def N_(text: str) -> str:
    """Mark a word of the frame for the catalogs (helpers/units.py); tr() translates it where it is shown."""
    return text


# A row's status as a feedback page says it; grades.csv keeps the keys, which scripts read.
STATUS_WORDS = {
    OK: N_("ok"),
    TIMEOUT: N_("timeout"),
    MEMORY: N_("memory"),
    CRASHED: N_("crashed"),
    UNREADABLE: N_("unreadable"),
    UNKNOWN: N_("unknown-notebook"),
    MISSING: N_("missing"),
}


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


def page_edition(rows: list[Graded]) -> str:
    """The edition of a student's feedback page: the one most of their notebooks were handed
    in (the first of them on a tie); each lesson's part is in its notebook's own."""
    editions_used = [row.edition for row in rows if row.edition]
    return max(dict.fromkeys(editions_used), key=editions_used.count) if editions_used else editions.ENGLISH


def feedback_page(student: str, rows: list[Graded]) -> str:
    """A student's Markdown page: per notebook its status and notes, per exercise passed
    or what failed and the likely mistake, in the words of the notebook's checks and in
    the edition (English, 繁體中文, 简体中文) the notebook was handed in."""
    page = page_edition(rows)
    lines = [
        tr("# Feedback for {student}", page).format(student=student),
        "",
        tr("Every exercise was run on the course's test inputs and on fresh random ones.", page),
        "",
    ]
    for row in rows:
        ed = row.edition or page  # a lesson not handed in: in the page's edition
        if row.notebook in registry.LESSONS:
            title = editions.title("lesson-title", registry.LESSONS[row.notebook], ed)
            heading = tr("## Lesson {number}: {title}: {total} of {maximum} points", ed)
            lines += [heading.format(number=row.notebook, title=title, total=row.total, maximum=row.maximum), ""]
        else:
            lines += [f"## {row.file or row.notebook}", ""]
        status = tr(STATUS_WORDS.get(row.status, row.status), ed)
        lines += [tr("Status: **{status}**", ed).format(status=status) + (f" ({row.file})" if row.file else ""), ""]
        lines += [editions.message(note, None, ed) for note in row.notes] + ([""] if row.notes else [])
        for r in row.results:
            title = editions.title("exercise-title", r.exercise.title, ed)
            lines += exercise_feedback(r, ed, f"- **{r.exercise.id} {title}** ({r.points}/{r.exercise.points})")
        lines.append("")
    return "\n".join(lines)


def exercise_feedback(r: Result, ed: str, head: str) -> list[str]:
    """What a feedback page says of one exercise in edition `ed`: its line, which starts with
    `head`, and for a failure the likely mistake and the picture in words (a Gradescope
    result says the same: helpers/grader/gradebook.py)."""
    if r.status == PASSED:
        return [tr("{head}: passed on all {count} test inputs.", ed).format(head=head, count=len(r.checked))]
    if r.mistake == "not-graded":
        return [tr("{head}: not graded, because grading stopped before it (see above).", ed).format(head=head)]
    if r.status == NOT_ATTEMPTED:
        return [tr("{head}: not attempted (it still raises NotImplementedError).", ed).format(head=head)]
    evidence = editions.message(r.evidence, r.mistake, ed).rstrip(".。")
    stop = "。" if any(editions.is_wide(c) for c in evidence) else "."
    case = editions.message(r.case, None, ed)
    if r.not_fixed:  # in the words of the progress table
        said = (
            tr(
                "{head}: not fixed yet: the bug it was handed out with is still in the code. "
                "It fails on {case}: {evidence}",
                ed,
            )
            if r.case
            else tr("{head}: not fixed yet: the bug it was handed out with is still in the code: {evidence}", ed)
        )
    elif r.case:
        said = tr("{head}: failed on {case}: {evidence}", ed)
    else:
        said = tr("{head}: failed: {evidence}", ed)
    lines = [said.format(head=head, case=case, evidence=evidence) + stop]
    lines.append("  " + tr("Likely mistake: {message}", ed).format(message=editions.message(r.message, r.mistake, ed)))
    if r.picture is not None:
        lines.append(f"  {editions.message(r.picture.words(), None, ed)}")
    return lines


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
