"""The quiz file format of SPEC §2: every syntax element, and every mistake with its line."""

from __future__ import annotations

import pytest

SPEC_EXAMPLE = """\
---
title: "Check your understanding"
---

## When was the LearningAlliance NGO founded?
- ( ) 2009
- (x) 2014
  > Yes: it was set up in Geneva in April 2014.
- ( ) 2017

## Which kinds of institution were ACPP partners? Select all that apply.
- [x] Palestinian Authority ministries
- [x] Universities
- [ ] Private banks
> ACPP joined governmental, non-governmental and academic institutions.

## How many Palestinian communities did the ACPP research cover?
= 171
"""


def quiz_text(body: str, front: str = 'title: "Q"') -> str:
    return f"---\n{front}\n---\n\n{body}"


def test_spec_example_parses_into_three_question_kinds(parse):
    quiz, problems = parse(SPEC_EXAMPLE)
    assert problems == []
    single, multiple, short = quiz.questions
    assert [q.kind for q in quiz.questions] == ["single", "multiple", "short"]
    assert [q.line for q in quiz.questions] == [5, 11, 17]
    assert single.text == "When was the LearningAlliance NGO founded?"
    assert [(o.html, o.correct) for o in single.options] == [
        ("2009", False),
        ("2014", True),
        ("2017", False),
    ]
    assert single.options[1].feedback_html == "<p>Yes: it was set up in Geneva in April 2014.</p>"
    assert single.options[0].feedback_html == ""
    assert [o.correct for o in multiple.options] == [True, True, False]
    assert multiple.explanation_html.startswith("<p>ACPP joined governmental")
    assert short.options == ()
    assert [(a.text, a.number, a.tolerance) for a in short.accepted] == [("171", 171.0, 0.0)]


def test_quiz_front_matter_keys_are_read(parse):
    front = (
        "title: Final\nafter: intro\npass_mark: 80\nmax_attempts: 2\nshuffle: true\ndraw: 1\n"
        "reveal: never"
    )
    quiz, problems = parse(quiz_text("## Q?\n= a\n\n## R?\n= b\n", front))
    assert problems == []
    assert (quiz.slug, quiz.filename, quiz.title, quiz.after) == (
        "quiz",
        "01-quiz.md",
        "Final",
        "intro",
    )
    assert (quiz.pass_mark, quiz.max_attempts, quiz.shuffle, quiz.draw, quiz.reveal) == (
        80, 2, True, 1, "never",
    )  # fmt: skip


def test_defaults_place_the_quiz_last_with_the_course_pass_mark(parse):
    quiz, _ = parse(quiz_text("## Q?\n= a\n"), pass_mark=55)
    assert (quiz.after, quiz.pass_mark, quiz.max_attempts) == ("end", 55, None)
    assert (quiz.shuffle, quiz.draw, quiz.reveal) == (False, None, "after_pass")


def test_quiz_in_a_course_without_lessons_follows_nothing(parse):
    quiz, _ = parse(quiz_text("## Q?\n= a\n"), lessons=())
    assert quiz.after is None


def test_title_may_come_from_a_hash_heading_with_an_intro(parse):
    quiz, problems = parse("# Final assessment\n\nTake your time.\n\n## Q?\n= a\n")
    assert problems == []
    assert quiz.title == "Final assessment"
    assert quiz.intro_html == "<p>Take your time.</p>"


def test_markdown_may_follow_the_heading_before_the_options(parse):
    body = (
        "## Look at the map. Where is Geneva?\n\n![Map](images/map.png)\n\n"
        "- (x) Here\n- ( ) There\n"
    )
    quiz, problems = parse(quiz_text(body))
    assert problems == []
    prompt = quiz.questions[0].prompt_html
    assert quiz.questions[0].heading_html == "Look at the map. Where is Geneva?"
    assert 'src="/courses/c/assets/images/map.png"' in prompt


def test_option_markers_accept_upper_case_x_and_star_bullets(parse):
    quiz, problems = parse(quiz_text("## Q?\n* ( ) a\n* (X) b\n\n## R?\n+ [X] a\n+ [ ] b\n"))
    assert problems == []
    assert [o.correct for q in quiz.questions for o in q.options] == [False, True, True, False]


@pytest.mark.parametrize(
    ("line", "number", "tolerance"),
    [
        ("= 3.5 ± 0.1", 3.5, 0.1),
        ("= 3.5 +- 0.1", 3.5, 0.1),
        ("= 3.5 +/- 0.1", 3.5, 0.1),
        ("= 3,5 ± 0,1", 3.5, 0.1),
        ("= -2±0.5", -2.0, 0.5),
        ("= 5 ± 0", 5.0, 0.0),
    ],
)
def test_numeric_answers_take_a_tolerance(parse, line, number, tolerance):
    quiz, problems = parse(quiz_text(f"## How much?\n{line}\n"))
    assert problems == []
    (accepted,) = quiz.questions[0].accepted
    assert (accepted.text, accepted.number, accepted.tolerance) == (None, number, tolerance)


def test_several_text_answers_are_all_accepted(parse):
    quiz, _ = parse(quiz_text("## Name it\n= Barrier Monitoring Unit\n= BMU\n"))
    assert [a.text for a in quiz.questions[0].accepted] == ["Barrier Monitoring Unit", "BMU"]


def test_feedback_and_option_text_may_span_lines(parse):
    body = (
        "## Q?\n- (x) A long option\n  that goes on\n  > Feedback that\n  > goes on.\n"
        "  lazily.\n- ( ) B\n"
    )
    quiz, problems = parse(quiz_text(body))
    assert problems == []
    first = quiz.questions[0].options[0]
    assert first.html == "A long option\nthat goes on"
    assert first.feedback_html == "<p>Feedback that\ngoes on.\nlazily.</p>"


def test_explanation_may_have_paragraphs_and_lazy_lines(parse):
    body = "## Q?\n- (x) A\n- ( ) B\n> First part\ncontinues.\n>\n> Second part.\n"
    quiz, problems = parse(quiz_text(body))
    assert problems == []
    assert (
        quiz.questions[0].explanation_html == "<p>First part\ncontinues.</p>\n<p>Second part.</p>"
    )


def test_quote_before_the_options_belongs_to_the_prompt(parse):
    quiz, _ = parse(quiz_text("## Q?\n> A quoted source.\n\n- (x) A\n- ( ) B\n"))
    question = quiz.questions[0]
    assert "<blockquote>" in question.prompt_html
    assert question.explanation_html == ""


def test_code_fences_hide_headings_and_options(parse):
    body = (
        "## What does this print?\n\n```markdown\n## not a question\n- (x) not an option\n```\n"
        "\n= 42\n"
    )
    quiz, problems = parse(quiz_text(body))
    assert problems == []
    assert len(quiz.questions) == 1
    assert "## not a question" in quiz.questions[0].prompt_html


def test_heading_that_looks_like_a_list_stays_text(parse):
    quiz, _ = parse(quiz_text("## 1. When was it founded?\n= 2014\n\n## - dash?\n= x\n"))
    assert quiz.questions[0].heading_html == "1. When was it founded?"
    assert quiz.questions[0].prompt_html == ""
    assert quiz.questions[1].text == "- dash?"


def test_text_after_the_explanation_must_be_quoted(parse):
    _, problems = parse(quiz_text("## Q?\n- (x) A\n- ( ) B\n> Why.\n\nStray.\n"))
    assert problems == [
        'quizzes/c/01-quiz.md:10: text after the explanation of question "Q?": start it with >'
    ]


def test_problems_in_options_feedback_and_explanations_name_their_lines(parse):
    body = (
        "## Q?\n\n\nPrompt ![p](p.png)\n- (x) A [a](a.md)\n  > See ![f](f.png)\n- ( ) B\n\n"
        "> Why\n>\n> ![e](e.png)\n"
    )
    _, problems = parse(quiz_text(body))
    assert [problem.split(": ")[0] for problem in problems] == [
        "quizzes/c/01-quiz.md:8",
        "quizzes/c/01-quiz.md:9",
        "quizzes/c/01-quiz.md:10",
        "quizzes/c/01-quiz.md:15",
    ]


def test_comment_lines_after_options_are_ignored(parse):
    _, problems = parse(quiz_text("## Q?\n- (x) A\n- ( ) B\n<!-- TODO: add C -->\n"))
    assert problems == []


def test_question_keys_survive_edits_elsewhere_and_case_or_space_changes(parse):
    before, _ = parse(quiz_text("## When was it founded?\n- (x) 2014\n- ( ) 2009\n"))
    after, _ = parse(
        quiz_text(
            "## A new first question?\n= a\n\n## When was  it FOUNDED?\n- ( ) 2009\n- (x)  2014\n"
        )
    )
    old, new = before.questions[0], after.questions[1]
    assert old.key == new.key
    assert {o.key for o in old.options} == {o.key for o in new.options}
    assert old.option(old.options[0].key).html == "2014"


def test_question_key_changes_with_the_question_text(parse):
    first, _ = parse(quiz_text("## When was it founded?\n= 2014\n"))
    second, _ = parse(quiz_text("## When was the NGO founded?\n= 2014\n"))
    assert first.questions[0].key != second.questions[0].key


def test_option_keys_do_not_depend_on_which_option_is_correct(parse):
    first, _ = parse(quiz_text("## Q?\n- (x) A\n- ( ) B\n"))
    second, _ = parse(quiz_text("## Q?\n- ( ) A\n- (x) B\n"))
    assert [o.key for o in first.questions[0].options] == [
        o.key for o in second.questions[0].options
    ]


def test_questions_sharing_a_heading_get_distinct_keys(parse):
    quiz, problems = parse(quiz_text("## Same?\n= a\n\n## Same?\n= b\n"))
    assert problems == []
    first, second = quiz.questions
    assert second.key == f"{first.key}-2"


def test_raw_html_in_an_option_is_a_warning_only(parse):
    quiz, problems = parse(quiz_text('## Q?\n- (x) A <b onclick="x()">bold</b>\n- ( ) B\n'))
    assert problems == [
        "quizzes/c/01-quiz.md:6: warning: raw HTML event handler onclick= on <b> will be stripped"
    ]
    assert quiz.questions[0].options[0].html == "A <b>bold</b>"


def test_draw_may_equal_the_number_of_questions(parse):
    quiz, problems = parse(quiz_text("## Q?\n= a\n\n## R?\n= b\n", 'title: "Q"\ndraw: 2'))
    assert problems == []
    assert quiz.size == 2


def test_option_marked_twice_is_reported_as_in_the_brief(parse):
    text = quiz_text(
        "## Which year?\n- (x) 2014\n- ( ) 2009\n\n## When was the NGO founded?\n"
        "- ( ) 2009\n- (x) 2014\n  > Yes.\n- ( ) 2017\n- (x) 2018\n",
        'title: "Check"',
    )
    quiz, problems = parse(text, path="quizzes/origins/01-check.md")
    assert quiz is None
    assert problems == [
        "quizzes/origins/01-check.md:14: option marked (x) twice in question"
        ' "When was the NGO founded?"'
    ]


ERRORS = [
    pytest.param("title: Q\ncolour: red", "## Q?\n= a\n",
                 ['3: unknown front-matter key "colour" (known keys: title, after, pass_mark,'
                  " max_attempts, shuffle, draw, reveal)"], id="unknown-key"),
    pytest.param("title: Q\npass_mark: lots", "## Q?\n= a\n",
                 ['3: pass_mark must be a whole number, not "lots"'], id="wrong-type"),
    pytest.param("title: Q\npass_mark: -1", "## Q?\n= a\n",
                 ["3: pass_mark must be between 0 and 100, not -1"], id="pass-mark-range"),
    pytest.param("title: Q\nreveal: later", "## Q?\n= a\n",
                 ['3: unknown reveal "later" (use after_pass, always or never)'], id="reveal"),
    pytest.param("title: Q\ndraw: 3", "## Q?\n= a\n",
                 ["3: draw is 3 but the quiz has only 1 question"], id="draw-too-large"),
    pytest.param("title: Q\ndraw: 0", "## Q?\n= a\n",
                 ["3: draw must be at least 1, not 0"], id="draw-below-one"),
    pytest.param("title: Q\nafter: outro", "## Q?\n= a\n",
                 ['3: after: there is no lesson "outro" in this course (lessons: intro, end)'],
                 id="dangling-after"),
    pytest.param("pass_mark: 50", "## Q?\n= a\n",
                 ["1: quiz has no title: add 'title:' front matter or a '# heading' at the top"],
                 id="no-title"),
    pytest.param("title: Q", "Only an introduction.\n",
                 [" quiz has no questions: start each with a '## ' heading"], id="no-questions"),
    pytest.param("title: Q", "## Q?\nSome text.\n",
                 ['5: question "Q?" has no options and no = answers'], id="no-options"),
    pytest.param("title: Q", "## Q?\n- ( ) a\n- ( ) b\n",
                 ['5: no correct option in question "Q?": mark it (x)'], id="no-correct-single"),
    pytest.param("title: Q", "## Q?\n- [ ] a\n- [ ] b\n",
                 ['5: no correct option in question "Q?": mark it [x]'], id="no-correct-multiple"),
    pytest.param("title: Q", "## Q?\n- (x) a\n- [x] b\n",
                 ['7: question "Q?" mixes ( ) and [ ] options'], id="mixed-kinds"),
    pytest.param("title: Q", "## Q?\n- (x) a\n= a\n",
                 ['7: question "Q?" mixes options with = answers'], id="options-then-answers"),
    pytest.param("title: Q", "## Q?\n= a\n- (x) a\n",
                 ['7: question "Q?" mixes options with = answers'], id="answers-then-options"),
    pytest.param("title: Q", "## Q?\n= 3.5 ± lots\n",
                 ['6: bad number in "= 3.5 ± lots": write it like "= 3.5 ± 0.1"'], id="bad-number"),
    pytest.param("title: Q", "## Q?\n= 3.5 ± -1\n",
                 ['6: negative tolerance in "= 3.5 ± -1": write it like "= 3.5 ± 0.1"'],
                 id="negative-tolerance"),
    pytest.param("title: Q", "##\n= a\n", ["5: question heading is empty"], id="empty-heading"),
    pytest.param("title: Q", "## Q?\n- (x)\n- ( ) b\n",
                 ['6: option has no text in question "Q?"'], id="empty-option"),
    pytest.param("title: Q", "## Q?\n- (x) a\n- ( )  A\n",
                 ['7: option "A" appears twice in question "Q?"'], id="duplicate-option"),
    pytest.param("title: Q", "## Q?\n- (x) a\n- ( ) b\n\nStray text.\n",
                 ['9: text after the options of question "Q?" belongs to nothing: indent it under'
                  " an option, or move it above the first option"], id="text-after-options"),
    pytest.param("title: Q", "## Q?\n- (x) a\n> Why.\n- ( ) b\n",
                 ['8: option after the explanation of question "Q?": the explanation (>) comes'
                  " last"], id="option-after-explanation"),
    pytest.param("title: Q", "## Q?\n= a\n  > Nice.\n",
                 ['7: indented text under an = answer in question "Q?": use a > explanation after'
                  " the answers"], id="indented-under-answer"),
    pytest.param("title: Q", "## Q?\n= a\n\n[see](../../secret.md)\n",
                 ['8: text after the options of question "Q?" belongs to nothing: indent it under'
                  " an option, or move it above the first option"], id="text-after-answers"),
    pytest.param("title: Q", "## Q?\n\n[see](../secret.md)\n\n= a\n",
                 ["7: link ../secret.md points outside the course folder"], id="escaping-link"),
]  # fmt: skip


@pytest.mark.parametrize(("front", "body", "expected"), ERRORS)
def test_mistakes_are_errors_at_their_line(parse, front, body, expected):
    quiz, problems = parse(quiz_text(body, front))
    assert quiz is None
    prefix = "quizzes/c/01-quiz.md"
    assert problems == [f"{prefix}:{message}" for message in expected]
