"""The class report, OUT/report.html: what the class got right and wrong, for the instructor.

Per exercise: how many students were graded on it, how many passed, the mean points, and
each named mistake (a check's Result.mistake key and message) with how many students made
it; per lesson: the statuses of its rows. One self-contained file: no scripts, no fonts
or styles from elsewhere (its Content-Security-Policy forbids both), bars drawn with CSS,
so that it reads offline, printed, or attached to an e-mail.

Every figure is traceable: points and statuses are grades.csv's (an exercise is "graded"
for a student when grades.csv has a number in its column), mistakes are the feedback
pages'. Every string a student controls (folder and file names, messages that quote
their errors) is escaped.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from helpers import exercises as registry
from helpers.grader.gradebook import plural
from helpers.grader.judge_notebook import Graded
from helpers.grader.outputs import spreadsheet_text, write_atomically
from helpers.grader.protocol import STATUSES
from helpers.judging import FAILED, NOT_ATTEMPTED, PASSED
from helpers.lessons.records import Exercise

NAMES_SHOWN = 60  # students listed under a mistake; the rest are counted
MESSAGE_CHARACTERS = 600  # of a mistake's message shown in the report (the feedback pages have all of it)
UNNAMED = "(unnamed)"  # a failure no known mistake explained


def e(text: object) -> str:
    """Text as HTML, quotes included: for element content and attribute values alike."""
    return html.escape(str(text), quote=True)


@dataclass
class MistakeCount:
    key: str
    students: list[str] = field(default_factory=list)
    messages: Counter = field(default_factory=Counter)


@dataclass
class ExerciseFigures:
    """What the class did on one exercise, from the rows that graded it."""

    exercise: Exercise
    graded: int = 0
    passed: int = 0
    not_attempted: int = 0
    points: int = 0
    mistakes: dict[str, MistakeCount] = field(default_factory=dict)

    @property
    def mean(self) -> float:
        return self.points / self.graded if self.graded else 0.0


def exercise_figures(rows: list[Graded], lessons: list[str]) -> list[ExerciseFigures]:
    """Per exercise of `lessons`, the counts over every student with a result for it."""
    figures = {ex.id: ExerciseFigures(ex) for nb in lessons for ex in registry.for_notebook(nb)}
    for row in rows:
        for result in row.results:
            fig = figures.get(result.exercise.id)
            if fig is None:
                continue
            fig.graded += 1
            fig.points += result.points
            fig.passed += result.status == PASSED
            fig.not_attempted += result.status == NOT_ATTEMPTED
            if result.status == FAILED:
                key = result.mistake or UNNAMED
                count = fig.mistakes.setdefault(key, MistakeCount(key))
                count.students.append(row.student)
                count.messages[result.message] += 1
    return list(figures.values())


def status_counts(rows: list[Graded], lessons: list[str]) -> list[tuple[str, Counter]]:
    """Per lesson (and one line for rows that are no lesson: unknown or unreadable files,
    folders without a notebook), how many of its rows have each status."""
    table = [(f"{nb} {registry.LESSONS[nb]}", Counter(r.status for r in rows if r.notebook == nb)) for nb in lessons]
    others = Counter(r.status for r in rows if r.notebook not in lessons)
    if others:
        table.append(("other files and empty folders", others))
    return table


STATUS_COLOURS = {
    "ok": "#2e7d32",
    "timeout": "#ef6c00",
    "memory": "#ad1457",
    "crashed": "#c62828",
    "unreadable": "#6a1b9a",
    "unknown-notebook": "#546e7a",
    "missing": "#bdbdbd",
}

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b;
       margin: 2em auto; max-width: 72em; padding: 0 1.5em; }
h1 { margin-bottom: .2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
h3 { margin: 1.6em 0 .3em; }
.lead { color: #444; max-width: 60em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid #eee; vertical-align: top; }
th { background: #f6f6f6; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.bar { background: #eceff1; height: 1.1em; min-width: 8em; border-radius: 3px; overflow: hidden; display: flex; }
.bar > span { display: block; height: 100%; }
.pass { background: #2e7d32; } .fail { background: #c62828; }
.chart td.label { white-space: nowrap; width: 1%; }
.chart td.barcell { width: 60%; } #lessons .barcell { width: 40%; }
.share { display: flex; gap: .5em; align-items: center; }
.key { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; white-space: nowrap; }
.message { color: #333; max-width: 38em; }
.names { overflow-wrap: anywhere; word-break: break-word; min-width: 9em; max-width: 20em; }
.legend span { display: inline-block; margin-right: 1em; }
.legend i { display: inline-block; width: .9em; height: .9em; margin-right: .3em; vertical-align: -.1em; }
.muted { color: #666; }
details summary { cursor: pointer; color: #1565c0; }
@media print { details { display: block; } }
"""


def bar(parts: list[tuple[float, str]], label: str) -> str:
    """A horizontal bar of coloured parts, each a share in [0, 1]; `label` for screen readers."""
    spans = "".join(
        f'<span style="width:{100 * share:.2f}%;background:{colour}"></span>' for share, colour in parts if share > 0
    )
    return f'<div class="bar" role="img" aria-label="{e(label)}">{spans}</div>'


def percent(count: int, total: int) -> str:
    return f"{int(100 * count / total + 0.5)}%" if total else "–"  # half up: 1 of 8 is 13%, as by hand


def class_report(rows: list[Graded], lessons: list[str], seed: int | None = None) -> str:
    """The whole report as one HTML page."""
    students = sorted({r.student for r in rows})
    figures = exercise_figures(rows, lessons)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # Nothing from elsewhere and no scripts: even a string that escaped escaping could not run.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Class report</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Class report</h1>",
        f'<p class="lead">{len(students)} students, {len(rows)} rows of grades.csv'
        + (f", seed {seed}" if seed is not None else "")
        + ". "
        "An exercise counts as <em>graded</em> for a student when grades.csv has a number in its column; "
        "pass rates, mean points and each mistake's share are over those students. A mistake is what the "
        "check named as the likely cause, in the words of the feedback pages.</p>",
    ]

    out += [
        "<h2>Exercises at a glance</h2>",
        '<table class="chart" id="chart"><tr><th>exercise</th>'
        '<th>passed / failed / not attempted</th><th class="n">passed</th><th class="n">mean points</th></tr>',
    ]
    for fig in figures:
        ex, n = fig.exercise, fig.graded
        failed = n - fig.passed - fig.not_attempted
        label = f"{fig.passed} of {n} passed ({percent(fig.passed, n)})"
        out.append(
            f'<tr data-exercise="{e(ex.id)}"><td class="label"><a href="#ex-{e(ex.id)}">{e(ex.id)}</a> '
            f'{e(ex.title)}</td><td class="barcell">'
            + bar(
                [
                    (fig.passed / n if n else 0, "#2e7d32"),
                    (failed / n if n else 0, "#c62828"),
                    (fig.not_attempted / n if n else 0, "#bdbdbd"),
                ],
                label,
            )
            + f'</td><td class="n">{e(label)}</td><td class="n">{fig.mean:.2f} of {ex.points}</td></tr>'
        )
    out.append("</table>")
    out.append(
        '<p class="legend muted"><span><i style="background:#2e7d32"></i>passed</span>'
        '<span><i style="background:#c62828"></i>failed</span>'
        '<span><i style="background:#bdbdbd"></i>not attempted</span></p>'
    )

    table = status_counts(rows, lessons)
    seen = [s for s in STATUSES if any(counts[s] for _, counts in table)]  # a column of zeros says nothing
    out += [
        "<h2>Lessons</h2>",
        '<table id="lessons"><tr><th>lesson</th><th class="n">rows</th>'
        + "".join(f'<th class="n">{e(s)}</th>' for s in seen)
        + '<th class="barcell">statuses</th></tr>',
    ]
    for name, counts in table:
        total = sum(counts.values())
        label = ", ".join(f"{s} {counts[s]}" for s in STATUSES if counts[s])
        out.append(
            f'<tr><td>{e(name)}</td><td class="n">{total}</td>'
            + "".join(f'<td class="n">{counts[s]}</td>' for s in seen)
            + '<td class="barcell">'
            + bar([(counts[s] / total, STATUS_COLOURS[s]) for s in seen], label)
            + "</td></tr>"
        )
    out.append("</table>")
    out.append(
        '<p class="legend muted">'
        + "".join(f'<span><i style="background:{STATUS_COLOURS[s]}"></i>{e(s)}</span>' for s in seen)
        + "</p>"
    )

    out.append("<h2>Mistakes, exercise by exercise</h2>")
    for fig in figures:
        ex, n = fig.exercise, fig.graded
        out.append(
            f'<section id="ex-{e(ex.id)}" data-exercise="{e(ex.id)}"><h3>{e(ex.id)} {e(ex.title)} '
            f'<span class="muted">({plural(ex.points, "point")})</span></h3>'
        )
        out.append(
            f'<p class="figures">{n} graded; {fig.passed} passed ({percent(fig.passed, n)}); '
            f'{fig.not_attempted} not attempted; mean {fig.mean:.2f} of {plural(ex.points, "point")}.</p>'
        )
        if not fig.mistakes:
            out.append('<p class="muted">No failures with a named mistake.</p></section>')
            continue
        out.append(
            '<table class="mistakes"><tr><th>mistake</th><th class="n">students</th><th>share</th>'
            "<th>what the check said (the most frequent wording)</th><th>who</th></tr>"
        )
        for count in sorted(fig.mistakes.values(), key=lambda c: (-len(c.students), c.key)):
            k = len(count.students)
            message, _ = count.messages.most_common(1)[0]
            shown = message if len(message) <= MESSAGE_CHARACTERS else message[:MESSAGE_CHARACTERS] + " …"
            others = len(count.messages) - 1
            variants = f' <span class="muted">({others} other wordings)</span>' if others else ""
            names = ", ".join(
                e(spreadsheet_text(s)) for s in sorted(count.students)[:NAMES_SHOWN]
            )  # as grades.csv writes them
            more = f" and {k - NAMES_SHOWN} more" if k > NAMES_SHOWN else ""
            out.append(
                f'<tr data-mistake="{e(count.key)}"><td class="key">{e(count.key)}</td>'
                f'<td class="n">{k} of {n}</td><td><div class="share">'
                f'{bar([(k / n, "#c62828")], f"{percent(k, n)} of graded")}'
                f"<span>{percent(k, n)}</span></div></td>"
                f'<td class="message">{e(shown)}{variants}</td>'
                f'<td class="names"><details><summary>{plural(k, "student")}</summary>{names}{more}</details>'
                "</td></tr>"
            )
        out.append("</table></section>")
    out.append("</body></html>\n")
    return "\n".join(out)


def write_report(out: Path, rows: list[Graded], lessons: list[str], seed: int | None = None) -> list[str]:
    """Write OUT/report.html, whole or not at all; the note for the summary."""
    write_atomically(out / "report.html", class_report(rows, lessons, seed))
    return [f"Wrote the class report {out / 'report.html'} (pass rates and the mistakes the class made)."]
