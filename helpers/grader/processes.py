"""The worker's dealings with its children's processes and pipes: waiting, killing, reading
what they sent, removing their folders. Standard library only (the worker loads it by path)."""

from __future__ import annotations

import json
import os
import select
import signal
import time


def alive(pid: int) -> bool:
    """Whether process `pid` still exists (0: unknown, taken as alive)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_for(pid: int, seconds: float):
    """(status, usage) of a child that ends within `seconds`, else (None, None)."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage
        time.sleep(0.005)
    return None, None


def kill(pid: int, group: bool = False) -> None:
    try:
        (os.killpg if group else os.kill)(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def receive(received: dict[int, bytearray], wait: float, cap: int, until: float | None = None) -> bool:
    """Read what is ready on the pipes into `received`, waiting up to `wait` seconds the
    first time; with `until`, keep reading until then or until every pipe is empty. True
    when more than `cap` bytes arrived."""
    while True:
        ready, _, _ = select.select(list(received), [], [], wait)
        got = False
        for fd in ready:
            try:
                data = os.read(fd, 1 << 20)
            except OSError:
                data = b""
            got = got or bool(data)
            received[fd] += data
            if len(received[fd]) > cap:
                return True
        if until is None or not got or time.monotonic() > until:
            return False
        wait = 0.0


def first(data: bytearray, key: str):
    """The first control message with `key`; the value for "pid", the message otherwise."""
    for line in bytes(data).decode(errors="replace").splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict) and key in message:
            return message[key] if key == "pid" else message
    return None


def remove(path: str) -> None:
    import shutil

    for root, dirs, _ in os.walk(path):
        for d in dirs:
            try:
                os.chmod(os.path.join(root, d), 0o700)
            except OSError:
                pass
    shutil.rmtree(path, ignore_errors=True)
