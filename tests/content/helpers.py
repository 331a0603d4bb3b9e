"""Shared values for the content tests."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent.parent / "fixtures" / "content"
MINIMAL_COURSE = {
    "courses/01-c/course.md": '---\ntitle: "C"\nsummary: "S"\n---\n',
    "courses/01-c/01-one.md": "# One\n",
}
# What `courses check` must report for the fixture tree `broken/`, in this order.
EXPECTED_BROKEN = [
    'courses/01-bad-course/02-intro.md: lesson slug "intro" is already used by 01-intro.md',
    "courses/01-bad-course/03-links.md:5: link ../../../etc/passwd points outside"
    " the course folder",
    "courses/01-bad-course/03-links.md:5: link /etc/passwd is an absolute path:"
    " use a path relative to the course",
    "courses/01-bad-course/03-links.md:7: broken link images/missing.png:"
    " no such file in the course folder",
    "courses/01-bad-course/03-links.md:11: warning: raw HTML <script> will be stripped",
    "courses/01-bad-course/Notes.md: lesson file name must be NN-slug.md"
    " (digits, a hyphen, then lower-case letters, digits and hyphens)",
    'courses/01-bad-course/course.md:1: front-matter key "summary" is missing (it is required)',
    'courses/01-bad-course/course.md:3: pass_mark must be a whole number, not "lots"',
    'courses/01-bad-course/course.md:4: unknown status "final" (use published or draft)',
    'courses/01-bad-course/course.md:5: language "english please" is not a language tag'
    " like en, fr, ar",
    "courses/01-bad-course/course.md:6: unknown content format 2 (this LearnApp reads 1)",
    'courses/01-bad-course/course.md:7: unknown front-matter key "colour" (known keys: title,'
    " summary, language, status, estimated_minutes, pass_mark, certificate,"
    " certificate_valid_months, sequential, authors, format, remind_after_days)",
    "courses/02-bad-yaml/course.md:3: front matter is not valid YAML: found unexpected end of"
    " stream (while scanning a quoted scalar on line 2)",
    "courses/03-no-course-file: course folder has no course.md",
    "courses/04-warnings-only/01-raw-html.md:3: warning: raw HTML event handler onerror= on <img>"
    " will be stripped",
    "courses/04-warnings-only/01-raw-html.md:3: warning: raw HTML <img> has no alt text;"
    ' describe the image with alt="…"',
    "courses/04-warnings-only/01-raw-html.md:5: warning: raw HTML <iframe> will be stripped",
    "courses/04-warnings-only/01-raw-html.md:7: warning: link to javascript: will be removed",
    "courses/04-warnings-only/01-raw-html.md:9: warning: raw HTML <svg> will be stripped",
    "courses/04-warnings-only/01-raw-html.md:9: warning: raw HTML <circle> will be stripped",
    "courses/04-warnings-only/01-raw-html.md:11: warning: raw HTML link to javascript:"
    " will be stripped",
    "courses/misc: course folder name must be NN-slug"
    " (digits, a hyphen, then lower-case letters, digits and hyphens)",
    'quizzes/no-such-course: quizzes for an unknown course "no-such-course"'
    " (no course folder is named NN-no-such-course)",
    "quizzes/quiz-errors/01-front-matter.md:3: pass_mark must be between 0 and 100, not 120",
    'quizzes/quiz-errors/01-front-matter.md:4: unknown reveal "sometimes"'
    " (use after_pass, always or never)",
    'quizzes/quiz-errors/01-front-matter.md:5: unknown front-matter key "colour" (known keys:'
    " title, after, pass_mark, max_attempts, shuffle, draw, reveal)",
    "quizzes/quiz-errors/01-front-matter.md:6: draw is 5 but the quiz has only 1 question",
    'quizzes/quiz-errors/01-front-matter.md:7: after: there is no lesson "nowhere" in this course'
    " (lessons: lesson)",
    "quizzes/quiz-errors/01-front-matter.md:8: max_attempts must be at least 1, not 0",
    'quizzes/quiz-errors/02-questions.md:5: question "A question with nothing to answer"'
    " has no options and no = answers",
    "quizzes/quiz-errors/02-questions.md:9: option marked (x) twice in question"
    ' "When was the NGO founded?"',
    'quizzes/quiz-errors/02-questions.md:11: no correct option in question "Which are right?":'
    " mark it [x]",
    'quizzes/quiz-errors/02-questions.md:17: question "Mixed kinds" mixes ( ) and [ ] options',
    'quizzes/quiz-errors/02-questions.md:21: question "Options and answers" mixes options'
    " with = answers",
    'quizzes/quiz-errors/02-questions.md:24: bad number in "= 3.5 ± lots":'
    ' write it like "= 3.5 ± 0.1"',
    "quizzes/quiz-errors/03-empty.md: quiz has no questions: start each with a '## ' heading",
    'quizzes/quiz-errors/03-empty.md:3: shuffle must be true or false, not "maybe"',
    "quizzes/quiz-errors/04-draw.md:3: draw must be at least 1, not 0",
    'quizzes/quiz-errors/05-empty.md: quiz slug "empty" is already used by 03-empty.md',
    "quizzes/warnings-only/01-check.md:6: warning: raw HTML event handler onclick= on <span>"
    " will be stripped",
]
