"""The course's editions (English, 繁體中文, 简体中文) as a notebook's kernel and the grader use
them: which edition is in force, the words of the checks, the progress table, the feedback
page and the plots in that edition's language, and text wrapped for it.

Every notebook of a Chinese edition opens with a setup cell that the build ends with
`helpers.set_edition("zh-Hant")` (helpers/online.py), so the checks learn the edition from
the notebook itself, in Jupyter, Colab and Binder alike. The grader's child gets
set_edition as a stand-in that does nothing; the grader reads the edition from the
notebook's metadata (helpers/grader/submissions.py) and passes it to the feedback page.

The words come from gettext catalogs: the build compiles locales/<edition>/course.po with
Babel into helpers/locales/<edition>.mo, which the standard library's gettext reads, so
students need nothing beyond the standard library (see helpers/catalogs.py for the source
side and why gettext). Two kinds of entries:

- the fixed frame, marked in the code as tr("...") (status words, headings, labels);
- messages that the checks build with f-strings (mistakes, evidence): their catalog entry
  is the English f-string with numbered fields, {0}, {1}, ..., found in the modules listed in
  catalogs.MESSAGE_SOURCES, under the context "mistake:<key>" (or the function it is in).
  message() turns a message into the edition's by matching it against those templates,
  so that the modules that write them need no change. A message no template matches, or
  whose translation is missing or stale, stays English.
"""

from __future__ import annotations

import gettext
import re
import string
import textwrap
import unicodedata
from functools import lru_cache
from pathlib import Path

ENGLISH = "en"
EDITIONS = {ENGLISH: "English", "zh-Hant": "繁體中文", "zh-Hans": "简体中文"}
CHINESE = ("zh-Hant", "zh-Hans")
# The lessons each Chinese edition has, in order: their translations are complete and
# current (python -m helpers.build --check fails otherwise). A lesson not listed has no
# notebook in that edition yet, and the build and --check say so on every run; README's
# course map says the same (tests/test_editions.py holds the two together).
COVERED: dict[str, tuple[str, ...]] = {
    "zh-Hant": ("01", "02", "03", "04", "05", "06", "07", "08"),
    "zh-Hans": ("01", "02", "03", "04", "05", "06", "07", "08"),
}

LOCALES = Path(__file__).resolve().parent / "locales"  # <edition>.mo, compiled by the build
MESSAGE = "mistake:"  # the context of a message template: "mistake:<key>" or "mistake:<module>.<function>"
PLOT = "plot"  # the context of a plot's title, axis label or legend in a lesson's code

_current = ENGLISH


def current() -> str:
    """The edition in force in this process ("en" unless a notebook's setup cell set it)."""
    return _current


def set_edition(edition: str) -> None:
    """Make the checks, the progress table and the plots speak `edition` ("en", "zh-Hant" or
    "zh-Hans"); the build writes this call into the setup cell of every Chinese notebook. For
    a Chinese edition it also chooses a font for Chinese plot labels (helpers/fonts.py)."""
    global _current
    if edition not in EDITIONS:
        raise ValueError(f"no edition {edition!r}; the course has {', '.join(EDITIONS)}")
    _current = edition
    if edition in CHINESE:
        from helpers import fonts  # matplotlib is loaded only by a notebook that plots

        note = fonts.use_cjk_font(edition)
        if note:
            print(tr(note, edition))


class Catalog(gettext.GNUTranslations):
    """An edition's compiled catalog, with its message templates and plot labels listed."""

    def entries(self) -> dict[str, str]:
        return self._catalog  # gettext keeps "context\x04msgid" -> msgstr here, header under ""


@lru_cache(maxsize=None)
def catalog(edition: str) -> Catalog | None:
    """The compiled catalog of an edition; None for English or where it is not there."""
    path = LOCALES / f"{edition}.mo"
    if edition == ENGLISH or not path.exists():
        return None
    with path.open("rb") as f:
        return Catalog(f)


def tr(text: str, edition: str | None = None) -> str:
    """`text`, a piece of the fixed frame, in `edition` (default: the current one); the
    English when it has no current translation."""
    found = catalog(edition or _current)
    return found.gettext(text) if found else text


def title(kind: str, text: str, edition: str | None = None) -> str:
    """A lesson's or an exercise's title (`kind` "lesson-title" or "exercise-title") in `edition`."""
    found = catalog(edition or _current)
    return found.pgettext(kind, text) if found else text


# --------------------------------------------------------------------------------------
# Messages made with f-strings, translated by matching their English templates


@lru_cache(maxsize=None)
def templates(edition: str, contexts: str = MESSAGE) -> tuple[tuple[str, str, str], ...]:
    """(context, English template, translation) of each entry of an edition's catalog whose
    context starts with `contexts`, the most specific (longest fixed text) first."""
    found = catalog(edition)
    if found is None:
        return ()
    out = []
    for key, translated in found.entries().items():
        context, msgid = key.split("\x04", 1) if "\x04" in key else ("", key)
        if msgid and context.startswith(contexts) and translated:
            out.append((context, msgid, translated))
    out.sort(key=lambda t: -len(_fixed_text(t[1])))
    return tuple(out)


def _fixed_text(template: str) -> str:
    return "".join(literal for literal, *_ in string.Formatter().parse(template))


@lru_cache(maxsize=4096)
def _pattern(template: str) -> re.Pattern:
    """A regular expression matching what a template gives: each field ({0}, {name}) a group."""
    parts, groups = [], {}
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is not None:
            if field in groups:
                parts.append(f"(?P={groups[field]})")
            else:
                groups[field] = f"g{len(groups)}"
                parts.append(f"(?P<{groups[field]}>.*?)")
    return re.compile("".join(parts), re.DOTALL)


def _fields(template: str) -> list[str]:
    return list(dict.fromkeys(f for _, f, *_ in string.Formatter().parse(template) if f is not None))


def fill(source: str, target: str, text: str, each=lambda value: value) -> str | None:
    """`text`, made from the template `source`, rewritten with the template `target`: the
    same fields, each value passed through `each`; None when `text` is not made from `source`."""
    found = _pattern(source).fullmatch(text)
    if found is None:
        return None
    values = {field: each(found.group(f"g{i}")) for i, field in enumerate(_fields(source))}
    out = []
    for literal, field, _spec, _conversion in string.Formatter().parse(target):
        out.append(literal)
        if field is not None:
            out.append(values.get(field, ""))
    return "".join(out)


def message(text: str, key: str | None = None, edition: str | None = None, depth: int = 0) -> str:
    """A check's message (or evidence) in `edition`: the translation of the template it was
    made from, holding the same values (each translated in turn where it is a sentence made
    by another template); `text` itself when no template matches."""
    edition = edition or _current
    if not text or edition == ENGLISH or depth > 2:
        return text
    candidates = templates(edition)
    if key:
        mine = f"{MESSAGE}{key}"
        candidates = tuple(t for t in candidates if t[0] == mine) + tuple(t for t in candidates if t[0] != mine)
    for _context, english, translated in candidates:
        done = fill(english, translated, text, lambda value: message(value, None, edition, depth + 1))
        if done is not None:
            return done
    return text


def english_of(text: str, edition: str) -> str:
    """The English a Chinese plot label was translated from (a lesson's plot string or a
    frame entry), or, where none is known, `text` without its Chinese characters."""
    for _context, english, translated in templates(edition, PLOT) + templates(edition, ""):
        done = fill(translated, english, text)
        if done is not None and not any(is_wide(c) for c in done):
            return done
    return " ".join("".join(" " if is_wide(c) else c for c in text).split())


# --------------------------------------------------------------------------------------
# Wrapping


def is_wide(character: str) -> bool:
    """Whether a character takes two columns, as Chinese characters and full-width punctuation do."""
    return unicodedata.east_asian_width(character) in ("W", "F")


def width(text: str) -> int:
    """The columns `text` takes in a fixed-width output area."""
    return sum(2 if is_wide(c) else 1 for c in text)


def wrap(text: str, columns: int, indent: str = "", subsequent: str | None = None) -> str:
    """`text` filled to `columns`, the first line indented by `indent`, the others by
    `subsequent`. English goes through textwrap. Text with Chinese in it is filled by
    display width, breaking between any two Chinese characters but never inside a Latin
    word or a `code span`: textwrap counts characters, not columns, and breaks only at
    spaces, so it would leave a Chinese paragraph on one line (written here, as no
    maintained library of the course's dependencies does this)."""
    subsequent = indent if subsequent is None else subsequent
    if not any(is_wide(c) for c in text):
        return textwrap.fill(
            text,
            width=columns,
            initial_indent=indent,
            subsequent_indent=subsequent,
            break_long_words=False,
            break_on_hyphens=False,
        )
    lines, line, space = [], indent, False
    for piece in _pieces(text):
        if piece.isspace():
            space = bool(line.strip())
            continue
        glue = " " if space else ""
        if width(line) + width(glue + piece) > columns and line.strip() and piece not in CLOSING:
            lines.append(line.rstrip())
            line, glue = subsequent, ""
        line += glue + piece
        space = False
    lines.append(line.rstrip())
    return "\n".join(lines)


CLOSING = set("，。、；：！？）」』》〉,.;:!?)")  # never the first thing on a line


def _pieces(text: str) -> list[str]:
    """A `code span`, a run of spaces, a Latin word (with its punctuation), or one wide character."""
    pieces: list[str] = []
    for chunk in re.findall(r"`[^`]*`|\s+|[^\s`]+", text):
        if chunk.startswith("`") or chunk.isspace():
            pieces.append(chunk)
            continue
        latin = ""
        for c in chunk:
            if is_wide(c):
                pieces += [latin, c] if latin else [c]
                latin = ""
            else:
                latin += c
        pieces += [latin] if latin else []
    return pieces
