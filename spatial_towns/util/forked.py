"""A function call run in a forked child process while the caller goes on (private).

On a machine with more than one CPU, independent steps of a run (the print maps, the
clustering) overlap with the rest. The child is a fork: it sees the caller's data as they
were, nothing is pickled on the way in, and it runs the same code on the same data, so what
it returns (pickled back) and the files it writes are what the call would give in-process.
Where a fork is not possible, safe or worth it (one CPU, not Linux, inside a daemonic
worker process) the call simply runs in-process when its result is asked for.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import sys
import traceback
from collections.abc import Callable
from typing import Any


def cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether :class:`Forked` would run its call in a child process here: on Linux only
    (macOS offers fork, but its system libraries are not safe to use after one, which is why
    Python spawns there by default)."""
    return (sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
            and cpus() > 1 and not multiprocessing.current_process().daemon)


@contextlib.contextmanager
def frozen():
    """Objects that exist on entry are left out of the garbage collector's passes until
    exit (:func:`gc.freeze`); nested uses leave them to the outermost one to unfreeze.

    A run's modules and data are hundreds of thousands of long-lived objects that hold no
    garbage; one full collection over them took ~0.4 s of the default run.
    """
    outer = gc.get_freeze_count() == 0
    gc.freeze()
    try:
        yield
    finally:
        if outer:
            gc.unfreeze()


class Forked:
    """``fn(*args)`` started in a forked child; :meth:`result` waits for it and returns
    what it returned, or raises what it raised (the same exception; a traceback text in a
    :class:`RuntimeError` if the exception cannot be pickled)."""

    def __init__(self, fn: Callable[..., Any], *args: Any, fork: bool | None = None):
        self.fn, self.args = fn, args
        self.proc: Any = None
        self.conn: Any = None
        if fork is False or not can_fork():
            return
        for stream in (sys.stdout, sys.stderr):  # or the child would print it once more
            if stream is not None:
                stream.flush()
        ctx = multiprocessing.get_context("fork")
        self.conn, send = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_child, args=(fn, args, send), daemon=True)
        # The child's garbage collector would otherwise walk every object it inherits,
        # writing to their pages (copies on write): frozen at the fork, they stay outside
        # its collections (Python's advice for fork without exec). The caller's own
        # collector gets them back at once, unless the caller froze them itself.
        with frozen():
            self.proc.start()
        send.close()

    def result(self) -> Any:
        if self.proc is None:
            return self.fn(*self.args)
        try:
            ok, payload = self.conn.recv()
        except EOFError:  # the child died without a word (killed): run it here
            ok, payload = None, None
        finally:
            self.conn.close()
            self.proc.join()
        if ok is None:
            return self.fn(*self.args)
        if not ok:
            raise payload
        return payload


def _child(fn: Callable[..., Any], args: tuple, conn) -> None:
    try:
        conn.send((True, fn(*args)))
    except BaseException as exc:  # raised again in the parent
        try:
            pickle.dumps(exc)
            conn.send((False, exc))
        except Exception:
            conn.send((False, RuntimeError(traceback.format_exc())))
    finally:
        conn.close()
