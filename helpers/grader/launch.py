"""The grader's worker process starts here: `python -P helpers/grader/launch.py`.

It loads helpers/running/ and this package by path, under names of their own and
without the `helpers` package, whose references student code must never find, then
takes them out of sys.modules, where a notebook would look, and serves (worker.main).
A script rather than `python -m`: -m would import `helpers` first.
"""

import importlib
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name: str, path: str, package: bool = False):
    """The module (or, with `package`, the package) at `path`, imported as `name`."""
    spec = importlib.util.spec_from_file_location(
        name, path, submodule_search_locations=[os.path.dirname(path)] if package else None
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # while its dataclasses are made and its relative imports run
    spec.loader.exec_module(module)
    return module


def main() -> None:
    running = load("course_running", os.path.join(os.path.dirname(HERE), "running", "__init__.py"), package=True)
    load("course_grader", os.path.join(HERE, "__init__.py"), package=True)
    worker = importlib.import_module("course_grader.worker")
    for name in [n for n in sys.modules if n.split(".")[0] in ("course_running", "course_grader")]:
        del sys.modules[name]
    worker.main(running)


if __name__ == "__main__":
    main()
