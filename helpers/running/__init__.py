"""Running student code on a case: the part of checking that calls student code.

This module is shared by the notebooks' checks (in the student's own process) and by the
grader's sandboxed child process, which loads this file on its own, without the rest of
the `helpers` package. So it must never import `helpers`: the child must not hold the
course's reference implementations, or a student could find them and hand them in.

It holds:
    core.py     Case, Outcome (the plain data a check passes around); call, run_case
    probes.py   probes and runners: what an exercise does with a candidate instead of calling it
    decoding.py lesson 07's probes: a module with a KV cache fed in pieces, a cached model generating
    panels.py   the models a student's test is run on (4.4, 5.2), and the runner that does it
    evidence.py gather: after a failed check, the answer run again on changed copies of a case
    dropout.py  the runner of an answer that draws random numbers (attention dropout): what it measures
    wire.py     encode, decode: plain-array JSON for cases and outcomes between processes

and nothing else: the grader's child loads this package by path (grader/launch.py).
"""

from .core import (  # noqa: F401
    AFTER_OTHERS,
    GRADIENT_NORMS,
    HERE,
    IN_TURN,
    NO_GRADIENT,
    TORCH_DIR,
    Case,
    ModuleShapeError,
    Outcome,
    SizeNotInt,
    Spec,
    bytes_of,
    call,
    candidate_kind,
    fresh,
    load_params,
    run_case,
    wanted_kind,
)
from .decoding import (  # noqa: F401
    CacheNotEmptied,
    CacheNotKept,
    FedTooMuch,
    SharedCache,
    cache_in_pieces,
    greedy_twice,
)
from .dropout import SUMMARY, run_dropout  # noqa: F401
from .evidence import PROBES, gather  # noqa: F401
from .panels import (  # noqa: F401
    EQUIVARIANCE_PANEL,
    INDEPENDENCE_PANEL,
    INF,
    LAST_DIGITS,
    Attention,
    ChangedItsInput,
    TokenModel,
    run_equivariance_test,
    run_independence_test,
    verdicts,
)
from .probes import (  # noqa: F401
    CALLABLES,
    LAST_WEIGHTS,
    MUST_RAISE,
    AttachedWeights,
    ConstructorDidNotRaise,
    MissingAttribute,
    MultiHeadAttentionWeights,
    NotOnline,
    TooMuchMemory,
    keeps_head_weights,
    keeps_named_head_weights,
    keeps_weights,
    run_chunked,
    run_converter,
    run_online,
    step1_probe,
    step2_probe,
    warm_up,
)
from .wire import (  # noqa: F401
    DTYPES,
    MAX_ELEMENTS,
    DecodeError,
    decode,
    decode_case,
    decode_evidence,
    decode_outcome,
    decode_tensor,
    encode,
    encode_case,
    encode_evidence,
    encode_outcome,
    encode_tensor,
)

# Lesson 07's probes, by name for the grader's child, beside the ones probes.py lists.
CALLABLES.update({f.__name__: f for f in (cache_in_pieces, greedy_twice)})
