"""Isolation of a grading child: Linux namespaces, mounts, its own /proc, no privileges.

Through libc (Python 3.11 has no os.unshare). Standard library only: the worker loads
this package by path, without the course (see launch.py). Linux only; the command
refuses to start elsewhere (grade.unsupported).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = (
    0x00020000,
    0x08000000,
    0x10000000,
    0x20000000,
    0x40000000,
)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 32, 4096, 8192, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38
UID_BASE = 2_000_000_000  # the unprivileged user a root worker's children run as, plus the slot

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True) if sys.platform == "linux" else None


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    _check(_libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def _unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def _mount_points() -> list[tuple[str, str]]:
    """(mount point, mount options) of every mount this process sees, outermost first."""
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
            points.append((point, fields[5]))
    return points


def _flags(options: str) -> int:
    """The nodev and noexec a mount already has, which a remount must repeat."""
    words = options.split(",")
    return ("nodev" in words) * MS_NODEV + ("noexec" in words) * MS_NOEXEC


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def isolate(hide: list[str], keep: list[str], stage: str) -> None:
    """In a new mount and network namespace: cover each folder of `hide` with an empty
    read-only tmpfs (bringing back the folders of `keep` inside them, such as the Python
    installation), give /tmp a fresh writable tmpfs, and make every other mount read-only.
    Called by the child before it forks the grandchild into the new PID namespace."""
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC  # IPC: no System V memory shared or kept
    if not REAL_ROOT:
        uid, gid = os.geteuid(), os.getegid()
        _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # so that this process may write its own uid_map
        _unshare(flags | CLONE_NEWUSER)
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"0 {uid} 1")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"0 {gid} 1")
    else:
        _unshare(flags)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    hide = sorted({os.path.realpath(h) for h in hide if os.path.isdir(h)} | {"/tmp"}, key=len)
    hide = [h for h in hide if h != "/" and not any(_inside(h, o) and h != o for o in hide)]
    keep = sorted({os.path.realpath(k) for k in keep if os.path.isdir(k)})
    kept = [k for k in keep if any(_inside(k, h) for h in hide)]
    # The new /tmp starts as a tmpfs at `stage` (inside the old /tmp), holding the kept
    # folders, bound there while they are still visible.
    _mount("tmpfs", stage, "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
    for i, path in enumerate(kept):
        os.makedirs(f"{stage}/.keep/{i}")
        _mount(path, f"{stage}/.keep/{i}", None, MS_BIND | MS_REC)
    for folder in hide:
        if folder != "/tmp":
            _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
    _mount(stage, "/tmp", None, MS_MOVE)
    for i, path in enumerate(kept):
        if not any(_inside(path, o) and path != o for o in kept[:i]):  # not already back with a folder around it
            os.makedirs(path, exist_ok=True)
            _mount(f"/tmp/.keep/{i}", path, None, MS_BIND | MS_REC)
    for i in reversed(range(len(kept))):
        _check(_libc.umount2(f"/tmp/.keep/{i}".encode(), MNT_DETACH), "umount")
        os.rmdir(f"/tmp/.keep/{i}")
    if kept:
        os.rmdir("/tmp/.keep")
    for point, options in _mount_points():
        if point == "/tmp":
            continue
        try:
            _mount(None, point, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | _flags(options))
        except OSError:
            pass  # a mount hidden under another one; checked below
    for point, options in _mount_points():
        if point != "/tmp" and options.split(",")[0] == "rw" and os.path.exists(point):
            if not os.statvfs(point).f_flag & os.ST_RDONLY:
                raise OSError(f"could not make {point} read-only")


REAL_ROOT = os.geteuid() == 0  # read when the worker starts, before any user namespace


def own_proc() -> None:
    """In the grandchild, PID 1 of its namespace: a /proc of that namespace, which shows
    only its own processes (the host's /proc would show every command line on the
    machine). Where the kernel refuses a new proc mount, an empty /proc."""
    try:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError:
        _mount("tmpfs", "/proc", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "size=4k,mode=0555")


def drop_privileges(slot: int) -> None:
    """In the grandchild: give up every power over the sandbox, so that no mount can be
    undone and the resource limits hold (RLIMIT_NPROC does not apply to root)."""
    if REAL_ROOT:
        uid = UID_BASE + slot  # a user of its own per slot, so that slots do not share a process count
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    else:  # root only inside its user namespace: leave that namespace's powers behind
        _unshare(CLONE_NEWUSER)


def probe_isolation(hide: list[str], keep: list[str], stage: str, slot: int) -> tuple[str, str]:
    """Try the whole isolation once in a throwaway child and check that a hidden folder
    cannot be read or written. Returns (isolation name, reason if it is not available)."""
    if _libc is None:
        return "none", f"no Linux namespaces on {sys.platform}"
    target = hide[0] if hide else HERE
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        code = 0
        try:
            isolate(hide, keep, stage)
            grandchild = os.fork()
            if grandchild == 0:
                try:
                    drop_privileges(slot)
                    if os.path.exists(os.path.join(HERE, "isolation.py")):
                        raise AssertionError(f"{HERE} is still visible")
                    for folder in (target, "/"):
                        try:
                            open(os.path.join(folder, ".grader-write-test"), "w").close()
                            raise AssertionError(f"could still write to {folder}")
                        except OSError:
                            pass
                    os._exit(0)
                except BaseException as exc:  # report any failure, then leave
                    os.write(write, f"{type(exc).__name__}: {exc}".encode())
                    os._exit(1)
            _, status = os.waitpid(grandchild, 0)
            code = 0 if status == 0 else 1
        except BaseException as exc:
            os.write(write, f"{type(exc).__name__}: {exc}".encode())
            code = 1
        os._exit(code)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read, "rb") as f:
        reason = f.read().decode(errors="replace")
    if status == 0:
        return "namespaces", ""
    return "none", reason or f"the isolation test exited with status {status}"
