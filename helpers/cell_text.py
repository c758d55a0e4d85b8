"""What a master's code cell says to students, found and put in an edition's words: its
comments (a stub's own included), its docstrings and the strings its plots show (see
helpers/units.py, whose lesson units they are, for what counts and why). Tokenize and ast
read the code, so a "#" in a string or a docstring's quotes are never mistaken.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

from helpers.authoring import BEGIN_STUB, END_STUB, MARKERS

PLOT_FUNCTIONS = {"attention_heatmap", "line_chart", "head_grid", "explore_attention"}
PLOT_KEYWORDS = {"title", "xlabel", "ylabel"}
COMMENT, PLOT = "comment", "plot"
EXERCISE_HEADER = re.compile(r"^(\s*#\s*Exercise\s+\d+\.\d+\s*—\s*)(.+)$")


MATH_WORDS = {"log", "exp", "max", "min", "sum", "mean", "softmax", "x"}
SIZE = r"\s*(?:[\w.]+(?:\s*[-+*/·]\s*[\w.]+)*)?\s*"  # one size of a shape: T, ..., H_kv * groups


def is_prose(text: str, one_word: bool = False) -> bool:
    """Words, not only shapes or a formula: "(B, T, d) x (B, d, block) -> (B, T, block)" and
    "0 log 0 = 0" are not; nor is a comment that is one word alone ("cat", naming a row of
    data), unless `one_word` (a legend: "measured")."""
    outside = re.sub(rf"\(({SIZE},)*{SIZE}\)", " ", text)  # shapes: (B, T, D), (..., S), (D,), (B, H * g, T)
    words = [w for w in re.findall(r"[A-Za-z]+", outside) if w.lower() not in MATH_WORDS]
    if not any(re.fullmatch(r"[a-z]{2,}", w) for w in words):
        return False
    return one_word or not re.fullmatch(r"\W*[A-Za-z]+\W*", text)


def _comment_tokens(source: str) -> list[tuple[int, int, str]]:
    """(line, column, text after the '#') of every comment in `source`."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return []
    return [(t.start[0], t.start[1], t.string[1:]) for t in tokens if t.type == tokenize.COMMENT]


def _stub_comments(lines: list[str], stub: list[int]) -> list[tuple[int, int, str]]:
    """The comments at the end of a stub's lines: each line is commented-out code, and what
    follows that code's own '#' is a comment the student sees once the build uncomments it."""
    found = []
    for row in stub:
        line = lines[row - 1]
        code = line.lstrip()[1:].lstrip(" ")  # the line as the student gets it, unindented
        start = len(line) - len(code)
        found += [(row, start + col, text) for _, col, text in _comment_tokens(code)]
    return found


def comments(source: str) -> list[tuple[int, int, str]]:
    """(line, column of the '#', text) of each comment meant for students in a code cell's source."""
    lines = source.split("\n")
    in_stub = False
    stub_lines = []
    for number, line in enumerate(lines, start=1):
        marker = line.strip()
        if marker == BEGIN_STUB:
            in_stub = True
        elif marker == END_STUB:
            in_stub = False
        elif in_stub and marker.startswith("#"):
            stub_lines.append(number)
    found = []
    for row, col, text in sorted(_comment_tokens(source) + _stub_comments(lines, stub_lines)):
        text = text.strip()
        whole_stub_line = row in stub_lines and col == len(lines[row - 1]) - len(lines[row - 1].lstrip())
        if whole_stub_line or ("#" + text) in MARKERS or not is_prose(text):
            continue
        header = EXERCISE_HEADER.match(lines[row - 1]) if row == 1 else None
        if header:
            text = header.group(2).strip()
        found.append((row, col, text))
    return found


def _literal(node: ast.expr, source: str) -> str | None:
    """The text of a string or f-string node, an f-string's fields as written ({h})."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        segment = ast.get_source_segment(source, node) or ""
        match = re.fullmatch(r'[fF]"(.*)"|[fF]\'(.*)\'', segment, flags=re.S)
        return None if match is None else (match.group(1) if match.group(1) is not None else match.group(2))
    return None


def _parsed(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def _plot_calls(tree: ast.AST) -> list[ast.Call]:
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    return [
        c
        for c in calls
        if (c.func.id if isinstance(c.func, ast.Name) else getattr(c.func, "attr", "")) in PLOT_FUNCTIONS
    ]


def plot_names(sources: list[str]) -> frozenset[str]:
    """The names a lesson's code cells hand to its plot calls, in any argument: labels built
    in one cell (a legend's dict, a list of tick labels) may be drawn in another."""
    names = set()
    for tree in filter(None, map(_parsed, sources)):
        for call in _plot_calls(tree):
            for arg in [*call.args, *(kw.value for kw in call.keywords)]:
                names |= {n.id for n in ast.walk(arg) if isinstance(n, ast.Name)}
    return frozenset(names)


def _labels(node: ast.AST) -> list[tuple[ast.expr, bool]]:
    """(string node, whether one word is a label) of the labels built in `node`: a dict's keys
    (a legend: "measured"), a list comprehension's strings (tick labels: f"in {i}"), never a
    list display, which holds data ("the", "cat")."""
    found: list[tuple[ast.expr, bool]] = []
    for n in ast.walk(node):
        if isinstance(n, ast.Dict):
            found += [(k, True) for k in n.keys if k is not None]
        elif isinstance(n, ast.DictComp):
            found.append((n.key, True))
        elif isinstance(n, ast.ListComp):
            found.append((n.elt, False))
    return found


def plot_strings(source: str, names: frozenset[str] = frozenset()) -> list[tuple[ast.expr, str]]:
    """(node, text) of each string a plot shows, in a code cell's source: its plot calls'
    title=, xlabel= and ylabel=, the labels built in their arguments, and the labels built
    in what the cell assigns to `names` (plot_names of the lesson)."""
    tree = _parsed(source)
    if tree is None:
        return []
    candidates: list[tuple[ast.expr, bool]] = []
    for call in _plot_calls(tree):
        candidates += [(kw.value, True) for kw in call.keywords if kw.arg in PLOT_KEYWORDS]
        for arg in [*call.args, *(kw.value for kw in call.keywords)]:
            candidates += _labels(arg)
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value is not None:
            if any(isinstance(t, ast.Name) and t.id in names for t in targets):
                candidates += _labels(node.value)
    found = {}
    for value, one_word in candidates:
        text = _literal(value, source)
        if text and is_prose(text, one_word=one_word):
            found[id(value)] = (value, text)
    return sorted(found.values(), key=lambda f: (f[0].lineno, f[0].col_offset))


QUOTES = '"""'


def docstrings(source: str, prose: bool = True) -> list[tuple[ast.Constant, str]]:
    """(node, text) of each docstring of a def or class in a code cell's source, written in
    triple double quotes without a backslash: the text between the quotes, its later lines
    without the indentation of the quotes. With `prose` False, those that are not words too
    (and those in Chinese)."""
    tree = _parsed(source)
    if tree is None:
        return []
    lines = source.split("\n")
    found = []
    for node in ast.walk(tree):
        body = (
            getattr(node, "body", None)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            else None
        )
        if not body or not isinstance(body[0], ast.Expr) or not isinstance(body[0].value, ast.Constant):
            continue
        doc = body[0].value
        segment = ast.get_source_segment(source, doc) or ""
        if (
            not isinstance(doc.value, str)
            or not (segment.startswith(QUOTES) and segment.endswith(QUOTES))
            or "\\" in segment
        ):
            continue
        indent = len(lines[doc.lineno - 1]) - len(lines[doc.lineno - 1].lstrip())
        first, *rest = segment[3:-3].split("\n")
        text = "\n".join([first, *(line[indent:] if not line[:indent].strip() else line for line in rest)])
        if is_prose(text) or not prose:
            found.append((doc, text))
    return found


def fields(text: str) -> list[str]:
    """The fields of an f-string's text, in order: "head {h}" -> ["h"]."""
    return re.findall(r"(?<!\{)\{([^{}]+)\}(?!\})", text)


def _columns(lines: list[str], row: int, offset: int) -> int:
    """The character column of a UTF-8 byte offset in a line (ast counts bytes)."""
    return len(lines[row - 1].encode()[:offset].decode())


def translated_code(source: str, lookup, names: frozenset[str] = frozenset()) -> str:
    """A code cell's source with its comments, docstrings and plot strings in the edition's
    words; `lookup(context, msgid)` gives a translation or None (the English then stays).
    `names`: plot_names of the lesson, as lesson_units found its plot strings."""
    lines = source.split("\n")
    edits: list[tuple[int, int, int, int, str]] = []  # (line, start, end line, end, new text) in characters
    for row, col, text in comments(source):
        new = lookup(COMMENT, text)
        if new is None:
            continue
        line = lines[row - 1]
        header = EXERCISE_HEADER.match(line) if row == 1 else None
        start = header.start(2) if header else line.index(text, col)
        edits.append((row, start, row, start + len(text), new))
    for node, text in docstrings(source):
        new = lookup(COMMENT, text)
        if new is None:
            continue
        indent = " " * (len(lines[node.lineno - 1]) - len(lines[node.lineno - 1].lstrip()))
        new = new.replace("\\", "\\\\").replace(QUOTES, '\\"""').replace("\n", "\n" + indent)
        new = new[:-1] + '\\"' if new.endswith('"') else new
        start, end = (
            _columns(lines, node.lineno, node.col_offset),
            _columns(lines, node.end_lineno, node.end_col_offset),
        )
        edits.append((node.lineno, start, node.end_lineno, end, QUOTES + new + QUOTES))
    for node, text in plot_strings(source, names):
        new = lookup(PLOT, text)
        if new is None or node.lineno != node.end_lineno or fields(new) != fields(text):
            continue
        start, end = _columns(lines, node.lineno, node.col_offset), _columns(lines, node.lineno, node.end_col_offset)
        quoted = new.replace("\\", "\\\\").replace('"', '\\"')
        edits.append(
            (node.lineno, start, node.lineno, end, ('f"' if isinstance(node, ast.JoinedStr) else '"') + quoted + '"')
        )
    for row, start, end_row, end, new in sorted(edits, reverse=True):
        lines[row - 1 : end_row] = [lines[row - 1][:start] + new + lines[end_row - 1][end:]]
    return "\n".join(lines)
