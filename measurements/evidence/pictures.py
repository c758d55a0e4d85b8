"""Draw a failed check's picture for a weights exercise (3.3) and a mask exercise (3.1), as
check() shows it in a notebook, and save both as PNG here, to be looked at:

    python measurements/evidence/pictures.py
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch  # noqa: E402

from helpers.checks import evaluate  # noqa: E402
from helpers.plot import compare_heatmaps  # noqa: E402

HERE = Path(__file__).resolve().parent


def masked_softmax(scores, mask):  # fills masked keys with -10, not -inf
    return torch.softmax(scores.masked_fill(~mask, -10.0), dim=-1) * mask.any(dim=-1, keepdim=True)


def causal_mask(T):  # hides the key just before each query too
    return torch.ones(T, T, dtype=torch.bool).tril(-2)


for exercise_id, answer, name in (("3.3", masked_softmax, "weights-3.3"), ("3.1", causal_mask, "mask-3.1")):
    result = evaluate(exercise_id, answer)
    print(result.report(), "\n" + result.picture.grid(), "\n")
    p = result.picture
    fig = compare_heatmaps(p.got, p.expected, p.differ, allowed=p.allowed, title=p.where, what=p.what)
    fig.savefig(HERE / f"{name}.png", dpi=90)
