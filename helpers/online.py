"""Where the course lives online, and what the build writes from it: the setup cell that
opens every notebook, and the Open-in-Colab and Binder links.

The instructor sets the course's GitHub repository once, in pyproject.toml:

    [tool.course]
    repository = "https://github.com/OWNER/REPO"
    branch = "main"

`python -m helpers.build` then writes the links into README.md and into the first cell of
every student notebook, and the address into every notebook's setup cell, which in Colab
installs the course's helpers from it. With no address set, there are no links, and the
setup cell, where helpers cannot be imported, says what to do in one sentence.
"""

from __future__ import annotations

import json
import re
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

GITHUB = re.compile(r"https://github\.com/([A-Za-z0-9-]+)/([A-Za-z0-9._-]+?)(?:\.git)?/?")
SETUP_LINE = "# Setup: run this cell first."
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"
README_START = "<!-- online: written by python -m helpers.build from [tool.course] in pyproject.toml -->"
README_END = "<!-- /online -->"


def N_(text: str) -> str:
    """Marks `text` for the course's catalogs (helpers/units.py): the build puts it into a
    Chinese notebook's setup cell in that edition's words."""
    return text


SETUP_TITLE = N_("Setup: run this cell first. It imports the course's helpers, installing them first in Colab.")
LOCAL_ADVICE = N_(
    "This notebook needs the course's helpers: in the course's top folder, run `pip install -r "
    "requirements.txt` (README.md gives the command for your system), then restart the kernel."
)
COLAB_UNSET = N_(
    "This notebook needs the course's helpers, which Colab installs from the course's repository, but "
    "no address was set when it was built: ask your instructor for the course's Colab link."
)
TRACEBACK_NOTE = N_("what IPython shows instead of a traceback: the message alone")
EDITION_NOTE = N_("the checks, the progress table and the plots speak this notebook's language")


class SettingError(ValueError):
    """[tool.course] in pyproject.toml holds something the build cannot use."""


@dataclass(frozen=True)
class Online:
    """The course's GitHub repository ("" when not set) and the branch students get."""

    repository: str = ""
    branch: str = "main"

    @property
    def owner_and_name(self) -> str:
        return self.repository.removeprefix("https://github.com/")

    def colab_url(self, notebook: str) -> str:
        """Opens `notebook` (a path such as notebooks/01-....ipynb) from GitHub in Colab."""
        return f"https://colab.research.google.com/github/{self.owner_and_name}/blob/{self.branch}/{notebook}"

    def binder_url(self, notebook: str) -> str:
        """Builds the course's environment (binder/) on mybinder.org and opens `notebook` in JupyterLab."""
        return f"https://mybinder.org/v2/gh/{self.owner_and_name}/{self.branch}?urlpath={quote('lab/tree/' + notebook, safe='')}"

    def badges(self, notebook: str) -> str:
        """One line of Markdown: the Colab and Binder badges for `notebook`; "" with no address."""
        if not self.repository:
            return ""
        return (
            f"[![Open in Colab]({COLAB_BADGE})]({self.colab_url(notebook)}) "
            f"[![Launch Binder]({BINDER_BADGE})]({self.binder_url(notebook)})"
        )


def read_settings(root: Path) -> Online:
    """[tool.course] of root/pyproject.toml; no file or no table means no address."""
    path = root / "pyproject.toml"
    try:
        table = (
            tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("course", {}) if path.exists() else {}
        )
    except tomllib.TOMLDecodeError as err:
        raise SettingError(f"pyproject.toml cannot be read: {err}") from None
    return settings(table.get("repository", ""), table.get("branch", "main"))


def settings(repository: str, branch: str = "main") -> Online:
    """Checked settings: a GitHub address (Colab opens notebooks from GitHub only) or ""."""
    repository = repository.strip()
    if repository:
        match = GITHUB.fullmatch(repository)
        if not match:
            raise SettingError(
                f"pyproject.toml: [tool.course] repository = {repository!r} is not a GitHub address such "
                'as "https://github.com/OWNER/REPO" (Colab opens notebooks from GitHub only)'
            )
        repository = f"https://github.com/{match.group(1)}/{match.group(2)}"
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", branch):
        raise SettingError(f"pyproject.toml: [tool.course] branch = {branch!r} is not a branch name")
    return Online(repository, branch)


def _literal(text: str, indent: int) -> str:
    """`text` as adjacent Python string literals, one per line of about 70 characters."""
    lines = textwrap.wrap(text, 70, break_long_words=False, break_on_hyphens=False)
    lines = [line + " " for line in lines[:-1]] + lines[-1:]
    return f"\n{' ' * indent}".join(json.dumps(line, ensure_ascii=False) for line in lines)


def setup_source(online: Online, edition: str = "en", say=lambda text: text) -> str:
    """The first code cell of every notebook. Where `import helpers` works (a local install,
    Binder, nbval, the grader's stand-in) it does nothing and prints nothing. Elsewhere it
    installs the course in Colab, or stops with one sentence: an exception whose
    _render_traceback_ IPython shows in place of a traceback. Run All skips the cells queued
    after an error, but only those that reached the kernel before it failed, so every cell
    run after it raises the same sentence instead of a NameError.

    For a Chinese edition (`say` gives a text's translation), the cell speaks its language
    and ends by telling the checks and the plots which edition the notebook is."""
    if online.repository:
        colab = f"""    import importlib
    import subprocess

    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", f"git+{{COURSE}}@{online.branch}"],
                         capture_output=True, text=True)
    if pip.returncode != 0:
        stop(f"Installing the course from {{COURSE}} failed: {{pip.stderr.strip()[-300:]}}")
    importlib.invalidate_caches()
    import helpers"""
    else:
        colab = f"    stop({_literal(say(COLAB_UNSET), 9)})"
    course = f'COURSE = "{online.repository}"  # written by python -m helpers.build\n' if online.repository else ""
    title = f"# {say(SETUP_TITLE)}"
    chosen = f'\nhelpers.set_edition("{edition}")  # {say(EDITION_NOTE)}' if edition != "en" else ""
    return f'''{title}
import sys

{course}try:
    import helpers
except ModuleNotFoundError:
    class CourseSetupError(Exception):
        def _render_traceback_(self):  # {say(TRACEBACK_NOTE)}
            return [str(self)]

    def stop(message):
        """Raise `message`, and again in every cell run after this one, instead of NameErrors."""
        get_ipython().input_transformers_cleanup.append(lambda lines: [f"raise CourseSetupError({{message!r}})"])
        raise CourseSetupError(message) from None

    if "google.colab" not in sys.modules:
        stop({_literal(say(LOCAL_ADVICE), 13)})
{colab}{chosen}'''


def is_setup(cell) -> bool:
    """Whether a notebook cell is the setup cell (by its first line, or its metadata)."""
    return cell.cell_type == "code" and (
        cell.source.startswith(SETUP_LINE) or cell.metadata.get("course", {}).get("setup") is True
    )


def readme_block(online: Online, lessons: list[tuple[str, str]]) -> str:
    """What README.md holds between README_START and README_END; `lessons` are the student
    notebooks' paths (notebooks/01-....ipynb) with their titles, in order."""
    if not online.repository:
        return "*Colab and Binder links appear here once the course's repository address is set (see For maintainers).*"
    each = ", ".join(f"[{title}]({online.colab_url(path)})" for path, title in lessons)
    return (
        f"{online.badges(lessons[0][0])}\n\n"
        "In the browser, with nothing to install: **Colab** opens lesson 01, whose first cell installs the course's "
        "helpers into Colab; **Binder** builds the course's environment from `binder/` and opens JupyterLab on "
        "lesson 01 with every folder (the first start can take several minutes). Neither keeps your work: download "
        f"your notebooks before you leave. Each lesson in Colab: {each}."
    )


def with_readme_block(readme: str, online: Online, lessons: list[tuple[str, str]]) -> str:
    """README.md's text with the block between the markers rewritten; unchanged if it has no markers."""
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        return readme
    return readme[: start + len(README_START)] + "\n" + readme_block(online, lessons) + "\n" + readme[end:]
