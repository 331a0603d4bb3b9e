"""The render-time budget stops the work even when it runs out inside a finaliser.

A weakref callback or `__del__` cannot raise: Python hands the exception to
`sys.unraisablehook` and goes on. CI once caught `OutOfTime` landing in `WeakSet._remove`,
printed as "Exception ignored" while the work it should have stopped carried on.
"""

from __future__ import annotations

import sys
import time
import weakref

import pytest

from learnapp.content.deadline import OutOfTime, deadline


class Thing:
    pass


def busy(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_the_work_stops_when_time_runs_out():
    steps = []
    with pytest.raises(OutOfTime), deadline(time.monotonic() + 0.05):
        for step in range(300):
            busy(0.01)
            steps.append(step)
    assert 0 < len(steps) < 300


def test_time_running_out_inside_a_weakref_callback_still_stops_the_work(monkeypatch):
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    steps = []
    with pytest.raises(OutOfTime), deadline(time.monotonic() + 0.05):
        thing = Thing()
        ref = weakref.ref(thing, lambda _: busy(0.5))  # the budget runs out in here
        del thing
        for step in range(300):
            busy(0.01)
            steps.append(step)
    assert ref() is None
    assert len(steps) < 300, "the work went on after the callback swallowed OutOfTime"
    assert reported == [], "OutOfTime was reported as an unraisable exception"


def test_other_unraisable_exceptions_still_reach_the_hook(monkeypatch):
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)

    def fail(_):
        raise ValueError("a real bug in a finaliser")

    with deadline(time.monotonic() + 5):
        thing = Thing()
        ref = weakref.ref(thing, fail)
        del thing
    assert ref() is None
    assert [r.exc_type for r in reported] == [ValueError]


def test_a_block_that_finishes_in_time_is_not_interrupted_later():
    with deadline(time.monotonic() + 0.05):
        pass
    busy(0.1)  # an OutOfTime still pending would land here


def test_a_shorter_budget_after_a_longer_one_still_stops_in_time():
    """One watchdog serves every budget: it must wake early for a new, nearer deadline."""
    with deadline(time.monotonic() + 10):
        busy(0.01)
    started = time.monotonic()
    with (
        pytest.raises(OutOfTime),
        deadline(time.monotonic() + 10),
        deadline(time.monotonic() + 0.05),
    ):
        busy(2)
    assert time.monotonic() - started < 1


def test_budgets_in_several_threads_each_stop_their_own_work():
    import threading

    stopped = {}

    def work(name: str, seconds: float) -> None:
        started = time.monotonic()
        try:
            with deadline(started + seconds):
                busy(3)
        except OutOfTime:
            stopped[name] = time.monotonic() - started

    threads = [threading.Thread(target=work, args=(n, s)) for n, s in (("a", 0.3), ("b", 0.05))]
    before = threading.active_count()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(stopped) == {"a", "b"}
    assert stopped["b"] < stopped["a"] < 2
    assert threading.active_count() <= before + 1  # no thread per block left behind


def test_a_forked_child_keeps_its_own_watchdog():
    import os

    with deadline(time.monotonic() + 10):
        pid = os.fork()
        if pid == 0:  # the child: the parent's watchdog thread is not here
            try:
                with deadline(time.monotonic() + 0.05):
                    busy(2)
                os._exit(1)
            except OutOfTime:
                os._exit(0)
            except BaseException:
                os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
