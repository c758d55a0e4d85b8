"""The README's start command, and lesson 04's attention explorer, in a real JupyterLab
driven by headless Chromium.

The start command runs as the README writes it, from the top of a throwaway copy of the
course, with a recorder in place of the web browser: JupyterLab's file browser must hold
notebooks/ and solutions/, and the page it opens must be lesson 01.

Starts `jupyter lab` on a free localhost port (no token, throwaway settings and
workspaces, a throwaway copy of the notebook so nothing in the repository is saved over),
opens lesson 04 from solutions/, runs all cells, waits for the explorer, moves its head
slider and checks that the heatmap image changed, that both menus show their options
whole, that a padded query is marked and can be chosen, and that no cell shows an error.
The explorer's last view is saved as test-artifacts/explorer.png, to look at.
Needs Debian's chromium (.ci/run installs it) and Playwright for Python, pointed at that
Chromium: no browser is downloaded. A screenshot is saved in test-artifacts/ on failure.
"""

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from helpers import exercises as registry

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "04-many-heads.ipynb"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="the browser test needs Debian's chromium (apt-get install chromium); .ci/run installs it",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_settings(folder: Path) -> None:
    """User settings for the throwaway JupyterLab: no news pop-up over the page, and every
    cell kept in the page (no windowing), so that selectors find them."""
    overrides = {
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    }
    for plugin, values in overrides.items():
        package, name = plugin.rsplit("/", 1)
        path = folder / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def start_lab(args: list[str], cwd: Path, work: Path):
    """`python -m jupyterlab ARGS` on a free localhost port with no token and throwaway
    settings and workspaces, started in `cwd`; yields its URL once it answers, and stops it."""
    write_settings(work / "settings")
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(work / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(work / "workspaces"),
    }
    env.pop("MPLBACKEND", None)  # the kernel draws inline, as for a student
    port = free_port()
    log = open(work / "lab.log", "w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            *args,
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--ServerApp.allow_root=True",
        ],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"jupyter lab did not start; its log:\n{(work / 'lab.log').read_text()}")
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    work = tmp_path_factory.mktemp("lab")
    (work / "root").mkdir()
    shutil.copy(ROOT / "solutions" / NOTEBOOK, work / "root" / NOTEBOOK)
    yield from start_lab([f"--ServerApp.root_dir={work / 'root'}", "--no-browser"], work, work)


def test_explorer_redraws_when_the_head_slider_moves(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{lab}/lab/tree/{NOTEBOOK}?reset")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            # The kernel, not just the page, must be ready before Run All, or JupyterLab asks which kernel to start.
            page.locator(".jp-StatusBar-Widget").get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)

            page.get_by_role("menuitem", name="Run").click()
            page.get_by_text("Run All Cells", exact=True).click()
            points = sum(ex.points for ex in registry.for_notebook("04"))
            page.wait_for_selector(f"text=Lesson 04 — Many heads: {points} of {points} points", timeout=120_000)

            image = page.locator(".widget-output img").first
            image.wait_for(timeout=60_000)
            image.scroll_into_view_if_needed()
            before = image.get_attribute("src")
            assert before.startswith("data:image/png;base64,")

            handle = page.locator(".widget-slider .noUi-handle").first
            handle.focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "before => { const img = document.querySelector('.widget-output img');"
                " return img !== null && img.src !== before; }",
                arg=before,
                timeout=30_000,
            )
            assert page.locator(".widget-readout").first.inner_text().strip() == "1"

            # Every option of both menus shows whole: its text, in the menu's own font, fits the menu.
            menus = page.locator(".widget-dropdown select")
            assert menus.count() == 2
            sentence, query = menus.nth(0), menus.nth(1)
            sentence.select_option(index=1)  # the padded sentence
            page.wait_for_timeout(1000)
            for menu in (sentence, query):
                cut = menu.evaluate(CUT_OPTIONS)
                assert cut == [], f"options cut short in a {menu.evaluate('s => s.clientWidth')} px menu: {cut}"
            options = query.evaluate("s => [...s.options].map(o => o.text.replace(/\\u00a0/g, ' '))")
            assert options[-1] == "<pad> (5) · padding", options

            before = image.get_attribute("src")
            query.select_option(index=len(options) - 1)
            page.wait_for_function(
                "before => document.querySelector('.widget-output img').src !== before", arg=before, timeout=30_000
            )
            ARTIFACTS.mkdir(exist_ok=True)
            page.locator(".widget-vbox").filter(has=image).first.screenshot(path=str(ARTIFACTS / "explorer.png"))

            errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
            assert errors.count() == 0, errors.first.inner_text()
        except Exception:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "browser-failure.png"), full_page=True)
            raise
        finally:
            browser.close()


# The options of a <select> whose text is wider than the menu leaves for it (its width less
# the padding and the arrow, about 24 px), measured in the menu's own font.
CUT_OPTIONS = """s => {
    const ctx = document.createElement("canvas").getContext("2d");
    ctx.font = getComputedStyle(s).font;
    const room = s.clientWidth - 24;
    return [...s.options].map(o => o.text).filter(t => ctx.measureText(t).width > room);
}"""


def readme_start_command() -> list[str]:
    """The arguments of the README's start command, after `jupyter lab`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [line] = [line for line in readme.splitlines() if line.startswith("jupyter lab ")]
    return shlex.split(line)[2:]


@pytest.fixture(scope="module")
def started(tmp_path_factory):
    """The README's start command, run from the top of a copy of the course, with a browser
    that writes down the address it is asked to open (JupyterLab hands it a local page that
    redirects there)."""
    work = tmp_path_factory.mktemp("start")
    course = work / "course"
    for folder in ("notebooks", "solutions"):
        shutil.copytree(ROOT / folder, course / folder)
    opened = work / "opened.html"
    recorder = f"import shutil, sys; shutil.copy(sys.argv[1].removeprefix('file://'), {str(opened)!r})"
    browser = shlex.join([sys.executable, "-c", recorder]) + " %s"
    for url in start_lab([*readme_start_command(), f"--ServerApp.browser={browser}"], course, work):
        deadline = time.monotonic() + 30
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        yield url, opened.read_text()


def test_start_command_serves_both_folders_and_opens_lesson_01(started):
    url, redirect = started
    with urllib.request.urlopen(f"{url}/api/contents") as response:
        root = json.load(response)
    assert {(c["name"], c["type"]) for c in root["content"]} >= {("notebooks", "directory"), ("solutions", "directory")}
    assert f"{url}/lab/tree/notebooks/01-attention-is-a-weighted-sum.ipynb" in re.findall(r'http[^"\s]+', redirect)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        try:
            page.goto(f"{url}/lab/tree/notebooks/01-attention-is-a-weighted-sum.ipynb?reset")
            page.get_by_role("heading", name="Lesson 01 — Attention is a weighted sum").wait_for(timeout=60_000)
            page.locator(".jp-BreadCrumbs-home").click()  # the file browser's top: the course folder
            listing = page.locator(".jp-DirListing-content")
            for folder in ("notebooks", "solutions"):
                listing.get_by_text(folder, exact=True).wait_for(timeout=30_000)
        except Exception:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "start-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
