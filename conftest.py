"""pytest set-up for the whole course (unit tests and notebooks under nbval)."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # plots in the test process render headless; kernels are not affected

import pytest

ROOT = Path(__file__).parent
STUDENT_NOTEBOOKS = ROOT / "notebooks"
EDITIONS = ("zh-Hant", "zh-Hans")  # helpers.editions.CHINESE, named here without importing helpers


def pytest_collection_modifyitems(config, items):
    """Student notebooks carry no outputs: nbval only checks that every cell runs.
    Masters in solutions/ keep nbval's comparison of every output. The Chinese editions
    (solutions/<edition>/, notebooks/<edition>/) are marked `editions`: `pytest -m editions`
    runs them, the plain `pytest` leaves them out, to keep to its time budget."""
    for item in items:
        if type(item).__name__ != "IPyNbCell":
            continue
        path = Path(item.path)
        if STUDENT_NOTEBOOKS in path.parents:
            item.options["check"] = False
        if path.parent.name in EDITIONS and path.parent.parent in (ROOT / "solutions", STUDENT_NOTEBOOKS):
            item.add_marker(pytest.mark.editions)
