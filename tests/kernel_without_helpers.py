"""An IPython kernel in which the course's `helpers` cannot be imported, as in a Python where
the course was never installed. tests/test_online.py starts it through a kernelspec:

    python tests/kernel_without_helpers.py -f CONNECTION_FILE

With COURSE_FAKE_COLAB set, it also looks like Colab to the notebook (a `google.colab`
module is loaded), and a `pip install` run through subprocess.run is not run: its command
is appended to the file COURSE_FAKE_COLAB names, and it "succeeds" by making `helpers`
importable again, as installing the course would.
"""

import importlib.abc
import os
import subprocess
import sys
import types

sys.path = [p for p in sys.path if p != os.path.dirname(os.path.abspath(__file__))]


class HideHelpers(importlib.abc.MetaPathFinder):
    """First on sys.meta_path: `import helpers` fails as it does where it is not installed."""

    hidden = True

    def find_spec(self, name, path=None, target=None):
        if self.hidden and name.split(".")[0] == "helpers":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


hide = HideHelpers()
sys.meta_path.insert(0, hide)

if os.environ.get("COURSE_FAKE_COLAB"):
    sys.modules["google.colab"] = types.ModuleType("google.colab")
    real_run = subprocess.run

    def run(args, *rest, **kwargs):
        if list(args[1:4]) == ["-m", "pip", "install"]:
            with open(os.environ["COURSE_FAKE_COLAB"], "a") as record:
                record.write(" ".join(args) + "\n")
            hide.hidden = False
            return subprocess.CompletedProcess(args, 0, "", "")
        return real_run(args, *rest, **kwargs)

    subprocess.run = run

from ipykernel import kernelapp  # noqa: E402 - after the import machinery is set up

kernelapp.launch_new_instance()
