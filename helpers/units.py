"""What is translated, found in the English sources (the build's side of the editions;
helpers/catalogs.py keeps the catalogs of these units, helpers/editions.py reads them at
run time).

A lesson's units, from its master notebook (solutions/NN-*.ipynb):
- each Markdown cell, under the context "cell:<cell id>", the English source its msgid;
- each comment meant for students in a code cell ("comment"): prose, not a shape comment
  such as `# (T, D) -> (T, T)`, not the answer markers, not the commented-out code of a
  spot-the-bug stub (but a comment at the end of one of its lines, which the student sees);
  of an exercise's first line, `# Exercise 1.2 — a numerically stable softmax`, only the
  title after the dash (the grader and the build find exercises by `# Exercise 1.2`, which
  stays as it is in every edition);
- each docstring of a def or class in a code cell ("comment" too): the student reads it in
  the stub, and help() shows it;
- each string a plot shows ("plot"): title=, xlabel= and ylabel= of the course's plot
  functions, and the legend (the keys of line_chart's series); labels built for a plot,
  in its call or in a name handed to it from any cell of the lesson: a dict's keys, a
  list comprehension's strings (`[f"in {i}" for i in range(T)]`), never a list of data
  such as `["the", "cat"]`; an f-string keeps its fields, {h}, which the translation must
  keep too.
Everything else in a code cell (code, names, test inputs) is the same in every edition.

The course's units (one catalog per edition, course.po):
- the fixed frame, marked tr("...") or N_("...") in FRAME_SOURCES, found by Babel's own
  Python extractor;
- lesson and exercise titles, from the lesson modules' records ("lesson-title", "exercise-title");
- the messages the checks build, found in MESSAGE_SOURCES: every f-string and string of a
  message (not a regular expression, a docstring or the frame), with its fields numbered
  {0}, {1}, ... in order, under "mistake:<key>" when it is a mistake's own message and
  "mistake:<module>.<function>" otherwise. A lesson module can be added to MESSAGE_SOURCES
  once its messages settle; nothing in it changes (README, Translating).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.extract import extract_from_file

from helpers import editions
from helpers import exercises as registry
from helpers.cell_text import (  # noqa: F401 (what a code cell says: the build and the catalogs read it here)
    COMMENT,
    EXERCISE_HEADER,
    PLOT,
    comments,
    docstrings,
    fields,
    is_prose,
    plot_names,
    plot_strings,
    translated_code,
)

FRAME_SOURCES = (
    "helpers/judging.py",
    "helpers/checks.py",
    "helpers/plot.py",
    "helpers/fonts.py",
    "helpers/online.py",
    "helpers/grader/outputs.py",
    "helpers/grader/gradebook.py",  # a Gradescope result, in the words of the feedback page
)
MESSAGE_SOURCES = (
    "helpers/judging.py",
    "helpers/lessons/common.py",
    "helpers/lessons/toolkit.py",  # the evidence and test inputs most lessons share
    "helpers/tolerances.py",
    "helpers/grader/judge_notebook.py",  # the notes of a feedback page
    "helpers/grader/classroom.py",
    *(f"helpers/lessons/lesson0{n}.py" for n in range(1, 9)),  # each lesson's own mistakes
    "helpers/lessons/panels.py",
    "helpers/lessons/scaling.py",
    "helpers/lessons/wrong_type.py",
    "helpers/lessons/dropout.py",
    "helpers/lessons/whole_module.py",
    "helpers/lessons/reading.py",
    "helpers/lessons/kept_weights.py",
    "helpers/lessons/errors.py",
    "helpers/lessons/variants.py",
    "helpers/lessons/layouts.py",
    "helpers/lessons/crashes.py",
    "helpers/explaining.py",  # what the evidence shows (issue 16)
    "helpers/knob_words.py",
    "helpers/properties.py",
    "helpers/transforms.py",
    "helpers/pictures.py",  # the words beside a picture
    *(f"helpers/running/{name}.py" for name in ("core", "probes", "panels", "decoding")),  # raised, in our words
)
FRAME_KEYWORDS = {"tr": None, "N_": None, "_own": None}
CELL = "cell:"
CHECKOUT = Path(__file__).resolve().parent.parent  # this checkout, whose sources serve a root that has none


@dataclass(frozen=True)
class Unit:
    """One thing to translate: its context, its English (the msgid), and where it is."""

    context: str
    msgid: str
    where: str  # "01-attention-is-a-weighted-sum.ipynb#tokens-md" or "helpers/lessons/common.py"
    line: int = 0
    note: str = ""  # for the translator: what the fields of a message hold

    @property
    def key(self) -> tuple[str, str]:
        return (self.context, self.msgid)


# --------------------------------------------------------------------------------------
# A lesson's units, and their translation put in place


def lesson_units(name: str, cells: list) -> list[Unit]:
    """The units of a master notebook named `name`, from its cells (the setup cell left out)."""
    units: list[Unit] = []
    code = [c for c in cells if c.cell_type == "code" and not c.metadata.get("course", {}).get("setup")]
    names = plot_names([c.source for c in code])
    for cell in cells:
        where = f"{name}#{cell.get('id', '')}"
        if cell.cell_type == "markdown" and cell.source.strip():
            units.append(Unit(CELL + cell.id, cell.source, where))
        elif cell in code:
            found = [(row, text) for row, _col, text in comments(cell.source)]
            found += [(node.lineno, text) for node, text in docstrings(cell.source)]
            units += [Unit(COMMENT, text, where, row) for row, text in sorted(found)]
            units += [Unit(PLOT, text, where, node.lineno) for node, text in plot_strings(cell.source, names)]
    return list({u.key: u for u in reversed(units)}.values())[::-1]  # a comment met twice: its first place


# --------------------------------------------------------------------------------------
# The course's units: frame, titles, messages


def source_file(root: Path, relative: str) -> Path:
    """A source file of the course at `root`, or of this checkout where `root` has none."""
    path = root / relative
    return path if path.exists() else CHECKOUT / relative


def frame_units(root: Path) -> list[Unit]:
    """Every tr("...") and N_("...") of FRAME_SOURCES, found by Babel's Python extractor."""
    units = []
    for relative in FRAME_SOURCES:
        path = source_file(root, relative)
        for line, text, _comments, _context in extract_from_file("python", path, keywords=FRAME_KEYWORDS):
            units.append(Unit("", text, relative, line))
    return units


def title_units() -> list[Unit]:
    """Each lesson's title and each exercise's, as the registry holds them."""
    units = [Unit("lesson-title", title, f"helpers/lessons/lesson{n}.py") for n, title in registry.LESSONS.items()]
    for ex in registry.EXERCISES.values():
        units.append(Unit("exercise-title", ex.title, f"helpers/lessons/lesson{ex.notebook}.py"))
    return units


# calls whose string arguments are patterns or tests, not messages
REGEX_CALLS = {"search", "match", "fullmatch", "sub", "findall", "compile", "split", "source_line", "_quoted"}
REGEX_CALLS |= {"startswith", "endswith", "get"}
# module constants that hold code or a status's key, not words (their strings are not messages)
NOT_MESSAGE_CONSTANTS = set(
    "IMPORTS BOOL_EXAMPLES HALF_SPLIT NOT_FIXED GRADIENT_NORMS AFTER_OTHERS IN_TURN MUST_RAISE".split()
)
NOT_MESSAGES = {"error", "source"}  # keyword arguments that hold regular expressions


def _raw(node: ast.AST, lines: list[bytes]) -> bool:
    """A raw string, r"...": a regular expression (`lines`: the source's, as UTF-8, which
    the node's column counts in)."""
    if not isinstance(node, (ast.Constant, ast.JoinedStr)) or not isinstance(getattr(node, "value", ""), (str, list)):
        return False
    start = lines[node.lineno - 1][node.col_offset : node.col_offset + 2].decode(errors="replace").lower()
    return start in ('r"', "r'", "rf", "fr")


FORMAT_FIELD = re.compile(r"(?<!\{)\{([A-Za-z_]\w*)?\}(?!\})")  # "{line}", "{}": a field that str.format fills


def _template(node: ast.expr, source: str) -> tuple[str, str] | None:
    """(template, note) of a string or f-string node: its fields numbered {0}, {1}, ...,
    and what each holds, for the translator. A plain string keeps its str.format fields,
    "`{line}` pairs neighbours. ", as fields (it is formatted before it is shown; a literal
    "{x}" in a message, quoted code, matches such a field as well)."""
    if isinstance(node, ast.Constant):
        pieces = FORMAT_FIELD.split(node.value)  # text, a field's name (or None), text, ...
        text = "".join(
            piece.replace("{", "{{").replace("}", "}}") if n % 2 == 0 else "{" + (piece or "") + "}"
            for n, piece in enumerate(pieces)
        )
        return text, ""
    parts, numbered = [], {}
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value).replace("{", "{{").replace("}", "}}"))
        else:
            expression = ast.get_source_segment(source, value.value) or ast.unparse(value.value)
            number = numbered.setdefault(expression, len(numbered))
            parts.append(f"{{{number}}}")
    note = "; ".join(f"{{{n}}} = {e}" for e, n in numbered.items())
    return "".join(parts), note


def message_units(root: Path, sources: tuple[str, ...] = MESSAGE_SOURCES) -> list[Unit]:
    """The messages of each module in `sources` (see the module's docstring)."""
    units: list[Unit] = []
    for relative in sources:
        source = source_file(root, relative).read_text(encoding="utf-8")
        tree = ast.parse(source)
        module = Path(relative).stem
        skip: set[int] = set()
        keys: dict[int, str] = {}
        places: dict[int, str] = {}
        formatted: list[tuple[ast.Call, str]] = []  # MESSAGE.format(what="minimum"): the message it gives
        encoded = [line.encode() for line in source.split("\n")]
        constants = {
            s.targets[0].id: s.value.value
            for s in tree.body
            if isinstance(s, ast.Assign)
            and len(s.targets) == 1
            and isinstance(s.targets[0], ast.Name)
            and isinstance(s.value, ast.Constant)
            and isinstance(s.value.value, str)
        }
        for statement in tree.body:  # module constants are messages too, but for patterns and code
            if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                if not all(isinstance(t, ast.Name) and t.id not in NOT_MESSAGE_CONSTANTS for t in targets):
                    skip |= _outside_calls(statement.value)
                else:
                    skip |= {id(n) for n in ast.walk(statement.value) if _raw(n, encoded)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                skip |= {id(n) for n in ast.walk(node)}
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
                body = node.body
                if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                    skip.add(id(body[0].value))  # a docstring
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for inner in ast.walk(node):
                        places.setdefault(id(inner), f"{module}.{node.name}")
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if (
                    name == "format"
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in constants
                    and not node.args
                    and all(
                        isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str) for kw in node.keywords
                    )
                ):
                    values = {kw.arg: kw.value.value for kw in node.keywords}
                    formatted.append((node, constants[node.func.value.id].format(**values)))
                if name in REGEX_CALLS or name in FRAME_KEYWORDS:
                    looked_up = node.args[:1] if name == "get" else node.args  # .get(key, "a default message")
                    skip |= {id(n) for arg in looked_up for n in ast.walk(arg)}
                for kw in node.keywords:
                    if kw.arg in NOT_MESSAGES:
                        skip |= {id(n) for n in ast.walk(kw.value)}
                first = node.args[0] if node.args else None
                if (
                    isinstance(first, ast.Constant)
                    and isinstance(first.value, str)
                    and re.fullmatch(r"[a-z-]+", first.value)
                ):
                    for arg in node.args[1:]:
                        for inner in ast.walk(arg):
                            keys.setdefault(id(inner), first.value)  # raised("key", "message"), failed("key", ...)
            if isinstance(node, ast.JoinedStr):
                skip |= {id(v) for v in node.values}
            if isinstance(node, ast.Attribute) and node.attr == "join":
                skip.add(id(node.value))  # " and no ".join(...): what joins values, not a message
            if isinstance(node, ast.IfExp):  # {'plus' if c > 0 else 'minus'}: words that fill a field
                for branch in (node.body, node.orelse):
                    for word in branch.elts if isinstance(branch, ast.Tuple) else [branch]:
                        if isinstance(word, ast.Constant) and isinstance(word.value, str):
                            if re.fullmatch(r"[A-Za-z][a-z]{2,}", word.value) and word.value not in NOT_WORDS:
                                units.append(Unit(WORD_CONTEXT, word.value, relative, word.lineno))
        for node in ast.walk(tree):
            if id(node) in skip or not isinstance(node, (ast.Constant, ast.JoinedStr)):
                continue
            if isinstance(node, ast.Constant) and not isinstance(node.value, str):
                continue
            made = _template(node, source)
            if made is None or not is_message(made[0]):
                continue
            context = "mistake:" + (keys.get(id(node)) or places.get(id(node), module))
            units.append(Unit(context, made[0], relative, node.lineno, made[1]))
        for node, text in formatted:  # a template filled with words: the words belong in the sentence
            context = "mistake:" + (keys.get(id(node)) or places.get(id(node), module))
            units.append(Unit(context, text.replace("{", "{{").replace("}", "}}"), relative, node.lineno))
    return list({u.key: u for u in reversed(units)}.values())[::-1]


WORD = re.compile(r"(?:(?<=\s)|^)[a-z]{2,}(?=[\s,;:.)]|$)")  # "on", "with"; not torch., (scores, dim=, bsd->


def is_message(template: str) -> bool:
    """Words a student reads, not code or a pattern: two words in a row ("no mask"), or two
    words standing alone among fields and code ("MultiHeadAttention({0}, {1}) on ... with {2}")."""
    text = template.replace("{{", "").replace("}}", "")
    words = len(WORD.findall(re.sub(r"`?\{\w*\}`?", " ", text)))
    quoted = re.search(r"`\{\w*\}`", text)  # "`{line}` asks": a line of the student's code, then words
    return bool(re.search(r"[A-Za-z]{2,}\S* [A-Za-z]", text)) or words >= 2 or bool(quoted and words)


def _outside_calls(node: ast.AST) -> set[int]:
    """The ids of `node` and what it holds, not descending into calls."""
    if isinstance(node, ast.Call):
        return set()
    found = {id(node)}
    for child in ast.iter_child_nodes(node):
        found |= _outside_calls(child)
    return found


# Words that fill a field from where the extractor cannot tell them from code (Produces.what, a panel's noun), and
# words that join two values: under the context WORD, each only for a field's whole value ("{0} or {1}").
WORD_CONTEXT = editions.WORD
NOT_WORDS = {"True", "False", "None", "NaN", "inf"}  # Python's and the numbers' own words, never translated
WORDS = ("weights", "mask", "scores", "output", "queries", "keys", "values", "query", "head", "it", "modules", "models")
WORDS += ("{0} or {1}", "{0} and {1}", "{0} and no {1}", "on {0}")


def course_units(root: Path) -> list[Unit]:
    """Everything of the course catalog: frame, titles, messages, the words of fields."""
    words = [Unit(WORD_CONTEXT, w, "helpers/units.py") for w in WORDS]
    found = frame_units(root) + title_units() + message_units(root) + words
    return list({u.key: u for u in reversed(found)}.values())[::-1]
