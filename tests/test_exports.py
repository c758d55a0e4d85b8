"""The grader's exports beside grades.csv, for a small class with known mistakes and hostile
folder names: gradebook.csv, gradescope/<student>.json and report.html, each checked
against grades.csv and the feedback pages; the roster's problems; the report in Chromium.

One class is graded once (-j 2) for the module; the browser test is skipped, saying why,
where Debian's chromium is not installed."""

from __future__ import annotations

import csv
import html
import inspect
import io
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers import exercises as registry
from helpers.grader import gradebook
from helpers.grader.roster import read_roster
from helpers.grader.workers import hidden_and_kept
from tests import mistakes_01
from tests.grading import ROOT, notebook, save
from tests.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

L01 = f"{registry.NOTEBOOK_FILES['01']}.ipynb"
L02 = f"{registry.NOTEBOOK_FILES['02']}.ipynb"

FORMULA = '=HYPERLINK("evil.example","click")'
MARKUP = "<img src=x onerror=alert(1)>"
COMMAS = 'a,b "quoted"\nsecond line'
LONG = "l" * 240  # its feedback page and JSON file get a shortened name with a hash

ROSTER = (
    "Student,ID,SIS User ID,SIS Login ID,Section,folder\n"
    "Alice A,101,s101,alice@uni.example,A,alice\n"
    "Bob B,102,s102,bob@uni.example,A,bob\n"
    '"=1+2",103,s103,carol@uni.example,B,carol\n'
    "Ghost G,104,s104,ghost@uni.example,B,ghost\n"
    "Nobody N,105,s105,nobody@uni.example,B,\n"
)


def as_answer(function, name: str) -> str:
    """A wrong answer of tests/mistakes_01.py as a student's cell defines it."""
    return inspect.getsource(function).replace(function.__name__, name, 1)


# An error a student's code raises is quoted in the feedback: markup, and a lone surrogate that UTF-8 cannot encode.
RAISES_MARKUP = 'def stable_softmax(scores):\n    raise ValueError("<b onmouseover=alert(1)>bold</b> \\ud800")\n'
WRONG_AXIS = as_answer(mistakes_01.softmax_wrong_axis, "stable_softmax")
OVERFLOW = as_answer(mistakes_01.softmax_naive, "stable_softmax")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exports")
    subs, out = tmp / "submissions", tmp / "out"
    rest = ["1.1", "1.3", "1.4"]
    save(subs, "alice", L01, notebook("01", solved="all"))
    save(subs, "alice", L02, notebook("02", solved="all"))
    save(subs, "bob", L01, notebook("01", solved=rest, answers={"1.2": WRONG_AXIS}))
    save(subs, "carol", L01, notebook("01", solved=rest, answers={"1.2": WRONG_AXIS}))
    save(subs, "dave", L01, notebook("01", solved=rest, answers={"1.2": OVERFLOW}))
    save(subs, FORMULA, L01, notebook("01", solved=["1.1"], answers={"1.2": WRONG_AXIS}))
    for name in (MARKUP, COMMAS, LONG):
        save(subs, name, L01, notebook("01", solved=["1.1"]))
    save(subs, "Points Possible", L01, notebook("01"))  # the words of the gradebook's maxima line
    save(subs, "raises_markup", L01, notebook("01", answers={"1.2": RAISES_MARKUP}))
    save(subs, "malformed", L01, "{not json")
    save(subs, "no_notebook", "notes.txt", "I forgot")
    roster = tmp / "roster" / "roster.csv"
    roster.parent.mkdir()
    roster.write_text(ROSTER)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "helpers.grade",
            str(subs),
            "--out",
            str(out),
            "--seed",
            "5",
            "-j",
            "2",
            "--roster",
            str(roster),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return out, done


def read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


@pytest.fixture(scope="module")
def grades(graded):
    return read_csv(graded[0] / "grades.csv")


@pytest.fixture(scope="module")
def book(graded):
    return read_csv(graded[0] / "gradebook.csv")


def folder(cell: str) -> str:
    """A folder name as grades.csv or gradebook.csv writes it, back to the name (no folder here starts with ')."""
    return cell.removeprefix("'")


def lesson_column(nb: str) -> str:
    return f"Lesson {nb}: {registry.LESSONS[nb]}"


def test_gradebook_totals_are_the_sums_of_grades_csv(grades, book):
    possible, *students = book
    assert possible["Student"] == gradebook.POINTS_POSSIBLE
    assert possible[lesson_column("01")] == "10" and possible[lesson_column("02")] == "10"
    assert possible["Course total"] == "20"
    folders = {folder(g["student"]) for g in grades}
    by_folder = {folder(s["folder"]): s for s in students}
    assert folders <= set(by_folder)
    for name in folders:
        mine = [g for g in grades if folder(g["student"]) == name]
        for nb in ("01", "02"):
            assert int(by_folder[name][lesson_column(nb)]) == sum(int(g["total"]) for g in mine if g["notebook"] == nb)
        assert int(by_folder[name]["Course total"]) == sum(int(g["total"]) for g in mine)
    assert by_folder["alice"]["Course total"] == "20"
    assert by_folder["bob"][lesson_column("01")] == "7"  # 2 + 0 + 2 + 3
    assert by_folder["no_notebook"]["Course total"] == "0"


def test_gradebook_copies_the_roster_and_reports_its_mismatches(graded, book):
    out, done = graded
    by_folder = {s["folder"]: s for s in book[1:]}
    assert [k for k in book[0]][:6] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "folder"]
    assert by_folder["alice"]["SIS Login ID"] == "alice@uni.example" and by_folder["alice"]["ID"] == "101"
    assert by_folder["carol"]["Student"] == "'=1+2"  # roster values are escaped like folder names
    ghost = by_folder["ghost"]  # in the roster, no folder: a line with nothing to import
    assert ghost["ID"] == "104" and ghost[lesson_column("01")] == "" and ghost["Course total"] == ""
    assert by_folder["dave"]["ID"] == ""  # a folder the roster does not list
    summary = (out / "summary.txt").read_text()
    assert summary in done.stdout
    assert "Roster line 6 names no folder" in summary
    assert "1 roster student without a folder in SUBMISSIONS" in summary and "'ghost'" in summary
    assert "student folders not in the roster" in summary and "'dave'" in summary


def test_hostile_folder_names_stay_text_in_the_gradebook(book, grades):
    folders = [s["folder"] for s in book[1:]]
    assert "'" + FORMULA in folders and FORMULA not in folders
    assert COMMAS in folders and MARKUP in folders and LONG in folders  # quoted by csv: one cell each
    assert len(book[1:]) == len({g["student"] for g in grades}) + 1  # + ghost, from the roster
    for line in book:
        assert not any(str(v).startswith(("=", "+", "-", "@")) for v in line.values())
    assert [line for line in book if gradebook.POINTS_POSSIBLE in line.values()] == [book[0]]
    assert "'Points Possible" in folders


def test_gradescope_json_equals_the_csv_and_the_feedback(graded, grades, book):
    out, _ = graded
    totals = {folder(s["folder"]): s["Course total"] for s in book[1:]}
    exercise_ids = [ex.id for nb in ("01", "02") for ex in registry.for_notebook(nb)]
    for student in {folder(g["student"]) for g in grades}:
        path = out / "gradescope" / gradebook.json_name(student)
        results = json.loads(path.read_text(encoding="utf-8"))
        assert set(results) == {"score", "output", "tests"}
        assert results["score"] == int(totals[student]) == sum(t["score"] for t in results["tests"])
        tests = {t["number"]: t for t in results["tests"]}
        assert list(tests) == exercise_ids
        page = (out / "feedback" / gradebook.page_name(student)).read_text(encoding="utf-8")
        for g in (g for g in grades if folder(g["student"]) == student):
            for exercise_id in exercise_ids:
                if g[exercise_id] != "":
                    test = tests[exercise_id]
                    ex = registry.get(exercise_id)
                    assert test["score"] == int(g[exercise_id]) and test["max_score"] == ex.points
                    assert test["name"] == f"{ex.id} {ex.title}"
                    assert test["status"] == ("passed" if test["score"] == ex.points else "failed")
                    assert f"**{ex.id} {ex.title}** ({test['score']}/{ex.points}): {test['output']}" in page
    alice = json.loads((out / "gradescope" / "alice.json").read_text())
    assert alice["score"] == 20 and all(t["status"] == "passed" for t in alice["tests"])
    empty = json.loads((out / "gradescope" / "no_notebook.json").read_text())
    assert empty["score"] == 0 and "No notebook (.ipynb) found" in empty["tests"][0]["output"]
    raised = json.loads((out / "gradescope" / "raises_markup.json").read_text(encoding="utf-8"))
    assert "<b onmouseover=alert(1)>bold</b> \\ud800" in raised["tests"][1]["output"]  # as text, as on the page
    long = gradebook.json_name(LONG)
    assert long.endswith(".json") and len(long.encode()) < 255 and (out / "gradescope" / long).is_file()


def section(report: str, exercise_id: str) -> str:
    return report.split(f'<section id="ex-{exercise_id}"', 1)[1].split("</section>", 1)[0]


def mistake_row(report: str, exercise_id: str, key: str) -> str:
    return section(report, exercise_id).split(f'<tr data-mistake="{key}">', 1)[1].split("</tr>", 1)[0]


def test_report_counts_are_those_of_grades_csv(graded, grades):
    report = (graded[0] / "report.html").read_text(encoding="utf-8")
    for ex in registry.for_notebook("01") + registry.for_notebook("02"):
        cells = [int(g[ex.id]) for g in grades if g[ex.id] != ""]
        passed = sum(c == ex.points for c in cells)
        mean = sum(cells) / len(cells)
        assert f"{len(cells)} graded; {passed} passed" in section(report, ex.id)
        assert f"mean {mean:.2f} of {ex.points} point" in section(report, ex.id)
        row = report.split(f'<tr data-exercise="{ex.id}">', 1)[1].split("</tr>", 1)[0]
        assert f"{passed} of {len(cells)} passed" in row
    graded_12 = sum(g["1.2"] != "" for g in grades)
    assert graded_12 == 10  # alice, bob, carol, dave, six hostile names; not malformed, not no_notebook
    assert f"{len({g['student'] for g in grades})} students, {len(grades)} rows of grades.csv" in report
    wrong_axis = mistake_row(report, "1.2", "wrong-axis")
    assert f"3 of {graded_12}" in wrong_axis and "30%" in wrong_axis
    assert "softmax over the wrong dimension" in wrong_axis and "bob, carol" in wrong_axis
    assert html.escape("'" + FORMULA) in wrong_axis  # the name as grades.csv writes it, so it can be traced there
    overflow = mistake_row(report, "1.2", "overflow")
    assert f"1 of {graded_12}" in overflow and "overflows on large scores" in overflow and "dave" in overflow
    lessons = report.split('<table id="lessons">', 1)[1].split("</table>", 1)[0]
    rows_01 = [g for g in grades if g["notebook"] == "01"]
    assert re.search(rf"01 Attention is a weighted sum</td><td class=\"n\">{len(rows_01)}</td>", lessons)


class Tags(HTMLParser):
    """Every tag and attribute of a page."""

    def __init__(self):
        super().__init__()
        self.tags, self.attributes = set(), set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes |= {name for name, _ in attrs}


def test_report_escapes_what_students_control_and_loads_nothing(graded):
    report = (graded[0] / "report.html").read_text(encoding="utf-8")
    parser = Tags()
    parser.feed(report)
    assert "script" not in parser.tags and "img" not in parser.tags and "link" not in parser.tags
    assert not any(a.startswith("on") for a in parser.attributes)
    assert html.escape(MARKUP) in report and MARKUP not in report
    assert "onmouseover" not in report.replace(html.escape(MARKUP), "")
    assert "http" not in report.replace("http-equiv", "")  # no address: nothing is fetched
    assert "default-src 'none'" in report


def test_roster_problems_are_one_line_saying_what_was_expected(tmp_path):
    cases = {
        "id,email\n1,a@x\n": "expected a header with a 'folder' column",
        "folder,id\nalice,1\nbob,2\nalice,3\n": "expected each folder once, got 'alice' on lines 2 and 4",
        "folder,id,ID\nalice,1,2\n": "expected each column once, got 'id' 2 times",
        "": "got an empty file",
        "folder,name\nalice,Smith, Alice\n": "expected at most 2 fields a line",
        "folder,,id\nalice,x,1\n": "expected a name for every column",
        "Student,folder,Course total\nA,alice,99\n": "got 'Course total', a name gradebook.csv gives its own points",
        "folder,Lesson 01: mine\nalice,3\n": "got 'Lesson 01: mine', a name gradebook.csv gives",
    }
    for text, words in cases.items():
        path = tmp_path / "roster.csv"
        path.write_text(text)
        with pytest.raises(ValueError) as caught:
            read_roster(path)
        assert words in str(caught.value) and "\n" not in str(caught.value), text
    path.write_bytes(b"\xff\xfe\x00f\x00o")
    with pytest.raises(ValueError, match="expected UTF-8 text"):
        read_roster(path)
    path.write_bytes("\ufeffFolder,Email\nalice,a@x\n\n".encode())  # Excel's byte-order mark, a blank line, any case
    assert read_roster(path).people == {"alice": {"Email": "a@x"}}


def test_a_bad_roster_stops_the_command_before_grading(tmp_path):
    save(tmp_path / "subs", "alice", L01, notebook("01"))
    (tmp_path / "roster.csv").write_text("id,email\n1,a@x\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "helpers.grade",
            str(tmp_path / "subs"),
            "--out",
            str(tmp_path / "out"),
            "--roster",
            str(tmp_path / "roster.csv"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()  # one line: no usage block above it
    assert line.startswith("python -m helpers.grade: error: --roster ") and "Traceback" not in done.stderr
    assert "expected a header with a 'folder' column" in line and "got the columns 'id', 'email'" in line
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_the_roster_folder_is_hidden_from_student_code(tmp_path):
    roster = tmp_path / "private" / "roster.csv"
    hide, _ = hidden_and_kept(tmp_path / "subs", tmp_path / "out", None, roster)
    assert str(roster.parent.resolve()) in hide


@pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="the report's browser test needs Debian's chromium (apt-get install chromium)"
)
def test_report_reads_in_chromium_offline(graded, grades):
    from playwright.sync_api import sync_playwright

    report = graded[0] / "report.html"
    graded_12 = sum(g["1.2"] != "" for g in grades)
    passed_12 = sum(g["1.2"] == "3" for g in grades)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 900}, java_script_enabled=False)
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        try:
            page.goto(report.as_uri())
            assert page.title() == "Class report"
            chart = page.locator('#chart tr[data-exercise="1.2"]')
            assert f"{passed_12} of {graded_12} passed" in chart.inner_text()
            row = page.locator('#ex-1\\.2 tr[data-mistake="wrong-axis"]')
            assert f"3 of {graded_12}" in row.inner_text() and "wrong-axis" in row.inner_text()
            assert row.locator(".bar > span").first.bounding_box()["width"] > 0  # the bar is drawn
            names = row.locator("details")
            names.locator("summary").click()
            assert "bob, carol" in names.inner_text()
            assert page.get_by_text(MARKUP, exact=False).count() >= 1  # shown as text
            assert requests == [report.as_uri()] and errors == []
        finally:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
            browser.close()
