"""Whatever a trainer types, the quiz parser returns a quiz or problems, never a crash."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from learnapp.content.links import CourseLinks
from learnapp.content.markdown import FileRenderer
from learnapp.content.quiz import parse_quiz

from .helpers import make_course

COURSE = make_course()
RENDER = FileRenderer("quizzes/c/01-q.md", CourseLinks("/nonexistent", "/courses/c", {}))
PIECES = [
    "---", "title: Q", "after: intro", "after: nowhere", "draw: 2", "draw: 0", "pass_mark: x",
    "reveal: always", "reveal: sometimes", "shuffle: true", "max_attempts: -1", "# Title",
    "## Question?", "##", "### Sub", "- ( ) a", "- (x) b", "- (X) b", "- [ ] c", "- [x] d",
    "- (x)", "= 3.5 ± 0.1", "= 1 +- x", "= text", "=", "===", "  > feedback", "> explanation",
    "  continued", "lazy text", "```", "~~~~", "<!-- c -->", "<script>x</script>", "\t- (x) t",
    "[l](../x)", "![i](i.png)", "", " ", "±", "\x00",
]  # fmt: skip
QUIZISH = st.lists(st.sampled_from(PIECES) | st.text(max_size=15), max_size=20).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300) | QUIZISH)
def test_quiz_parser_never_raises(text):
    quiz, problems = parse_quiz(text, path="quizzes/c/01-q.md", course=COURSE, render=RENDER)
    errors = [p for p in problems if p.severity == "error"]
    assert (quiz is None) == bool(errors)
    if quiz is not None:
        assert quiz.questions
        for question in quiz.questions:
            assert question.options or question.accepted
            assert question.kind == "short" or question.correct_keys
