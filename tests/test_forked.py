"""A call in a forked child returns, raises and falls back as the call in-process."""

import os
import time

import pytest

from spatial_towns import errors
from spatial_towns.util import forked as _forked

needs_fork = pytest.mark.skipif(not _forked.can_fork(),
                                reason="no fork or a single CPU: calls run in-process")


def _pid_and(x):
    return os.getpid(), x * 2


def _raise(what):
    raise errors.OutputError(what)


class _Unpicklable(Exception):
    def __init__(self, a, b):  # pickling re-creates it with one argument: fails
        super().__init__(a)
        self.b = lambda: b


def _raise_unpicklable():
    raise _Unpicklable("deep", 1)


@needs_fork
def test_runs_in_a_child_and_returns_its_value():
    pid, value = _forked.Forked(_pid_and, 21).result()
    assert value == 42 and pid != os.getpid()


def test_runs_in_process_when_asked():
    assert _forked.Forked(_pid_and, 1, fork=False).result() == (os.getpid(), 2)


def test_the_same_exception_is_raised():
    for fork in (None, False):
        with pytest.raises(errors.OutputError, match="no ink"):
            _forked.Forked(_raise, "no ink", fork=fork).result()


@needs_fork
def test_an_unpicklable_exception_arrives_as_its_traceback():
    with pytest.raises(RuntimeError, match="_Unpicklable: deep"):
        _forked.Forked(_raise_unpicklable).result()


def _slow_in_child(parent, x):
    if os.getpid() != parent:
        time.sleep(60)
    return os.getpid(), x


@needs_fork
def test_a_killed_child_is_run_again_in_process():
    job = _forked.Forked(_slow_in_child, os.getpid(), 5)
    job.proc.kill()
    assert job.result() == (os.getpid(), 5)


def _frozen():
    import gc
    return gc.get_freeze_count()


@needs_fork
def test_the_child_leaves_inherited_objects_out_of_its_collections():
    """What the child inherits is frozen (its collector does not walk and copy it); the
    caller's own objects are back in its collector at once."""
    import gc
    job = _forked.Forked(_frozen)
    assert gc.get_freeze_count() == 0
    assert job.result() > 10_000


def test_frozen_nests_and_the_outermost_unfreezes():
    import gc
    assert gc.get_freeze_count() == 0
    with _forked.frozen():
        outer = gc.get_freeze_count()
        assert outer > 10_000
        with _forked.frozen():
            pass
        assert gc.get_freeze_count() >= outer  # the inner exit leaves them frozen
        if _forked.can_fork():
            _forked.Forked(_frozen).result()
            assert gc.get_freeze_count() >= outer
    assert gc.get_freeze_count() == 0
