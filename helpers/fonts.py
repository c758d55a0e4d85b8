"""A font for Chinese plot labels, or English labels where there is none.

matplotlib's own font (DejaVu Sans) has no Chinese characters: it would draw boxes. So a
Chinese edition looks for a CJK font that matplotlib finds on the system, one installed
with the operating system or a font package, never a file fetched at run time:

- Linux, Binder and Colab: Noto Sans CJK, Debian's and Ubuntu's `fonts-noto-cjk`
  (`apt-get install fonts-noto-cjk`; in Colab, `!apt-get install -y fonts-noto-cjk`, then
  restart the runtime), or WenQuanYi, Droid Sans Fallback, Source Han Sans;
- macOS: PingFang, Heiti, Hiragino Sans GB (installed with the system);
- Windows: Microsoft JhengHei (繁體), Microsoft YaHei (简体) (installed with the system).

It is put after DejaVu Sans in matplotlib's fallback list, so Latin letters, ᵀ, √ and ²
look as in the English edition and only Chinese characters come from it. Where none is
found, plots keep their English labels (helpers/plot.py asks the catalogs for the English
of each Chinese label) and one line says how to get Chinese ones. Taught nowhere: set up
by the setup cell of a Chinese notebook (helpers.editions.set_edition).
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
from matplotlib import font_manager

CANDIDATES = {
    "zh-Hant": (
        "Noto Sans CJK TC",
        "Noto Sans CJK HK",
        "Source Han Sans TW",
        "PingFang TC",
        "Heiti TC",
        "Microsoft JhengHei",
        "Noto Sans CJK SC",
        "WenQuanYi Zen Hei",
        "WenQuanYi Micro Hei",
        "Droid Sans Fallback",
        "AR PL UMing TW",
    ),
    "zh-Hans": (
        "Noto Sans CJK SC",
        "Source Han Sans CN",
        "Source Han Sans SC",
        "PingFang SC",
        "Heiti SC",
        "Hiragino Sans GB",
        "Microsoft YaHei",
        "SimHei",
        "WenQuanYi Zen Hei",
        "WenQuanYi Micro Hei",
        "Droid Sans Fallback",
        "Noto Sans CJK TC",
    ),
}
BASE = "DejaVu Sans"


def N_(text: str) -> str:
    """Marks `text` for the course's catalogs (helpers/units.py); helpers.editions translates it."""
    return text


NO_FONT = N_(
    "No font with Chinese characters was found, so plots keep their English labels. To see them "
    "in Chinese, install one (Linux and Colab: apt-get install fonts-noto-cjk), then restart the kernel."
)  # matplotlib's default: Latin, ᵀ, √ and ² as in the English plots

_chinese_labels = True  # False where no CJK font was found: plots show English labels


def find_cjk_font(edition: str) -> str | None:
    """The first font of the edition's candidates that matplotlib knows, or None. A font
    installed after matplotlib cached its list of fonts is added from the system's folders."""
    for attempt in range(2):
        known = {f.name for f in font_manager.fontManager.ttflist}
        found = next((name for name in CANDIDATES.get(edition, ()) if name in known), None)
        if found or attempt:
            return found
        for path in font_manager.findSystemFonts():
            if re.search(r"cjk|wqy|wenquanyi|droid|pingfang|hei|yahei|sourcehan|ming", Path(path).name, re.I):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # a font file matplotlib cannot read
                    continue
    return None


def use_cjk_font(edition: str, font: str | None = "find") -> str:
    """Make matplotlib draw Chinese with a CJK font (found, or `font`); where there is none,
    make plots keep English labels. Returns "" or the one line (in English: the caller
    translates it) to show the student."""
    global _chinese_labels
    font = find_cjk_font(edition) if font == "find" else font
    if font is None:
        _chinese_labels = False
        return NO_FONT
    _chinese_labels = True
    matplotlib.rcParams["font.family"] = [BASE, font]  # a list of families: each glyph from the first that has it
    matplotlib.rcParams["axes.unicode_minus"] = False  # CJK fonts lack U+2212 more often than not
    return ""


def chinese_labels() -> bool:
    """Whether plots can show Chinese labels (False once no CJK font was found)."""
    return _chinese_labels
