"""A time budget for pure-Python work, enforced inside the thread that does it.

Rendering Markdown cannot be made to check a clock, and a worker's request thread
cannot take a signal, so a timer thread raises `OutOfTime` asynchronously in the working
thread (`PyThreadState_SetAsyncExc`): the work stops at its next Python instruction.
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc


class OutOfTime(BaseException):  # noqa: N818 - not an error of the code: a budget ran out
    """The deadline passed; a BaseException so that `except Exception` lets it through."""


@contextmanager
def deadline(at: float) -> Iterator[None]:
    """Raise OutOfTime in the block once `time.monotonic()` passes `at`."""
    thread = ctypes.c_ulong(threading.get_ident())
    lock = threading.Lock()
    state = {"armed": True, "fired": False}

    def fire() -> None:
        with lock:
            if state["armed"]:
                state["fired"] = True
                _set_async_exc(thread, ctypes.py_object(OutOfTime))

    timer = threading.Timer(max(at - time.monotonic(), 0.0), fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["armed"] = False
        timer.cancel()
        if state["fired"]:
            _set_async_exc(thread, None)  # not delivered yet: it must not land later
    if state["fired"]:
        raise OutOfTime
