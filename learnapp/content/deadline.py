"""A time budget for pure-Python work, enforced inside the thread that does it.

Rendering Markdown cannot be made to check a clock, and a worker's request thread
cannot take a signal, so a watchdog thread raises `OutOfTime` asynchronously in the working
thread (`PyThreadState_SetAsyncExc`): the work stops at its next Python instruction. One
watchdog serves every budget of the process: a thread started per block (per rendered file)
cost `learnapp courses check` a fifth of its time on a busy machine.

That instruction may belong to a finaliser or a weakref callback, which cannot raise:
Python passes the exception to `sys.unraisablehook` and carries on. So the hook is
wrapped, once, to raise it again in that thread, a moment later, while its budget is armed.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc


class OutOfTime(BaseException):  # noqa: N818 - not an error of the code: a budget ran out
    """The deadline passed; a BaseException so that `except Exception` lets it through."""


class _Budget:
    def __init__(self) -> None:
        self.thread = ctypes.c_ulong(threading.get_ident())
        self.lock = threading.Lock()
        self.armed = True
        self.fired = False

    def fire(self) -> None:
        with self.lock:
            if self.armed:
                self.fired = True
                _set_async_exc(self.thread, ctypes.py_object(OutOfTime))

    def fire_soon(self) -> None:
        """Fire from another thread, a moment later: fired from here it would land in here."""
        timer = threading.Timer(0.005, self.fire)
        timer.daemon = True
        timer.start()

    def disarm(self) -> None:
        with self.lock:
            self.armed = False
            if self.fired:
                _set_async_exc(self.thread, None)  # not delivered yet: it must not land later


_budgets: dict[int, _Budget] = {}  # by thread id: the budget that thread is working under


def _reraise_swallowed(unraisable, previous=None) -> None:
    budget = _budgets.get(threading.get_ident())
    if budget is not None and budget.fired and issubclass(unraisable.exc_type, OutOfTime):
        budget.fire_soon()  # swallowed by a finaliser: deliver it again once that returns
    else:
        previous(unraisable)


def _wrap_unraisablehook() -> None:
    hook = sys.unraisablehook
    if getattr(hook, "func", None) is not _reraise_swallowed:
        sys.unraisablehook = partial(_reraise_swallowed, previous=hook)


# The working threads take `_lock` with `with`, a C lock: OutOfTime landing in Condition's
# Python __enter__ could leave it held for good. The watchdog waits on `_watch`, over it.
_lock = threading.Lock()  # guards the four below
_watch = threading.Condition(_lock)
_armed: dict[_Budget, float] = {}  # every budget in force, in any thread: when it runs out
_wakes_at = math.inf  # when the watchdog looks next
_watchdog: threading.Thread | None = None


def _watch_budgets() -> None:
    """The watchdog: fire each budget whose time has come, then sleep until the next one."""
    global _wakes_at
    with _lock:
        while True:
            now = time.monotonic()
            for budget, at in list(_armed.items()):
                if at <= now:
                    del _armed[budget]
                    budget.fire()
            _wakes_at = min(_armed.values(), default=math.inf)
            _watch.wait(None if _wakes_at == math.inf else _wakes_at - now)


def _arm(budget: _Budget, at: float) -> None:
    global _watchdog
    with _lock:
        _armed[budget] = at
        if _watchdog is None:
            _watchdog = threading.Thread(target=_watch_budgets, name="deadline", daemon=True)
            _watchdog.start()
        elif at < _wakes_at:
            _watch.notify()  # it sleeps until later: wake it to look again


def _forget_watchdog() -> None:
    """In a forked child: the watchdog thread is gone, and may have held its lock."""
    global _lock, _watch, _armed, _wakes_at, _watchdog
    _lock = threading.Lock()
    _watch, _armed, _wakes_at, _watchdog = threading.Condition(_lock), {}, math.inf, None


os.register_at_fork(after_in_child=_forget_watchdog)


@contextmanager
def deadline(at: float) -> Iterator[None]:
    """Raise OutOfTime in the block once `time.monotonic()` passes `at`."""
    _wrap_unraisablehook()
    budget = _Budget()
    outer = _budgets.get(threading.get_ident())
    _budgets[threading.get_ident()] = budget
    try:
        _arm(budget, at)
        yield
    finally:
        budget.disarm()
        with _lock:
            _armed.pop(budget, None)  # the watchdog may wake for it still, and find nothing
        if outer is None:
            del _budgets[threading.get_ident()]
        else:
            _budgets[threading.get_ident()] = outer
    if budget.fired:
        raise OutOfTime
