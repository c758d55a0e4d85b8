"""requirements.txt, pyproject.toml and the README agree on Python versions and on which
PyTorch build each system gets."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CPU_INDEX = "--extra-index-url https://download.pytorch.org/whl/cpu"


def requirements(path: Path = ROOT / "requirements.txt") -> list[Requirement]:
    lines = (line.split(" #")[0].strip() for line in path.read_text().splitlines())
    return [Requirement(line) for line in lines if line and not line.startswith(("#", "-"))]


def test_every_requirement_is_pinned_exactly():
    for req in requirements():
        assert re.fullmatch(r"==[\w.+]+", str(req.specifier)), req


@pytest.mark.parametrize("platform, wanted", [("linux", "2.13.0+cpu"), ("darwin", "2.13.0"), ("win32", "2.13.0")])
def test_each_system_asks_for_the_cpu_build_of_torch(platform, wanted):
    """On Linux by its local version label, which only PyTorch's CPU index has; PyPI's
    macOS and Windows builds are CPU builds."""
    torch = [
        r
        for r in requirements()
        if r.name == "torch" and (r.marker is None or r.marker.evaluate({"sys_platform": platform}))
    ]
    assert [str(r.specifier) for r in torch] == [f"=={wanted}"]


def test_python_versions_agree():
    """requires-python's floor is the oldest version the README promises, and that is the
    oldest numpy 2.4 supports (the pins need 3.11: numpy 2.4, matplotlib 3.11, IPython 9)."""
    floor = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert floor == ">=3.11"
    promised = re.search(r"with Python ([\d.]+), ([\d.]+) or ([\d.]+)", README).groups()
    assert promised == ("3.11", "3.12", "3.13")
    assert all(v in SpecifierSet(floor) for v in promised) and "3.10" not in SpecifierSet(floor)
    assert "3.11" in (ROOT / "requirements.txt").read_text().splitlines()[0]


def test_the_readme_install_commands():
    commands = [line for line in README.splitlines() if line.startswith("pip install -r requirements.txt")]
    linux = [c for c in commands if c.endswith("# Linux")]
    others = [c for c in commands if c.endswith("# macOS, Windows")]
    assert len(linux) == 1 and CPU_INDEX in linux[0]
    assert len(others) == 1 and "--extra-index-url" not in others[0]
