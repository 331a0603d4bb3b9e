"""Pure completion rules (SPEC §3): progress, what is missing, what is open."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cached_property

from learnapp.content.model import Course, Lesson, Quiz


class Status(enum.StrEnum):
    """Where a learner stands in a course; the admin reports compute the same in SQL."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


def status_of(completed: bool, done_steps: int) -> Status:
    """Completion is an event that is kept: a course that grows later does not undo it."""
    if completed:
        return Status.COMPLETED
    return Status.IN_PROGRESS if done_steps else Status.NOT_STARTED


@dataclass(frozen=True)
class CourseProgress:
    """Where one learner stands in a course as it is now (progress is keyed by slug)."""

    course: Course
    done_lessons: frozenset[str]
    passed_quizzes: frozenset[str]

    def is_done(self, step: Lesson | Quiz) -> bool:
        done = self.passed_quizzes if step.kind == "quiz" else self.done_lessons
        return step.slug in done

    @property
    def steps(self) -> tuple[Lesson | Quiz, ...]:
        return self.course.items()

    @cached_property  # asked for several times per page (percent, complete)
    def done_count(self) -> int:
        return sum(1 for step in self.steps if self.is_done(step))

    @property
    def percent(self) -> int:
        """(completed lessons + passed quizzes) / (lessons + quizzes), rounded down."""
        total = len(self.steps)
        return 100 if total == 0 else self.done_count * 100 // total

    @property
    def complete(self) -> bool:
        return self.done_count == len(self.steps)

    @property
    def missing(self) -> tuple[Lesson | Quiz, ...]:
        """Steps still to do, in course order."""
        return tuple(step for step in self.steps if not self.is_done(step))

    def is_open(self, step: Lesson | Quiz) -> bool:
        """In a sequential course a step opens once every step before it is done."""
        if not self.course.sequential:
            return True
        for earlier in self.steps:
            if earlier == step:
                return True
            if not self.is_done(earlier):
                return False
        return False

    def blocker(self, step: Lesson | Quiz) -> Lesson | Quiz | None:
        """The first unfinished step that keeps `step` locked, if any."""
        if self.is_open(step):
            return None
        return next(s for s in self.steps if not self.is_done(s))

    def next_step(self, after: Lesson | Quiz | None = None) -> Lesson | Quiz | None:
        """The step to go to next: the first unfinished one after `after` (or overall)."""
        steps = self.steps
        start = steps.index(after) + 1 if after in steps else 0
        for step in steps[start:] + steps[:start]:
            if not self.is_done(step):
                return step
        return None
