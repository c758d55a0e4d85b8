"""Plain-array JSON: cases and outcomes as they travel between the grader's processes,
tensors as dtype, shape and base64 bytes. Never pickle."""

from __future__ import annotations

import base64
import math
from typing import Any

import torch
from torch import Tensor

from .core import Case, Outcome, bytes_of

# --------------------------------------------------------------------------------------
# Plain-array JSON: tensors as dtype, shape and base64 bytes. Never pickle.

DTYPES = {
    str(d).removeprefix("torch."): d
    for d in (
        torch.float16,
        torch.bfloat16,
        torch.float32,
        torch.float64,
        torch.uint8,
        torch.int8,
        torch.int16,
        torch.int32,
        torch.int64,
        torch.bool,
    )
}
MAX_ELEMENTS = 1 << 24  # 16M numbers in one tensor


class DecodeError(ValueError):
    """Data that is not what encode() writes."""


def encode_tensor(x: Tensor) -> dict:
    """A tensor as {tensor: dtype, shape, data: base64 of its bytes}; TypeError or
    ValueError for a dtype or a size that cannot be sent."""
    x = x.detach().as_subclass(Tensor).cpu().contiguous()
    name = str(x.dtype).removeprefix("torch.")
    if name not in DTYPES:
        raise TypeError(f"a tensor of {x.dtype}, expected one of {', '.join(DTYPES)}")
    if x.numel() > MAX_ELEMENTS:
        raise ValueError(f"a tensor of {x.numel()} numbers, more than the {MAX_ELEMENTS} allowed")
    return {"tensor": name, "shape": list(x.shape), "data": base64.b64encode(bytes_of(x)).decode("ascii")}


def decode_tensor(obj: Any) -> Tensor:
    """The tensor encode_tensor() described, checked: a known dtype, a shape of
    non-negative integers, and exactly the bytes that shape needs."""
    if not isinstance(obj, dict) or set(obj) != {"tensor", "shape", "data"}:
        raise DecodeError(f"expected an encoded tensor, got {str(obj)[:80]}")
    dtype = DTYPES.get(obj["tensor"]) if isinstance(obj["tensor"], str) else None
    shape = obj["shape"]
    if dtype is None:
        raise DecodeError(f"unknown dtype {str(obj['tensor'])[:40]}")
    if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape) or len(shape) > 8:
        raise DecodeError(f"bad shape {str(shape)[:80]}")
    count = math.prod(shape)
    if count > MAX_ELEMENTS:
        raise DecodeError(f"a tensor of {count} numbers, more than the {MAX_ELEMENTS} allowed")
    try:
        raw = base64.b64decode(obj["data"], validate=True)
    except (TypeError, ValueError) as exc:
        raise DecodeError(f"bad tensor data: {exc}") from None
    itemsize = torch.empty((), dtype=dtype).element_size()
    if len(raw) != count * itemsize:
        raise DecodeError(f"{len(raw)} bytes for shape {shape} of {obj['tensor']}, expected {count * itemsize}")
    if count == 0:
        return torch.empty(shape, dtype=dtype)
    return torch.frombuffer(bytearray(raw), dtype=dtype).reshape(shape).clone()


def encode(value: Any) -> Any:
    """Case inputs, init and params as JSON-ready data: tensors, numbers, strings, None,
    and lists, tuples and string-keyed dicts of them."""
    if isinstance(value, Tensor):
        return encode_tensor(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return {"list": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"dict": {str(k): encode(v) for k, v in value.items()}}
    raise TypeError(f"cannot send a {type(value).__name__} to the grading process")


def decode(value: Any) -> Any:
    """The inverse of encode(); lists come back as tuples."""
    if isinstance(value, dict):
        if "tensor" in value:
            return decode_tensor(value)
        if set(value) == {"list"}:
            return tuple(decode(v) for v in value["list"])
        if set(value) == {"dict"}:
            return {k: decode(v) for k, v in value["dict"].items()}
        raise DecodeError(f"unexpected object {str(value)[:80]}")
    return value


def encode_case(case: Case) -> dict:
    """What the child needs of a case: inputs, init and params (the label stays here)."""
    return {"inputs": encode(case.inputs), "init": encode(case.init), "params": encode(case.params)}


def decode_case(obj: dict) -> Case:
    """A case from encode_case(), with an empty label."""
    return Case("", decode(obj["inputs"]), init=decode(obj["init"]), params=decode(obj["params"]))


def encode_outcome(out: Outcome) -> dict:
    """An Outcome as JSON-ready data; an output tensor that cannot be sent becomes an error."""
    data = {
        "returned_type": out.returned_type,
        "error": out.error,
        "not_implemented": out.not_implemented,
        "inputs_changed": list(out.inputs_changed),
        "warnings": list(out.warnings),
        "source": out.source,
        "output": None,
    }
    if out.output is not None:
        try:
            data["output"] = encode_tensor(out.output)
        except (TypeError, ValueError) as exc:
            data["error"] = f"ValueError: your code returned {exc}"
    return data


def decode_outcome(obj: Any) -> Outcome:
    """An Outcome from the child, every field checked, so that nothing it sends can be
    more than the plain data it claims to be."""
    if not isinstance(obj, dict):
        raise DecodeError(f"expected an outcome, got {type(obj).__name__}")

    def text(key: str, limit: int = 20_000) -> str:
        value = obj.get(key)
        if not isinstance(value, str):
            raise DecodeError(f"outcome field {key} should be text")
        return value[:limit]

    error = obj.get("error")
    if error is not None and not isinstance(error, str):
        raise DecodeError("outcome field error should be text or null")
    changed = obj.get("inputs_changed")
    found = obj.get("warnings")
    if not isinstance(changed, list) or not all(isinstance(c, bool) for c in changed):
        raise DecodeError("outcome field inputs_changed should be a list of booleans")
    if not isinstance(found, list) or not all(isinstance(w, str) for w in found):
        raise DecodeError("outcome field warnings should be a list of text")
    output = obj.get("output")
    return Outcome(
        output=None if output is None else decode_tensor(output),
        returned_type=text("returned_type", 200),
        error=None if error is None else error[:2000],
        not_implemented=obj.get("not_implemented") is True,
        inputs_changed=tuple(changed),
        warnings=tuple(w[:2000] for w in found[:50]),
        source=text("source"),
    )


MAX_EVIDENCE = 16  # named tensors in one case's evidence


def encode_evidence(evidence: dict[str, Tensor]) -> dict:
    """Evidence (running/evidence.py) as JSON-ready data: names and encoded tensors; a tensor
    that cannot be sent is left out."""
    data = {}
    for name, value in list(evidence.items())[:MAX_EVIDENCE]:
        try:
            data[str(name)[:200]] = encode_tensor(value)
        except (TypeError, ValueError):
            continue
    return data


def decode_evidence(obj: Any) -> dict[str, Tensor]:
    """Evidence from the child, checked: at most MAX_EVIDENCE named tensors."""
    if not isinstance(obj, dict) or len(obj) > MAX_EVIDENCE or not all(isinstance(k, str) for k in obj):
        raise DecodeError("evidence should be a few named tensors")
    return {name[:200]: decode_tensor(value) for name, value in obj.items()}
