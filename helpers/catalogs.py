"""The translation catalogs: gettext PO files in locales/<edition>/, read, updated and
written with Babel, and compiled for the notebooks' kernels into helpers/locales/<edition>.mo.

    locales/zh-Hant/course.po   the checks' frame, titles and messages (helpers/units.py)
    locales/zh-Hant/01.po       lesson 01: its Markdown cells, comments and plot strings

Why gettext PO, and Babel. PO is the format translators' tools already read (Poedit,
Weblate, Crowdin, Transifex, Lokalize, Emacs po-mode): each entry holds the English (msgid)
beside its translation (msgstr), a context (msgctxt: the cell id, or the mistake's key),
where it comes from, notes for the translator, and the `fuzzy` flag with the English it was
translated from (#| msgid): that flag is how gettext itself marks a translation made from an
older English, so we use it rather than a source hash of our own. Babel reads and writes PO
in pure Python, is maintained (Pallets-adjacent, used by Sphinx, Flask-Babel, Jupyter),
merges a catalog with the current English (Catalog.update: changed English -> fuzzy with
the previous msgid, removed English -> obsolete #~ entries) and compiles .mo files, which
the standard library's gettext reads: students need no Babel, only the build does.

Stale means the msgid is the English as it was: the build's update finds an entry of the same
cell (context) whose English differs, or Babel's own fuzzy matching finds a close one, and
marks it fuzzy. A fuzzy or empty translation is never used: the edition keeps the English
there, and `python -m helpers.build --check` names it.
"""

from __future__ import annotations

import difflib
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, unescape, write_po

from helpers import editions, units
from helpers.units import CELL, COMMENT, EXERCISE_HEADER, PLOT, Unit

LOCALES = {"zh-Hant": "zh_Hant", "zh-Hans": "zh_Hans"}  # Babel's names of the editions' locales
FIXED_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)  # in every header: the same catalog gives the same file
COURSE = "course"


def po_path(root: Path, edition: str, name: str) -> Path:
    """locales/<edition>/<name>.po: name is "course" or a lesson number."""
    return root / "locales" / edition / f"{name}.po"


def mo_path(root: Path, edition: str) -> Path:
    return root / "helpers" / "locales" / f"{edition}.mo"


def new_catalog(edition: str, name: str) -> Catalog:
    what = "the checks, titles and messages" if name == COURSE else f"lesson {name}"
    catalog = Catalog(
        locale=LOCALES[edition],
        project="Self-attention, step by step",
        version="1",
        creation_date=FIXED_DATE,
        revision_date=FIXED_DATE,
        fuzzy=False,
        header_comment=f"# {editions.EDITIONS[edition]} ({edition}): {what}. See README.md, Translating.",
    )
    return catalog


def read(path: Path, edition: str, name: str) -> Catalog:
    """The catalog in `path`, or a new empty one."""
    if not path.exists():
        return new_catalog(edition, name)
    with path.open("rb") as f:
        catalog = read_po(f, locale=LOCALES[edition])
    for message in catalog:  # Babel reads a fuzzy entry's `#| msgid` as a translator's comment, "| msgid ...",
        if message.fuzzy:  # which render() would write back beside the `#|` line: a file that grows each build
            message.user_comments = [c for c in message.user_comments if not c.startswith("|")]
    for (context, msgid), previous in previous_ids(path.read_text(encoding="utf-8")).items():
        message = catalog.get(msgid, context)
        if message is not None and message.fuzzy:
            message.previous_id = [previous]
    return catalog


def _strings(text: str) -> str:
    """The quoted pieces of a PO line, unescaped and joined."""
    return "".join(unescape(piece) for piece in re.findall(r'"(?:[^"\\]|\\.)*"', text))


def previous_ids(text: str) -> dict[tuple[str | None, str], str]:
    """(context, msgid) -> the English a fuzzy entry was translated from (its `#| msgid`).
    Babel writes these lines but its reader does not take them as the previous msgid (it
    keeps them as comments, which read() drops from fuzzy entries), so they are read here; where Babel
    wrapped one inside a word's spacing, a space may be lost or added (same_text ignores it)."""
    found, previous, context, msgid, part = {}, None, None, None, None
    for line in text.splitlines() + [""]:
        if line.startswith("#| msgid "):  # quoted pieces, which Babel wraps at 76 columns, even inside a piece
            previous, part = line[len("#| msgid ") :], "previous"
        elif line.startswith("#| ") and part == "previous":
            previous += " " + line[3:]
        elif line.startswith("msgctxt "):
            context, part = unescape(line[len("msgctxt ") :]), "context"
        elif line.startswith("msgid "):
            msgid, part = unescape(line[len("msgid ") :]), "msgid"
        elif line.startswith('"') and part == "msgid":
            msgid += unescape(line)
        elif line.startswith('"') and part == "context":
            context += unescape(line)
        elif not line.strip():
            if previous is not None and msgid is not None:
                found[(context, msgid)] = _strings(previous)
            previous = context = msgid = part = None
        elif line.startswith("msgstr"):
            part = "msgstr"
    return found


def template(units_: list[Unit], edition: str, name: str) -> Catalog:
    catalog = new_catalog(edition, name)
    for unit in units_:
        catalog.add(
            unit.msgid,
            context=unit.context or None,
            locations=[(unit.where, unit.line)],
            auto_comments=[unit.note] if unit.note else [],
        )
    return catalog


def updated(catalog: Catalog, units_: list[Unit], edition: str, name: str) -> Catalog:
    """`catalog` merged with the current English: a cell whose English changed keeps its
    translation, marked fuzzy with the English it was made from (matched by the cell's id),
    then Babel's update does the rest (its own fuzzy matching, obsolete entries)."""
    previous = {}
    for unit in units_:
        if not unit.context.startswith(CELL) or catalog.get(unit.msgid, unit.context) is not None:
            continue
        old = next((m for m in catalog if m.context == unit.context and m.id and m.string), None)
        if old is not None:
            catalog.delete(old.id, old.context)
            back = old.fuzzy and any(same_text(unit.msgid, p) for p in old.previous_id or [])  # its English, restored
            flags = set() if back else {"fuzzy"}
            catalog.add(unit.msgid, old.string, context=unit.context, flags=flags, previous_id=[] if back else old.id)
    for message in catalog:
        if message.id and message.fuzzy and message.previous_id:
            previous[(message.context, message.id)] = message.previous_id
    catalog.update(template(units_, edition, name), update_creation_date=False)
    for message in catalog:
        if message.id and message.fuzzy and not message.previous_id:
            message.previous_id = previous.get((message.context, message.id), [])
    catalog.revision_date = FIXED_DATE
    catalog.fuzzy = False
    return catalog


def same_text(a: str, b: str) -> bool:
    """The same English but for whitespace (what wrapping a `#| msgid` can change)."""
    return re.sub(r"\s+", "", a) == re.sub(r"\s+", "", b)


def render(catalog: Catalog) -> str:
    buffer = io.BytesIO()
    write_po(
        buffer, catalog, width=0, include_previous=True, sort_output=False
    )  # no wrapping: a `#| msgid` stays one line
    return buffer.getvalue().decode("utf-8")


def compiled(catalogs: list[Catalog], edition: str) -> bytes:
    """One .mo for the notebooks' kernels: the course catalog and the plot strings of the lessons."""
    merged = new_catalog(edition, COURSE)
    for catalog in catalogs:
        for message in catalog:
            if (
                message.id
                and message.string
                and not message.fuzzy
                and (catalog is catalogs[0] or message.context == PLOT)
            ):
                merged.add(message.id, message.string, context=message.context)
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    return buffer.getvalue()


def lookup(catalog: Catalog):
    """(context, msgid) -> the translation to use, or None: never an empty or fuzzy one,
    nor a plot f-string whose fields differ from the English."""

    def find(context: str, msgid: str) -> str | None:
        message = catalog.get(msgid, context or None)
        if message is None or not message.string or message.fuzzy:
            return None
        if context == PLOT and units.fields(message.string) != units.fields(msgid):
            return None
        return message.string

    return find


@dataclass
class Gap:
    """A unit whose translation cannot be used, and why."""

    unit: Unit
    why: str  # "missing", "stale", "fields"


def gaps(catalog: Catalog, units_: list[Unit]) -> list[Gap]:
    """Every unit without a usable translation in `catalog`: "missing", or "stale" when the
    catalog holds a translation of older English for it (fuzzy, or one left over in the same
    cell or message key, or, for a comment or plot string, of a close English)."""
    current = {u.key for u in units_}
    orphans: dict[str, list[str]] = {}
    for m in catalog:
        if m.id and m.string and (m.context or "", m.id) not in current:
            orphans.setdefault(m.context or "", []).append(m.id)
    found = []
    for unit in units_:
        message = catalog.get(unit.msgid, unit.context or None)
        if message is not None and message.string and not message.fuzzy:
            if unit.context in (PLOT,) or unit.context.startswith(editions.MESSAGE):
                if sorted(set(units.fields(message.string))) != sorted(set(units.fields(unit.msgid))):
                    found.append(Gap(unit, "fields"))
            continue
        left = orphans.get(unit.context, [])
        if unit.context in (COMMENT, PLOT, ""):
            left = difflib.get_close_matches(unit.msgid, left, n=1, cutoff=0.6)
        stale = (message is not None and message.string and message.fuzzy) or bool(left)
        found.append(Gap(unit, "stale" if stale else "missing"))
    return found


WHY = {
    "missing": "translation is missing",
    "stale": "translation is stale: its English changed since it was translated",
    "fields": "translation's {fields} differ from the English's",
}


def describe(edition: str, gap: Gap, po: str) -> str:
    """One line of --check for a gap, naming edition, notebook and cell (or message key)."""
    unit = gap.unit
    first = unit.msgid.strip().split("\n", 1)[0][:60]
    if unit.context.startswith(CELL):
        notebook, _, cell = unit.where.partition("#")
        place = f"solutions/{notebook}, cell {cell}"
    elif unit.context in (COMMENT, PLOT):
        notebook, _, cell = unit.where.partition("#")
        kind = "comment" if unit.context == COMMENT else "plot string"
        place = f"solutions/{notebook}, cell {cell}, {kind}"
    else:
        place = f"{unit.context or 'frame'} ({unit.where}:{unit.line})" if unit.line else unit.context
    return f'{edition}: {place}: {WHY[gap.why]} ("{first}"; {po})'


# --------------------------------------------------------------------------------------
# Importing the translators' hand-off files (README, Translating)


def _closest(text: str, candidates: list[str]) -> str | None:
    found = difflib.get_close_matches(text, candidates, n=1, cutoff=0.8)
    return found[0] if found else None


def import_handoff(root: Path, path: Path, lesson_units: list[Unit], course: Catalog) -> tuple[Catalog, list[str]]:
    """Turn one hand-off file (translations/<edition>/<NN>.json) into its lesson's catalog,
    updated with the current English; returns the catalog and what was not imported as
    current. An entry made from other English than today's is imported fuzzy (stale). The
    setup cell's words go into `course`, which the caller writes."""
    data = json.loads(path.read_text(encoding="utf-8"))
    edition, lesson = path.parent.name, path.stem
    catalog = updated(read(po_path(root, edition, lesson), edition, lesson), lesson_units, edition, lesson)
    notes: list[str] = []
    by_context = {u.context: u for u in lesson_units if u.context.startswith(CELL)}

    def put(msgid: str, context: str | None, text: str, made_from: str | None, into: Catalog = catalog) -> None:
        message = into.get(msgid, context)
        if message is None:
            return
        if message.string and not message.fuzzy and message.string != text and made_from is None:
            notes.append(f"{path.name}: kept the catalog's own translation of {msgid[:50]!r}")
            return
        message.string = text
        message.flags.discard("fuzzy")
        message.previous_id = []
        if made_from is not None:
            message.flags.add("fuzzy")
            message.previous_id = [made_from]
        if made_from is not None and context and context.startswith(CELL):
            notes.append(f"{path.name}: cell {context[len(CELL):]} imported as stale (translated from older English)")

    for cell_id, entry in data.get("cells", {}).items():
        unit = by_context.get(CELL + cell_id)
        if unit is None:
            notes.append(f"{path.name}: cell {cell_id} is not a Markdown cell of the master any more: skipped")
            continue
        put(unit.msgid, unit.context, entry["tr"], None if entry["en"] == unit.msgid else entry["en"])
    course_ids = {m.id for m in course if m.id and not m.context}
    for kind, context in (("comments", COMMENT), ("strings", PLOT)):
        mine = [u.msgid for u in lesson_units if u.context == context]
        for english, text in data.get(kind, {}).items():
            english = english.strip()
            header = EXERCISE_HEADER.match("# " + english)
            if header:
                english = header.group(2).strip()
                text = text.split("—", 1)[1].strip() if "—" in text else text
            if english in course_ids:  # the setup cell's words
                put(english, None, text.strip(), None, into=course)
            elif english in mine:
                put(english, context, text.strip() if context == COMMENT else text, None)
            elif (close := _closest(english, mine)) is not None:
                put(close, context, text.strip() if context == COMMENT else text, english)
                notes.append(f"{path.name}: {kind[:-1]} {english[:50]!r} imported as stale, for {close[:50]!r}")
            else:
                notes.append(f"{path.name}: {kind[:-1]} {english[:50]!r} is not in the master: skipped")
    return catalog, notes
