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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from helpers.widths import CLOSING, is_wide, width, wrap  # noqa: F401 (the editions' text, wrapped)

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
def _pattern(template: str, greedy: bool = False) -> re.Pattern:
    """A regular expression matching what a template gives: each field ({0}, {name}) a group,
    as short as it can be (or, `greedy`, as long)."""
    parts, groups = [], {}
    parsed = list(string.Formatter().parse(template))
    for n, (literal, field, _spec, _conversion) in enumerate(parsed):
        parts.append(re.escape(literal))
        if field is not None:
            if field in groups:
                parts.append(f"(?P={groups[field]})")
            else:
                groups[field] = f"g{len(groups)}"
                # a field right before another ("{0}{1}": a name, then " (and ...)") is one word
                touching = n + 1 < len(parsed) and not parsed[n + 1][0] and parsed[n + 1][1] is not None
                lazy = r"\S+?(?=[\s,;:()]|$)" if touching else ".*?"
                parts.append(f"(?P<{groups[field]}>{'.*' if greedy else lazy})")
    return re.compile("".join(parts), re.DOTALL)


def _fields(template: str) -> list[str]:
    return list(dict.fromkeys(f for _, f, *_ in string.Formatter().parse(template) if f is not None))


def fill(source: str, target: str, text: str, each=lambda value: value, greedy: bool = False) -> str | None:
    """`text`, made from the template `source`, rewritten with the template `target`: the
    same fields, each value passed through `each`; None when `text` is not made from `source`.
    Where the fields could split `text` in several ways, each takes as little as it can (or,
    `greedy`, as much)."""
    found = _pattern(source, greedy).fullmatch(text)
    if found is None:
        return None
    code, ticks = set(), 0  # a field inside a `code span` holds code: it is never translated
    for literal, field, _spec, _conversion in string.Formatter().parse(source):
        ticks += literal.count("`")
        if field is not None and ticks % 2:
            code.add(field)
    values = {
        field: found.group(f"g{i}") if field in code else each(found.group(f"g{i}"))
        for i, field in enumerate(_fields(source))
    }
    out = ""
    for literal, field, _spec, _conversion in string.Formatter().parse(target):
        out = _glued(out, literal)
        if field is not None:
            out = _glued(out, values.get(field, ""))
    return out


def _glued(left: str, right: str) -> str:
    """`left` + `right`, without the space a template put between two Chinese characters
    (“{1} 個 {2} 都” filled with a translated word) or beside a Chinese mark."""
    if left.endswith(" ") and right and len(left) > 1 and is_wide(left[-2]) and is_wide(right[0]):
        return left[:-1] + right
    if right.startswith(" ") and left and len(right) > 1 and is_wide(left[-1]) and is_wide(right[1]):
        return left + right[1:]
    return left + right


def message(text: str, key: str | None = None, edition: str | None = None, depth: int = 0) -> str:
    """A check's message (or evidence) in `edition`: the translation of the template it was
    made from, holding the same values (each translated in turn where it is a sentence made
    by another template). A message that no one template makes, because the code glued it
    from several (`"..." + OTHER_MESSAGE`, f"`{line}`: {MESSAGE}"), is translated piece by
    piece (_by_parts). Whatever no template matches stays as it is."""
    edition = edition or _current
    if not text or edition == ENGLISH or depth > 3 or not re.search(r"[A-Za-z]{2}", text):
        return text
    done = _message(text, key, edition, depth)
    return done.strip() if depth == 0 and text == text.strip() else done


@lru_cache(maxsize=8192)
def _message(text: str, key: str | None, edition: str, depth: int) -> str:
    found = _whole(text, key, edition, depth)
    if found is None and depth:
        found = _word(text, edition, depth)  # a field's value: a word ("weights"), words joined ("T or d_head")
    if found is None or _RUN.search(_KEPT.sub(" ", found)):  # English left: perhaps the pieces say more
        parts = _by_parts(text, key, edition, depth)
        found = parts if found is None or _english(parts) < _english(found) else found
    return found


@dataclass(frozen=True)
class _Template:
    context: str
    english: str  # stripped of the spaces that join it to another piece
    translated: str  # as the catalog has it
    head: str  # the fixed text before its first field, for finding it fast
    tail: str  # and after its last
    fixed: int  # how much fixed text it has: the more, the more specific


@dataclass(frozen=True)
class _Index:
    """An edition's message templates, found by the first three characters of their fixed
    start, or else of their fixed end; each list in the order they are tried (anchored at
    both ends first, then the most specific)."""

    by_head: dict[str, list[_Template]]
    by_tail: dict[str, list[_Template]]
    loose: list[_Template]  # a field at both ends, or little fixed text there

    def candidates(self, core: str) -> list[_Template]:
        found = self.by_head.get(core[:3], []) + self.by_tail.get(core[-3:], []) + self.loose
        found = [t for t in found if core.startswith(t.head) and core.endswith(t.tail)]
        return sorted(found, key=lambda t: (not t.head, not t.tail, -t.fixed))


@lru_cache(maxsize=None)
def _index(edition: str) -> _Index:
    index = _Index({}, {}, [])
    for context, english, translated in templates(edition):
        english = english.strip()
        parsed = list(string.Formatter().parse(english))
        head = parsed[0][0] if parsed else ""
        tail = parsed[-1][0] if parsed and parsed[-1][1] is None else ""
        made = _Template(context, english, translated, head, tail, len(_fixed_text(english)))
        if len(head) >= 3:
            index.by_head.setdefault(head[:3], []).append(made)
        elif len(tail) >= 3:
            index.by_tail.setdefault(tail[-3:], []).append(made)
        else:
            index.loose.append(made)
    return index


TRIED = 3  # templates tried on one text, of those that match it, the likeliest first


def _whole(text: str, key: str | None, edition: str, depth: int) -> str | None:
    """`text` translated with a template that makes all of it, or None. The likeliest
    templates first: the key's own, then those anchored by fixed text at both ends, then
    the most specific; of the first few that match, each with its fields as short and as long
    as they can be, the translation with the least English left."""
    core = text.strip()
    mine = f"{MESSAGE}{key}"
    found = sorted(_index(edition).candidates(core), key=lambda t: t.context != mine)  # stable: the key's own first
    done: list[str] = []
    for t in found:
        for greedy in (False, True):
            made = fill(t.english, t.translated, core, lambda v: message(v, None, edition, depth + 1), greedy)
            if made is None:
                break  # the template does not make this text
            if not _RUN.search(_KEPT.sub(" ", made)):
                return _spaced(text, made)
            done.append(made)
        if len(done) >= 2 * TRIED:
            break
    return _spaced(text, min(done, key=_english)) if done else None  # the first of the least English


def _spaced(text: str, done: str) -> str:
    """`done`, the translation of `text`, with the spaces around `text` (a piece's join to the
    next) in place of its own; a field's value keeps the translation's ("`{0}` " before Chinese)."""
    if text == text.strip():
        return done
    return text[: len(text) - len(text.lstrip())] + done.strip() + text[len(text.rstrip()) :]


def _english(text: str) -> int:
    """How much English `text` holds: the letters of its words of two or more, outside `code` and quotes."""
    return sum(len(w) for w in _PROSE.findall(_KEPT.sub(" ", text)))


WORD = "word"  # the context of the words that fill fields (helpers/units.py, WORDS)


def _word(text: str, edition: str, depth: int) -> str | None:
    sentences = re.search(r"[.:;?!](\s|$)", text)
    for _context, english, translated in templates(edition, WORD):
        if sentences and english.startswith("{"):
            continue  # "{0} and {1}" joins two values, never two sentences nor the words of one
        done = fill(english, translated, text, lambda value: message(value, None, edition, depth + 1))
        if done is not None:
            return done
    return None


# Where a message may be cut into pieces: after a sentence's or a clause's end and its space
# (the pieces of the catalogs keep that space: "... (the queries). " + "Did you ..."), and
# before a comma or a full stop (", or the right weights were transposed ..."), after a code
# span, before "and", "or" and "but" (" and scale the scores ...") and before a parenthesis
# (" (`...` gives split_heads d_head ...)", the line of code an error names, "(line 12: ...)").
_CUT = re.compile(r"(?<=[.?!:;,)`])\s+|(?=[,.;:]\s)|(?=\.$)|\s(?=\(|and |or |but )")
_CODE = re.compile(r"`[^`]*`")
_KEPT = re.compile(r"`[^`]*`|「[^」]*」|“[^”]*”")  # code, and what a translation quotes as it was (PyTorch's words)
_PROSE = re.compile(r"[A-Za-z]{2,}")
_RUN = re.compile(r"(?<![`\w])[A-Za-z]{2,}(?:[ ,'-]+[A-Za-z]{2,}){2,}")  # three English words in a row


def _by_parts(text: str, key: str | None, edition: str, depth: int) -> str:
    """`text` cut where sentences and clauses end into pieces, each translated by a template
    that makes all of it, choosing the cuts that leave the least English: pieces with no
    words (code, shapes, punctuation) stay as they are. Written here, as no library matches
    text against templates this way; a dynamic programme over the possible cuts."""
    code = [m.span() for m in _CODE.finditer(text)]
    cuts = sorted(
        {0, len(text)}
        | {c for m in _CUT.finditer(text) for c in {m.start(), m.end()} if not any(a < c < b for a, b in code)}
    )
    if len(cuts) <= 2:
        return text
    # best[j]: (characters of text[:j] left English, pieces) and the piece that ends at j
    best: dict[int, tuple[tuple[int, int], int, str | None]] = {0: ((0, 0), 0, None)}
    for j_index, j in enumerate(cuts[1:], start=1):
        for i in cuts[:j_index]:
            if i not in best or (i == 0 and j == len(text)):
                continue
            piece = text[i:j]
            done = _whole(piece, key, edition, depth) if piece.strip() else piece
            left = _english(done if done is not None else piece)
            score = (best[i][0][0] + left, best[i][0][1] + 1)
            if j not in best or score < best[j][0]:
                best[j] = (score, i, done)
    pieces, j = [], len(text)
    while j > 0:
        _, i, done = best[j]
        pieces.append((text[i:j], done))
        j = i
    if all(done is None for _, done in pieces):
        return text
    return _joined(pieces[::-1])


WIDE_STOPS = {".": "。", ":": "：", ";": "；", ",": "，", "?": "？", "!": "！"}


def _joined(pieces: list[tuple[str, str | None]]) -> str:
    """Pieces put back together, each translated one in place of its English: no space
    between Chinese and a Chinese mark, and the mark that ends an untranslated piece (code)
    before a Chinese one made Chinese too."""
    out = ""
    for n, (english, done) in enumerate(pieces):
        body = (done if done is not None else english).strip()
        space = english[: len(english) - len(english.lstrip())]
        before = out.rstrip()
        gap = out[len(before) :] + space
        chinese_here = done is not None and any(is_wide(c) for c in body)
        if chinese_here and before and before[-1] in WIDE_STOPS and not before.endswith(".."):
            before, gap = before[:-1] + WIDE_STOPS[before[-1]], ""
        elif (
            before
            and body
            and (before[-1] in CLOSING or body[0] in CLOSING or is_wide(before[-1]) and is_wide(body[0]))
        ):
            gap = ""
        if done is None and body in WIDE_STOPS and any(is_wide(c) for c in before):
            body, gap = WIDE_STOPS[body], ""
        out = before + (gap and " ") + body if before else body
        if n == len(pieces) - 1:
            out += english[len(english.rstrip()) :]
    return out


def english_of(text: str, edition: str) -> str:
    """The English a Chinese plot label was translated from (a lesson's plot string or a
    frame entry), or, where none is known, `text` without its Chinese characters."""
    for _context, english, translated in templates(edition, PLOT) + templates(edition, ""):
        done = fill(translated, english, text)
        if done is not None and not any(is_wide(c) for c in done):
            return done
    return " ".join("".join(" " if is_wide(c) else c for c in text).split())
