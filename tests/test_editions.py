"""The 繁體中文 and 简体中文 editions: generated from the English masters and the catalogs,
never out of date (a changed English cell or message fails --check, naming it), the same
code and exercises as the English, the glossary's terms, the checks' words, the edition's
recognition by the grader, and plots with a CJK font or English labels, never boxes."""

from __future__ import annotations

import ast
import re
import shutil
import warnings
from pathlib import Path

import matplotlib
import nbformat
import pytest
import torch

from helpers import authoring, build, catalogs, editions, fonts, units
from helpers import exercises as registry
from helpers.grader.submissions import read_submission
from helpers.judging import FAILED, PASSED, Result
from tests.english_left import english_runs

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
L01 = f"{registry.NOTEBOOK_FILES['01']}.ipynb"


@pytest.fixture(autouse=True)
def english_afterwards():
    """Each test leaves the process in English, with matplotlib's fonts as they were."""
    fonts_before = dict(matplotlib.rcParams)
    yield
    editions._current = editions.ENGLISH
    fonts._chinese_labels = True
    matplotlib.rcParams.update({k: fonts_before[k] for k in ("font.family", "font.sans-serif", "axes.unicode_minus")})


# --------------------------------------------------------------------------------------
# Never out of date


@pytest.fixture
def course(tmp_path):
    """A throwaway copy of what the build reads and writes: masters, notebooks, catalogs,
    and the sources whose messages are in the catalogs."""
    for folder in ("solutions", "notebooks", "locales", "helpers"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    return tmp_path


def stale(problems: list[str]) -> list[str]:
    return [p for p in problems if "translation is stale" in p or "translation is missing" in p]


def test_the_editions_are_up_to_date():
    assert build.check(ROOT) == []


@pytest.mark.slow  # builds the whole course in a copy (tens of seconds): run by pytest -m 'slow or platforms'
def test_a_changed_english_cell_makes_check_name_its_stale_translations(course):
    path = course / "solutions" / L01
    original = path.read_text(encoding="utf-8")
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == "softmax-md")
    cell.source = cell.source.replace("Softmax", "The softmax", 1)
    nbformat.write(nb, path)
    problems = stale(build.check(course))
    assert problems == [
        f"{edition}: solutions/{L01}, cell softmax-md: translation is stale: its English changed since it was "
        f'translated ("## 4. From scores to weights: softmax"; locales/{edition}/01.po)'
        for edition in editions.CHINESE
    ]
    build.build(course)  # the catalogs keep the old translation, marked fuzzy with the English it was made from
    po = catalogs.read(catalogs.po_path(course, "zh-Hant", "01"), "zh-Hant", "01")
    entry = po.get(cell.source, "cell:softmax-md")
    assert entry.fuzzy and catalogs.same_text(entry.previous_id[0], original_cell(original, "softmax-md"))
    assert stale(build.check(course)) == problems  # still named after the build, until translated
    edition_cell = cell_of(course / "solutions" / "zh-Hant" / L01, "softmax-md")
    assert edition_cell == cell.source  # a stale translation is never used: the English stands there
    path.write_text(original, encoding="utf-8")
    build.build(course)
    assert build.check(course) == []


def original_cell(text: str, cell_id: str) -> str:
    return next(c.source for c in nbformat.reads(text, as_version=4).cells if c.get("id") == cell_id)


def cell_of(path: Path, cell_id: str) -> str:
    return next(c.source for c in nbformat.read(path, as_version=4).cells if c.get("id") == cell_id)


@pytest.mark.slow  # builds the whole course in a copy (tens of seconds): run by pytest -m 'slow or platforms'
def test_a_changed_message_makes_check_name_its_stale_translations(course):
    path = course / "helpers" / "lessons" / "common.py"
    original = path.read_text(encoding="utf-8")
    old = "torch.softmax needs dim, the axis along which the weights sum to 1"
    assert old in original
    path.write_text(original.replace(old, "torch.softmax needs dim, the axis over which the weights sum to 1"))
    problems = stale(build.check(course))
    assert len(problems) == 2 and all("mistake:softmax-no-dim (helpers/lessons/common.py:" in p for p in problems)
    assert [p.split(":", 1)[0] for p in problems] == list(editions.CHINESE)
    assert all("translation is stale" in p and "locales/" in p and "/course.po" in p for p in problems)
    path.write_text(original, encoding="utf-8")
    assert build.check(course) == []


@pytest.mark.slow  # builds the whole course in a copy (tens of seconds): run by pytest -m 'slow or platforms'
def test_a_lesson_not_covered_is_said_not_skipped(course, monkeypatch):
    monkeypatch.setitem(editions.COVERED, "zh-Hans", ("01",))
    notes = build.generate(course).editions.notes
    # every lesson outside COVERED is named, a lesson added since the editions (07) included
    uncovered = {e: [n for n in registry.LESSONS if n not in editions.COVERED[e]] for e in editions.CHINESE}
    assert uncovered["zh-Hans"][:5] == ["02", "03", "04", "05", "06"]
    assert notes == [
        f"{e} ({editions.EDITIONS[e]}): lessons {', '.join(uncovered[e])} have no edition yet, by "
        "helpers/editions.py COVERED (README's course map says so)"
        for e in editions.CHINESE
        if uncovered[e]
    ]
    problems = build.check(course)
    assert f"notebooks/zh-Hans/{registry.NOTEBOOK_FILES['02']}.ipynb: no lesson of the edition makes it" in " ".join(
        problems
    )


def test_a_fuzzy_entry_is_written_back_as_it_was_read(tmp_path):
    """Babel reads a fuzzy entry's `#| msgid` line as a comment too: written back, the entry
    gained a `# | msgid` comment at every build, and building twice changed the catalog."""
    path = tmp_path / "course.po"
    catalog = catalogs.new_catalog("zh-Hant", catalogs.COURSE)
    catalog.add("Spot the bug: new words", "找出錯誤：舊的", context="exercise-title", flags={"fuzzy"})
    catalog.get("Spot the bug: new words", "exercise-title").previous_id = ["Spot the bug: old words"]
    path.write_text(catalogs.render(catalog), encoding="utf-8")
    once = path.read_text(encoding="utf-8")
    again = catalogs.render(catalogs.read(path, "zh-Hant", catalogs.COURSE))
    assert again == once and '#| msgid "Spot the bug: old words"' in again and "# |" not in again


def test_readme_lists_the_lessons_each_edition_has():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for edition in editions.CHINESE:
        [row] = [line for line in readme.splitlines() if line.startswith(f"| {editions.EDITIONS[edition]} ({edition}")]
        assert row.split("|")[-2].strip() == ", ".join(editions.COVERED[edition])


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    [command] = [line for line in readme.splitlines() if line.startswith("pip install -r requirements-dev.txt")]
    assert command in ci.splitlines() and "pytest -m editions" in command


# --------------------------------------------------------------------------------------
# The same code and exercises in every edition


def code_without_strings(source: str) -> str:
    """A code cell's code with its string literals blanked: what must be the same in every edition."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
        if isinstance(node, ast.JoinedStr):
            node.values = [v for v in node.values if not isinstance(v, ast.Constant)]
    return ast.dump(tree)


@pytest.mark.parametrize("edition", editions.CHINESE)
@pytest.mark.parametrize("folder", ["solutions", "notebooks"])
def test_an_edition_has_the_masters_code_and_exercises(edition, folder):
    for lesson in editions.COVERED[edition]:
        name = f"{registry.NOTEBOOK_FILES[lesson]}.ipynb"
        english = nbformat.read(ROOT / folder / name, as_version=4)
        chinese = nbformat.read(ROOT / folder / edition / name, as_version=4)
        assert chinese.metadata["course"]["notebook"] == lesson and chinese.metadata["course"]["edition"] == edition
        assert [c.cell_type for c in chinese.cells] == [c.cell_type for c in english.cells]
        for en, zh in zip(english.cells, chinese.cells):
            if en.cell_type != "code" or en.metadata.get("course", {}).get("setup"):
                continue
            assert registry.exercise_in(zh.source) == registry.exercise_in(en.source)
            assert code_without_strings(zh.source) == code_without_strings(en.source), (name, en.get("id"))
        setup = next(c for c in chinese.cells if c.metadata.get("course", {}).get("setup"))
        assert f'helpers.set_edition("{edition}")' in setup.source
        assert sum(
            c.source != e.source for c, e in zip(chinese.cells, english.cells) if c.cell_type == "markdown"
        ) == sum(c.cell_type == "markdown" for c in english.cells)  # every Markdown cell is in the edition's words


def test_plot_strings_and_comments_are_translated_in_place():
    source = (
        "# Exercise 1.2 — a numerically stable softmax\n"
        "x = f(y)   # (T, D) -> (T, T)\n"
        "z = g(x)   # every exponent <= 0: no overflow\n"
        'attention_heatmap(w, tokens, title=f"head {h} of the toy sentence")\n'
        "### BEGIN STUB\n# weights = torch.softmax(scores, dim=1)\n### END STUB"
    )
    assert [text for _, _, text in units.comments(source)] == [
        "a numerically stable softmax",
        "every exponent <= 0: no overflow",
    ]
    words = {
        ("comment", "a numerically stable softmax"): "數值穩定的 softmax",
        ("comment", "every exponent <= 0: no overflow"): "每個指數都 <= 0：不會溢位",
        ("plot", "head {h} of the toy sentence"): "玩具句子的注意力頭 {h}",
    }
    out = units.translated_code(source, lambda context, msgid: words.get((context, msgid)))
    assert out.split("\n")[:4] == [
        "# Exercise 1.2 — 數值穩定的 softmax",
        "x = f(y)   # (T, D) -> (T, T)",
        "z = g(x)   # 每個指數都 <= 0：不會溢位",
        'attention_heatmap(w, tokens, title=f"玩具句子的注意力頭 {h}")',
    ]
    assert registry.exercise_in(out) == "1.2"
    broken = {("plot", "head {h} of the toy sentence"): "玩具句子的注意力頭 {head}"}  # a field renamed: not used
    assert "head {h} of the toy sentence" in units.translated_code(source, lambda c, m: broken.get((c, m)))


def test_a_stubs_own_comments_and_every_docstring_are_translated():
    """What the student reads in a stub: its docstring, and a comment at the end of a
    handed-out line (the commented-out code itself is code, and stays)."""
    source = (
        "# Exercise 7.4 — spot the bug: positions after the cache\n"
        "def positions_after(cache, num_new):\n"
        '    """The positions of num_new tokens after those in cache."""\n'
        "    ### BEGIN SOLUTION\n"
        "    return torch.arange(past, past + num_new)    # (num_new,)\n"
        "    ### END SOLUTION\n"
        "    ### BEGIN STUB\n"
        "    # return torch.arange(num_new)               # (num_new,): the positions of the new tokens\n"
        "    ### END STUB"
    )
    found = [text for _, _, text in units.comments(source)]
    assert found == ["spot the bug: positions after the cache", "(num_new,): the positions of the new tokens"]
    assert [text for _, text in units.docstrings(source)] == ["The positions of num_new tokens after those in cache."]
    words = {
        ("comment", "(num_new,): the positions of the new tokens"): "(num_new,)：新詞元的位置",
        ("comment", "The positions of num_new tokens after those in cache."): '快取之後 num_new 個詞元的位置（"引號"）',
    }
    out = units.translated_code(source, lambda context, msgid: words.get((context, msgid)))
    lines = out.split("\n")
    assert lines[2] == '    """快取之後 num_new 個詞元的位置（"引號"）"""'
    assert lines[7] == "    # return torch.arange(num_new)               # (num_new,)：新詞元的位置"
    assert ast.parse(out).body[0].body[0].value.value == '快取之後 num_new 個詞元的位置（"引號"）'
    student = authoring.student_source(out, "7.4", authoring.Where("x", 0, nbformat.v4.new_code_cell(out)))
    assert "    return torch.arange(num_new)               # (num_new,)：新詞元的位置" in student.split("\n")


def test_a_translated_docstring_keeps_the_outputs_of_its_cell():
    from helpers.edition_build import without_comments

    english = 'def f(x):\n    """Twice x."""\n    return 2 * x  # doubled\nprint(f(1))'
    chinese = 'def f(x):\n    """x 的兩倍。"""\n    return 2 * x  # 加倍\nprint(f(1))'
    assert without_comments(english) == without_comments(chinese)
    assert without_comments(english) != without_comments(english.replace("2 * x", "3 * x"))


def test_labels_built_for_a_plot_are_translated_wherever_they_are_built():
    """Legends and tick labels built in a list comprehension or a dict, in the plot call or in a
    name handed to it from another cell; a list of data tokens is not a label."""
    cells = [
        'gib = {"multi-head: 32 kv heads": f(32), "multi-query: 1 kv head": f(1)}\ntokens = ["the cat", "sat"]',
        'positions = [f"in {i}" for i in range(T)]\nprint("in 0")',
        'line_chart(x, {name: y for name, y in gib.items()}, xlabel="T", ylabel="size in GiB")\n'
        'head_grid(w, positions, title="heads")\nattention_heatmap(w, tokens, [f"kv head {j}" for j in range(2)])',
    ]
    names = units.plot_names(cells)
    assert {"gib", "positions", "tokens"} <= names
    found = [[text for _, text in units.plot_strings(cell, names)] for cell in cells]
    assert found == [
        ["multi-head: 32 kv heads", "multi-query: 1 kv head"],
        ["in {i}"],
        ["size in GiB", "heads", "kv head {j}"],
    ]
    words = {("plot", "in {i}"): "輸入 {i}", ("plot", "multi-query: 1 kv head"): "多查詢：1 個鍵/值頭"}
    lookup = lambda context, msgid: words.get((context, msgid))  # noqa: E731
    assert (
        units.translated_code(cells[1], lookup, names).split("\n")[0] == 'positions = [f"輸入 {i}" for i in range(T)]'
    )
    assert '"多查詢：1 個鍵/值頭": f(1)' in units.translated_code(cells[0], lookup, names)
    assert 'f"in {i}"' in units.translated_code(cells[1], lookup)  # without the lesson's names: not known as a label


# --------------------------------------------------------------------------------------
# Terms: lesson 02's glossary drives them

USAGE = {  # Taiwan usage in 繁體中文, mainland usage in 简体中文: the other's words must not appear
    "zh-Hant": ("程序", "數據", "函數", "代碼", "掩碼"),
    "zh-Hans": ("程式", "资料", "函式", "遮罩", "張量"),
}
IDEAS = {  # the English that names each idea of the glossary, in a Markdown cell
    "query": r"\bquer(y|ies)\b",
    "key": r"\bkeys?\b",
    "value": r"\bvalues\b",
    "attention scores": r"\battention scores\b",
    "attention weights": r"\battention weights\b",
    "mask": r"\bmasks?\b",
    "heads": r"\bheads\b",
}


def glossary() -> dict[str, dict[str, list[str]]]:
    """Lesson 02's glossary cell, the one list of terms: idea -> edition -> its terms."""
    nb = nbformat.read(ROOT / "solutions" / f"{registry.NOTEBOOK_FILES['02']}.ipynb", as_version=4)
    table = next(c.source for c in nb.cells if c.get("id") == "glossary-md")
    terms = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[1] not in ("繁體中文", "---"):
            taught = re.search(r"\(lesson (\d\d)\)", cells[0])  # "heads (lesson 04)": taught there
            terms[cells[0].split(" (")[0]] = {
                "zh-Hant": cells[1].split("、"),
                "zh-Hans": cells[2].split("、"),
                "lessons": (taught.group(1),) if taught else tuple(registry.LESSONS),
            }
    return terms


def test_the_glossary_is_read():
    terms = glossary()
    assert terms["query"] == {"zh-Hant": ["查詢"], "zh-Hans": ["查询"], "lessons": tuple(registry.LESSONS)}
    assert terms["mask"] == {"zh-Hant": ["遮罩"], "zh-Hans": ["掩码"], "lessons": ("03",)}
    assert set(IDEAS) <= set(terms)


@pytest.mark.parametrize("edition", editions.CHINESE)
def test_each_edition_uses_the_glossarys_terms(edition):
    """In every lesson whose English names an idea of the glossary (an idea the glossary says
    a lesson teaches: in that lesson), the edition names it with the glossary's term; and the
    other region's words (程式 / 程序, 資料 / 数据, 函式 / 函数, ...) are not used."""
    terms = glossary()
    missing = []
    for lesson in editions.COVERED[edition]:
        catalog = catalogs.read(catalogs.po_path(ROOT, edition, lesson), edition, lesson)
        cells = [(m.id, m.string) for m in catalog if m.id and (m.context or "").startswith(units.CELL)]
        for idea, pattern in IDEAS.items():
            if lesson not in terms[idea]["lessons"]:
                continue
            naming = [text for english, text in cells if re.search(pattern, english, re.I)]
            if naming and not any(term in text for text in naming for term in terms[idea][edition]):
                missing.append(f"lesson {lesson}: {idea} ({'/'.join(terms[idea][edition])})")
        text = "".join(m.string for m in catalog if m.string and m.context != units.CELL + "glossary-md")
        missing += [f"lesson {lesson} uses {word}" for word in USAGE[edition] if word in text]
    assert missing == []


# --------------------------------------------------------------------------------------
# The checks' words


def test_a_check_message_in_each_edition():
    ex = registry.get("1.2")
    result = Result(
        ex,
        FAILED,
        "softmax-no-dim",
        "scores of shape (5, 5)",
        'your code raised TypeError: softmax() missing 1 required positional arguments: "dim" (line 3)',
        "torch.softmax needs dim, the axis along which the weights sum to 1: each query's row, the last "
        "dimension: torch.softmax(scores, dim=-1).",
    )
    english = result.report("en")
    assert english.startswith("✘ Exercise 1.2 failed on scores of shape (5, 5):")
    hant, hans = result.report("zh-Hant"), result.report("zh-Hans")
    assert hant.startswith("✘ 練習 1.2 在 形狀為 (5, 5) 的分數 上沒有通過：")
    assert "torch.softmax 需要 dim" in hant and "可能的錯誤：" in hant and "每個查詢" in hant
    assert hans.startswith("✘ 练习 1.2 在 形状为 (5, 5) 的分数 上没有通过：")
    assert (
        "每个查询的那一行" in re.sub(r"\n\s*", "", hans)
        and 'TypeError: softmax() missing 1 required positional arguments: "dim"' in hans
    )
    # 88 columns, but a closing mark (，。：) may hang one past the end rather than open a line
    assert all(editions.width(line) <= 88 + 2 for line in (hant + "\n" + hans).splitlines())
    unknown = Result(ex, FAILED, "something-new", "", "a message no catalog has", "so it stays as it is")
    assert "so it stays as it is" in unknown.report("zh-Hant")


def test_a_message_made_of_messages_is_translated_whole():
    english = (
        "A float64 tensor met a float32 one in the same operation. This line makes float64: `x = x.double()`. "
        "Keep everything float32, the dtype of the inputs."
    )
    assert editions.message(english, "mixed-dtypes", "zh-Hant") == (
        "同一個運算裡，float64 的張量碰上了 float32 的張量。這一行產生了 float64：`x = x.double()`。"
        "請全部保持 float32，也就是輸入的 dtype。"
    )


def test_a_message_glued_from_pieces_is_translated_piece_by_piece():
    # "..." + WRONG_AXIS_MESSAGE: no one template makes it, two do, one after the other
    glued = (
        "Rows do not sum to 1 but columns do: softmax ran over dim=-2 (the queries). Did you apply softmax over the "
        "wrong dimension? Each row holds one query's weights over all keys, so normalise over the last dimension: "
        "dim=-1."
    )
    hant, hans = (editions.message(glued, "wrong-axis", e) for e in editions.CHINESE)
    assert hant.startswith("列加起來不等於 1") and "。你是不是沿著錯的維度做了 softmax？" in hant
    assert hans.startswith("每一行加起来不等于 1") and "。你是不是沿错误的维度做了 softmax？" in hans
    # f"`{line}`: {ROPE_ON_VALUES}": a line of code, then a module's constant of three sentences
    quoted = (
        "`v = apply_rope(v, positions)`: The values were rotated too. RoPE turns q and k so that their scores "
        "depend on the offset between two tokens; v carries what a token says, and turning it by its position writes "
        "absolute positions into the output (shift every position by 100 and the output changes, though no offset "
        "did). Rotate q and k only."
    )
    assert editions.message(quoted, "rope-on-values", "zh-Hant").startswith(
        "`v = apply_rope(v, positions)`：值也被旋轉了"
    )
    assert english_runs(editions.message(quoted, "rope-on-values", "zh-Hans")) == []


def test_the_words_that_fill_a_message_are_translated():
    # "Your {0} beside the expected, {1}: ..." with "weights", and a case whose label has a colon of its own
    picture = (
        "Your weights beside the expected, on scores of shape (2, 5): one row around +800, one around -800: 5 of 10 "
        "cells differ (rows 1; row = query, column = key); the largest at row 1, key 0: yours nan, expected 1.246e-05."
    )
    assert editions.message(picture, None, "zh-Hant").startswith(
        "你的權重和預期的並排，在形狀為 (2, 5) 的分數：一列大約 +800，另一列大約 -800 上：10 格中有 5 格不同"
    )
    # a word chosen in an f-string, {'plus' if c > 0 else 'minus'}, and names joined by " or "
    assert "T（詞元數）或 d_head" in editions.message("T, the tokens or d_head", None, "zh-Hant", depth=1)
    assert editions.message("`weights` is a mask", None, "zh-Hant") == "`weights` is a mask"  # code is never a word
    # an f-string split where its fields meet: "{0}{1}" is a name, then the rest
    detached = (
        "Your output does not depend on linear_v (`v = self.linear_v(X).detach()` takes a tensor out of the graph): "
        "a layer defined and never used, a tensor detached (.detach(), .data, .item(), a NumPy round trip), or a "
        "result computed and then not used. Each layer must take part in the output."
    )
    assert english_runs(editions.message(detached, "no-gradient", "zh-Hans")) == []


def test_the_inputs_a_check_passed_on_are_listed_in_the_editions_words():
    ex = registry.get("1.2")
    passed = Result(ex, PASSED, checked=("scores of shape (5, 5)", "large scores of shape (3, 4), around 1000"))
    assert "scores of shape (5, 5); large scores" in " ".join(passed.report("en").split())
    hant = re.sub(r"\n\s*", "", passed.report("zh-Hant"))
    assert "形狀為 (5, 5) 的分數；" in hant and english_runs(hant) == []


def test_what_the_catalogs_hold_is_found_where_the_code_builds_it():
    found = {u.msgid: u.context for u in units.course_units(ROOT)}
    assert (
        found[
            "The mask made no difference: masked keys still get weight. Fill the masked scores with -inf "
            "before the softmax: scores.masked_fill(~mask, float('-inf'))."
        ]
        == "mistake:lesson03"
    )  # a dict constant
    assert "`{line}` pairs neighbours. " in found  # a str.format field keeps its name
    assert (
        found[  # HEADS_COMBINED.format(how="added up", verb="sum"): the words in their sentence
            "You added up the heads into (B, T, d_head): merging puts them side by side, (B, T, H · d_head) = (B, T, D). "
            "Concatenate them, don't sum them: transpose(1, 2), then reshape."
        ]
        == "mistake:heads-combined"
    )
    assert found["plus"] == found["weights"] == editions.WORD  # an f-string's choice of words; an exercise's Produces
    assert found["No notebook handed in for this lesson."].startswith("mistake:")  # a .get()'s default
    assert not {"(?P<", "size of tensor a \\(\\d+\\)"} & {m[:20] for m in found}  # patterns are not messages


def test_the_progress_table_has_no_english_left():
    from tests.english_left import left_in_progress

    for edition in editions.CHINESE:
        assert left_in_progress({"passed": [], "not attempted": [], "mistakes": []}, edition) == []


# Every answer the tests hold, checked once: the Chinese editions' reports are read from these Results.
@pytest.fixture(scope="module")
def every_result():
    from tests.english_left import results

    return results()


@pytest.mark.editions
@pytest.mark.parametrize("edition", editions.CHINESE)
def test_no_english_is_left_in_any_check_report(every_result, edition):
    """Every catalogued mistake, uncatalogued answer, reference and stub, reported in each
    Chinese edition: no three English words in a row outside code, quotes, Python's own
    errors and the names of tests/english_left.py's ALLOWED."""
    from tests.english_left import left_in_progress, left_in_reports

    left = {kind: found for kind, found in left_in_reports(every_result, edition).items() if found}
    assert left == {}, {kind: found[:10] for kind, found in left.items()}
    assert left_in_progress(every_result, edition) == []


def test_chinese_text_is_wrapped_by_its_width():
    text = "可能的錯誤：" + "你的 softmax 在很大的分數上溢位：exp(1000) 在 float32 裡是 inf。" * 4
    lines = editions.wrap(text, 40, "    ", "      ").splitlines()
    assert len(lines) > 4 and all(editions.width(line) <= 40 or line[-1] in "，。：" for line in lines)
    assert all(editions.width(line[:-1]) <= 40 for line in lines)
    assert all("exp(1000)" in line for line in lines if "exp(" in line)  # a Latin word is never split


def test_the_progress_table_in_an_edition(capsys):
    from helpers import checks

    editions._current = "zh-Hans"
    checks._results.clear()
    checks.progress("01")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "第 01 课 — 注意力就是加权总和：得 0 分，共 10 分"
    assert out[1].startswith("  1.1  两两之间的分数") and out[1].endswith("… 尚未检查")


# --------------------------------------------------------------------------------------
# The grader recognises an edition


def test_the_grader_reads_a_notebooks_edition(tmp_path):
    for edition in editions.CHINESE:
        path = ROOT / "notebooks" / edition / L01
        sub = read_submission("s", path)
        assert (sub.notebook, sub.edition) == ("01", edition)
        nb = nbformat.read(path, as_version=4)
        nb.metadata = {}  # metadata lost: the setup cell still says which edition
        copy = tmp_path / f"{edition}.ipynb"
        nbformat.write(nb, copy)
        assert read_submission("s", copy).edition == edition
    assert read_submission("s", ROOT / "notebooks" / L01).edition == "en"


# --------------------------------------------------------------------------------------
# Plots: a CJK font, or English labels; never boxes


def heatmap(title: str):
    from helpers.plot import attention_heatmap

    weights = torch.softmax(torch.randn(5, 5, generator=torch.Generator().manual_seed(0)), dim=-1)
    return attention_heatmap(weights, ["the", "cat", "sat", "on", "mat"], title=title)


def test_a_chinese_heatmap_has_no_missing_glyphs():
    if fonts.find_cjk_font("zh-Hant") is None:
        pytest.skip("no CJK font here (Debian: apt-get install fonts-noto-cjk; .ci/run installs it)")
    editions.set_edition("zh-Hant")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = heatmap("玩具句子的 softmax(X Xᵀ)")
        ARTIFACTS.mkdir(exist_ok=True)
        fig.savefig(ARTIFACTS / "heatmap-zh-Hant.png", dpi=100)
    assert not [w for w in caught if "missing from font" in str(w.message)]
    ax = fig.axes[0]
    assert ax.get_title() == "玩具句子的 softmax(X Xᵀ)" and ax.get_xlabel() == "鍵（被關注的詞元）"


def test_without_a_cjk_font_plots_keep_english_labels():
    editions._current = "zh-Hans"
    note = editions.tr(fonts.use_cjk_font("zh-Hans", font=None), "zh-Hans")
    assert note.startswith("找不到含中文字的字体") and "fonts-noto-cjk" in note and "\n" not in note
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = heatmap("玩具句子的 softmax(X Xᵀ)")
        fig.savefig(ARTIFACTS / "heatmap-no-cjk-font.png", dpi=60) if ARTIFACTS.exists() else fig.canvas.draw()
    ax = fig.axes[0]
    assert ax.get_title() == "softmax(X Xᵀ) for the toy sentence"  # the lesson's English, from the catalog
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("key (attended to)", "query (attending)")
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_without_a_cjk_font_a_lessons_own_tick_labels_and_axis_titles_are_english():
    """Labels a lesson builds (lesson 05's "in {i}" ticks, lesson 08's axis titles) fall back
    to their English as the plots' own words do."""
    editions._current = "zh-Hans"
    fonts.use_cjk_font("zh-Hans", font=None)

    def find(lesson, msgid):
        catalog = catalogs.read(catalogs.po_path(ROOT, "zh-Hans", lesson), "zh-Hans", lesson)
        return catalogs.lookup(catalog)("plot", msgid)

    from helpers.plot import attention_heatmap

    ticks = [find("05", "in {i}").format(i=i) for i in range(3)]
    assert all(any(editions.is_wide(c) for c in t) for t in ticks)
    ax = attention_heatmap(
        torch.eye(3), ticks, xlabel=find("08", "key/value head (read)"), ylabel=find("08", "query head")
    ).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["in 0", "in 1", "in 2"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("key/value head (read)", "query head")


def test_build_writes_every_covered_lesson_in_each_edition():
    for edition in editions.CHINESE:
        have = sorted(p.name for p in (ROOT / "notebooks" / edition).glob("*.ipynb"))
        assert have == sorted(f"{registry.NOTEBOOK_FILES[n]}.ipynb" for n in editions.COVERED[edition])
        assert sorted(p.name for p in (ROOT / "solutions" / edition).glob("*.ipynb")) == have
    assert authoring.masters(ROOT) == sorted((ROOT / "solutions").glob("*.ipynb"))  # editions are not masters
