"""A folder replaced in one step: written beside its place, then swapped in.

A reader (or a process killed at any moment) sees the old complete folder or the new complete
one, never a mix: :func:`partial_folder` gives a temporary folder beside the destination for
this process, :func:`swap_into_place` puts it in place, :func:`recover` tidies after processes
that died on the way.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
from pathlib import Path

_PARTIAL, _ASIDE = "partial", "old"


def partial_folder(dst: Path) -> Path:
    """A fresh empty folder beside ``dst`` (``.<name>.partial-<pid>``) for this process."""
    tmp = dst.with_name(f".{dst.name}.{_PARTIAL}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    return tmp


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where the
    system or the file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    fn = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if fn is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_into_place(new: Path, dst: Path) -> None:
    """Put the complete folder ``new`` at ``dst``: a rename when there is none yet, else an
    atomic exchange (the old folder is then at ``new`` and is removed). Where no exchange
    exists, the old folder is renamed aside for an instant (``.<name>.old-<pid>``);
    :func:`recover` puts it back if the process dies before the new one is in place."""
    try:
        os.rename(new, dst)
        return
    except OSError as exc:
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not dst.is_dir():
            raise
    if exchange(new, dst):
        shutil.rmtree(new, ignore_errors=True)
        return
    aside = dst.with_name(f".{dst.name}.{_ASIDE}-{os.getpid()}")
    os.rename(dst, aside)
    os.rename(new, dst)
    shutil.rmtree(aside, ignore_errors=True)


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there: keep the folder
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(dst: Path) -> None:
    """Tidy what dead processes left beside ``dst``: a folder renamed aside with no folder in
    its place goes back; their partial folders are removed (a live process's are kept)."""
    if not dst.parent.is_dir():
        return
    for p in sorted(dst.parent.iterdir()):
        if not p.name.startswith(f".{dst.name}."):
            continue
        kind, _, pid = p.name[len(dst.name) + 2:].rpartition("-")
        if kind not in (_PARTIAL, _ASIDE) or not pid.isdigit() or _alive(int(pid)):
            continue
        if kind == _ASIDE and not dst.exists():
            os.rename(p, dst)
        else:
            shutil.rmtree(p, ignore_errors=True)
