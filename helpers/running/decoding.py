"""Lesson 07's probes: what its checks do with a module that keeps a KV cache instead of
calling it once. A cached attention layer is fed two sequences, each in pieces after a
reset; a cached model generates from two prompts in turn, and the tokens that reach its
first attention layer are counted. Built from torch alone, never from the course's code."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .probes import MissingAttribute


class CacheNotKept(Exception):
    """After reading a prompt, a cached attention layer's cache_k or cache_v does not hold
    that prompt's keys or values, one per token on the second-to-last axis."""


class FedTooMuch(Exception):
    """A cached model's generation sent more tokens through the model than a cache needs:
    the prompt once, then one token a step."""


def _kept(module: nn.Module, name: str, B: int, T: int) -> None:
    """Insist that module.<name> holds one entry per token read, (B, ..., T, d_head)."""
    cache = getattr(module, name, None)
    if not isinstance(cache, Tensor):
        what = "has no attribute " + name if not hasattr(module, name) else f"has {name} = {type(cache).__name__}"
        raise MissingAttribute(
            f"after reading a prompt of {T} tokens, your module {what}: it should hold their "
            f"{'keys' if name.endswith('k') else 'values'}, (B, H, {T}, d_head)"
        )
    if cache.dim() < 3 or cache.shape[0] != B or cache.shape[-2] != T:
        raise CacheNotKept(
            f"after reading a prompt of {T} tokens (B = {B}), self.{name} has shape {tuple(cache.shape)}; "
            f"expected (B, H, {T}, d_head) = ({B}, H, {T}, d_head)"
        )


def cache_in_pieces(module: nn.Module, X_a: Tensor, X_b: Tensor, pieces_a: tuple, pieces_b: tuple) -> Tensor:
    """Two sequences (B, T_a, D) and (B, T_b, D), each read from an empty cache
    (module.reset_cache()) in pieces of the given lengths, module(X[:, start:start + n]) for
    each: the outputs side by side, (B, T_a + T_b, D). After the first sequence,
    module.cache_k and module.cache_v must hold one entry per token, (B, H, T_a, d_head)."""
    outputs = []
    with torch.no_grad():
        for index, (X, pieces) in enumerate(((X_a, pieces_a), (X_b, pieces_b))):
            module.reset_cache()
            start = 0
            for n in pieces:
                out = module(X[:, start : start + n])  # only the tokens not read yet
                if not isinstance(out, Tensor):
                    return out  # judged as what it is (None, a tuple ...)
                outputs.append(out)
                start += n
            if index == 0:
                for name in ("cache_k", "cache_v"):
                    _kept(module, name, X.shape[0], X.shape[1])
    return torch.cat(outputs, dim=1)


def greedy_twice(module: nn.Module, prompt_a: Tensor, prompt_b: Tensor, steps: int) -> Tensor:
    """module.greedy(prompt, steps) for two prompts (B, T_a) and (B, T_b) in turn, on the
    same module: the logits side by side, (B, 2 · steps, V). Counts the tokens that reach
    the first attention layer, module.blocks[0].attention: a cache needs the prompt once,
    then one token a step, T_prompt + steps - 1 in all; one more raises FedTooMuch there
    and then (before positions could run past the model's table)."""
    fed, needed, prompt_length = [0], [0], [0]

    def count(layer: nn.Module, args: tuple) -> None:
        now = args[0].shape[1] if args and isinstance(args[0], Tensor) and args[0].dim() >= 2 else 0
        fed[0] += now
        if fed[0] > needed[0]:
            raise FedTooMuch(
                f"to generate {steps} tokens after a prompt of {prompt_length[0]}, your greedy sent {fed[0]} tokens "
                f"through the model, more than the {prompt_length[0]} + {steps - 1} = {needed[0]} a cache needs; "
                f"the call that went over fed {now} token{'s' if now != 1 else ''} at once"
            )

    hook = module.blocks[0].attention.register_forward_pre_hook(count)
    outputs = []
    try:
        with torch.no_grad():
            for prompt in (prompt_a, prompt_b):
                fed[0], needed[0], prompt_length[0] = 0, prompt.shape[1] + steps - 1, prompt.shape[1]
                out = module.greedy(prompt, steps)
                if not isinstance(out, Tensor):
                    return out  # judged as what it is (None, a tuple ...)
                outputs.append(out)
    finally:
        hook.remove()
    first, second = outputs
    if (
        first.dim() < 2
        or first.dim() != second.dim()
        or first.shape[:1] + first.shape[2:] != second.shape[:1] + second.shape[2:]
    ):
        return first  # judged by its shape
    return torch.cat(outputs, dim=1)
