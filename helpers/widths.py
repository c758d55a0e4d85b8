"""Text for a fixed-width output area in any edition: a Chinese character takes two columns,
and a Chinese paragraph is filled by width (helpers/editions.py re-exports these)."""

from __future__ import annotations

import re
import textwrap
import unicodedata


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
