"""A class handed in in the three editions, graded by the real command: the same answers
earn the same points in English, 繁體中文 and 简体中文, and each student's feedback is in the
edition they handed in. Marked `editions` (pytest -m editions), with the editions' notebooks."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import exercises as registry
from tests.english_left import english_runs
from tests.grading import ROOT, answer, save

pytestmark = pytest.mark.editions

EDITIONS = ("en", "zh-Hant", "zh-Hans")
LESSONS = ("01", "03")
# The same answers in every edition: some right, some with a mistake the shared checks name.
NO_DIM_SOFTMAX = "def stable_softmax(scores):\n    return torch.softmax(scores)\n"
UNDEFINED = "def simple_self_attention(X):\n    return torch.softmax(X @ X.mT, dim=-1) @ values\n"
ANSWERS = {
    "right": {"01": "all", "03": "all"},
    "partial": {"01": {"1.1": None, "1.2": NO_DIM_SOFTMAX, "1.4": UNDEFINED}, "03": {"3.1": None, "3.2": None}},
    "untouched": {"01": {}, "03": {}},
}


def handed_in(lesson: str, edition: str, answers) -> dict:
    """The lesson's student notebook of an edition, with `answers` (an exercise id -> code,
    or None for the master's answer; "all" for every one the master's)."""
    folder = ROOT / "notebooks" / ("" if edition == "en" else edition)
    nb = json.loads((folder / f"{registry.NOTEBOOK_FILES[lesson]}.ipynb").read_text(encoding="utf-8"))
    if answers == "all":
        answers = {ex.id: None for ex in registry.for_notebook(lesson)}
    for cell in nb["cells"]:
        exercise = registry.exercise_in("".join(cell["source"])) if cell["cell_type"] == "code" else None
        if exercise in answers:
            code = answers[exercise]
            cell["source"] = answer(lesson, exercise) if code is None else f"# Exercise {exercise}\n{code}"
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    work = tmp_path_factory.mktemp("editions")
    subs, out = work / "submissions", work / "out"
    for student, lessons in ANSWERS.items():
        for edition in EDITIONS:
            for lesson, answers in lessons.items():
                save(
                    subs,
                    f"{student}-{edition}",
                    f"{registry.NOTEBOOK_FILES[lesson]}.ipynb",
                    handed_in(lesson, edition, answers),
                )
    run = subprocess.run(
        [sys.executable, "-m", "helpers.grade", str(subs), "--out", str(out), "-j", "2", "--seed", "5"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    with (out / "grades.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return rows, out


def test_the_same_answers_earn_the_same_points_in_every_edition(graded):
    rows, _ = graded
    by = {(r["student"], r["notebook"]): r for r in rows}
    assert len(rows) == len(ANSWERS) * len(EDITIONS) * len(LESSONS)
    for student in ANSWERS:
        for lesson in LESSONS:
            english = by[(f"{student}-en", lesson)]
            for edition in EDITIONS[1:]:
                chinese = by[(f"{student}-{edition}", lesson)]
                assert {k: v for k, v in chinese.items() if k != "student"} == {
                    k: v for k, v in english.items() if k != "student"
                }
    assert by[("right-en", "01")]["total"] == by[("right-en", "01")]["max"] == "10"
    assert by[("partial-en", "01")]["total"] == "2" and by[("untouched-en", "03")]["total"] == "0"


def page(out: Path, student: str) -> str:
    return (out / "feedback" / f"{student}.md").read_text(encoding="utf-8")


def test_feedback_is_in_the_edition_handed_in(graded):
    _, out = graded
    english, hant, hans = (page(out, f"partial-{e}") for e in EDITIONS)
    assert english.startswith("# Feedback for partial-en") and "torch.softmax needs dim" in english
    assert hant.startswith("# partial-zh-Hant 的回饋") and "## 第 01 課：注意力就是加權總和：得 2 分，共 10 分" in hant
    assert re.search(r"- \*\*1\.1 兩兩之間的分數\*\* \(2/2\)：全部 \d+ 組測試輸入都通過。", hant)
    assert "你的數值反而是沿著第 1 維加起來等於 1。" in hant  # a translated sentence ends with a Chinese full stop
    assert "可能的錯誤：torch.softmax 需要 dim" in hant
    assert "`values` 的地方，它還沒有值" in hant  # a shared mistake's message, with the student's own name in it
    assert hans.startswith("# partial-zh-Hans 的反馈") and "可能的错误：torch.softmax 需要 dim" in hans
    assert "未作答" not in english and "not attempted" not in hant
    assert "- **1.1 兩兩之間的分數** (0/2)：未作答（仍然會引發 NotImplementedError）。" in page(
        out, "untouched-zh-Hant"
    )


def test_feedback_pages_have_no_english_left(graded):
    """Each Chinese page, below its first line (the student's folder name), and each Gradescope
    result has no three English words in a row outside code, quotes and Python's own errors
    (tests/english_left.py)."""
    _, out = graded
    for edition in EDITIONS[1:]:
        for student in ANSWERS:
            lines = page(out, f"{student}-{edition}").splitlines()[1:]
            assert [line for line in lines if english_runs(line)] == [], (student, edition)
            assert "**ok**" not in "\n".join(lines)  # the status in the edition's words too
            results = json.loads((out / "gradescope" / f"{student}-{edition}.json").read_text(encoding="utf-8"))
            said = [results["output"]] + [t[k] for t in results["tests"] for k in ("name", "output")]
            assert [words for words in said if english_runs(words)] == [], (student, edition)  # Gradescope's too
