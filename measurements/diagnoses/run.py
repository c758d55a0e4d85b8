"""Run a set of independently written wrong answers through the checks, as a notebook's
check() does (each answer's source registered, so code-based diagnoses can read it).

    python measurements/diagnoses/run.py measurements/diagnoses/third_set.py OUT.json

Prints one line per answer (exercise:id, kind, status, mistake key) and writes every
result (status, key, evidence, message) to OUT.json, for a reviewer to rate against each
answer's true bug (see README.md here)."""

import json
import linecache
import math
import runpy
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from helpers import attention  # noqa: E402
from helpers import exercises  # noqa: E402
from helpers.checks import evaluate  # noqa: E402

GIVEN = ("causal_mask", "padding_mask", "masked_softmax", "split_heads", "merge_heads", "stable_softmax",
         "attention_from_qkv", "BagOfTokens", "SingleHeadAttention", "MultiHeadAttention")
# Lessons 07 and 08 import these in their second cell, and hand later cells the course's version
# of each earlier exercise (as a notebook does once that exercise's check has run).
GIVEN_LATER = ("masked_attention", "TinyCausalLM", "append_to_cache", "attend_with_cache", "CachedSelfAttention",
               "positions_after", "apply_rope", "repeat_kv")


def main(answers: str, out: str) -> None:
    results = []
    for a in runpy.run_path(answers)["A"]:
        key = f"{a['ex']}:{a['id']}"
        given = GIVEN + (GIVEN_LATER if a["ex"].split(".")[0] in ("7", "8") else ())
        ns = dict(torch=torch, nn=nn, F=F, math=math, **{n: getattr(attention, n) for n in given})
        filename = f"<{key}>"
        linecache.cache[filename] = (len(a["code"]), None, a["code"].splitlines(True), filename)
        try:
            exec(compile(a["code"], filename, "exec"), ns)
            r = evaluate(a["ex"], ns.get(exercises.get(a["ex"]).name))
            rec = dict(status=r.status, key=r.mistake, evidence=r.evidence, message=r.message)
        except Exception as exc:  # an answer that does not even define its name
            rec = dict(status="harness-error", key=None, evidence=f"{type(exc).__name__}: {exc}", message="")
        results.append(dict(ex=a["ex"], id=a["id"], kind=a["kind"], bug=a["bug"], **rec))
        print(f"{key:32} {a['kind']:5} {rec['status']:8} {rec['key']}", flush=True)
    Path(out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:3])
