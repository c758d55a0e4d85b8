"""The code reads one way: ruff (pinned in requirements-dev.txt, configured in
pyproject.toml) formats helpers/ and tests/ and finds nothing to lint there."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.grading import ROOT

RUFF = [sys.executable, "-m", "ruff"] if shutil.which("ruff") is None else ["ruff"]


@pytest.mark.parametrize("command", [["format", "--check"], ["check"]], ids=["format", "lint"])
def test_ruff_finds_nothing_to_change(command):
    run = subprocess.run([*RUFF, *command, "helpers", "tests"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, f"ruff {' '.join(command)} helpers tests:\n{run.stdout}{run.stderr}"
