"""Running a notebook top to bottom in a real Jupyter kernel, as a student's Run All does:
the build's --execute, the benchmark and the tests all use it."""

from __future__ import annotations

import os
from pathlib import Path

from nbformat import NotebookNode


def run_notebook(nb: NotebookNode, cwd: Path, timeout: int = 120) -> NotebookNode:
    """Execute `nb` in place in a fresh python3 kernel started in `cwd`, drawing plots inline
    as a student's kernel does (whatever MPLBACKEND says here); returns it."""
    from nbclient import NotebookClient

    backend = os.environ.pop("MPLBACKEND", None)
    try:
        NotebookClient(
            nb, timeout=timeout, kernel_name="python3", record_timing=False, resources={"metadata": {"path": str(cwd)}}
        ).execute()
    finally:
        if backend is not None:
            os.environ["MPLBACKEND"] = backend
    return nb
