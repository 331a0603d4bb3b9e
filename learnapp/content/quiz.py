"""Parse a quiz file (SPEC §2) into a Quiz, with a `path:line: message` for every mistake.

Each `## heading` starts a question; Markdown may follow it. Then come either options
(`- ( )`/`- (x)` single answer, `- [ ]`/`- [x]` select all that apply) or `= answer`
lines (`= 3.5 ± 0.1` for a number with a tolerance). A `>` quote indented under an
option is that option's feedback; a `>` quote after the options is the explanation.
`heading_html` is the heading's inline HTML; `prompt_html` the Markdown under it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from learnapp.content import frontmatter
from learnapp.content.frontmatter import Field
from learnapp.content.grading import parse_number
from learnapp.content.markdown import Render, Rendered, unwrap_paragraph
from learnapp.content.model import Accepted, Course, Option, Problem, Question, Quiz
from learnapp.content.names import split_name, stable_key
from learnapp.content.sanitize import plain_text

QUIZ_SCHEMA = {
    "title": Field("text"),
    "after": Field("text"),
    "pass_mark": Field("int", minimum=0, maximum=100),
    "max_attempts": Field("int", minimum=1),
    "shuffle": Field("bool", default=False),
    "draw": Field("int", minimum=1),
    "reveal": Field("text", default="after_pass", choices=("after_pass", "always", "never")),
}
HEADING = re.compile(r"^##(?!#)(.*)$")
OPTION = re.compile(r"^[-*+][ \t]+(?:\(([ xX])\)|\[([ xX])\])(?:[ \t]+(.*))?$")
ANSWER = re.compile(r"^=(?!=*[ \t]*$)[ \t]*(.*)$")
TOLERANCE = re.compile(r"^(.*?)[ \t]*(?:±|\+/-|\+-)[ \t]*(.*)$")
FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
QUOTE = re.compile(r"^[ \t]*> ?")
COMMENT = re.compile(r"^[ \t]*<!--.*-->[ \t]*$")


@dataclass
class _Block:
    """Lines of Markdown and the file line of the first one."""

    line: int
    lines: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The Markdown (quote markers already off; blank lines kept so line numbers hold)."""
        return "\n".join(self.lines)


@dataclass
class _DraftOption:
    line: int
    correct: bool
    single: bool
    text: _Block
    feedback: _Block | None = None


@dataclass
class _Draft:
    """A question as read so far."""

    heading: str
    line: int
    prompt: _Block
    options: list[_DraftOption] = field(default_factory=list)
    answers: list[tuple[str, int]] = field(default_factory=list)
    explanation: _Block | None = None
    mixed: bool = False  # options of two kinds, or options and answers: reported once

    @property
    def name(self) -> str:
        """How messages name this question."""
        return f'question "{self.heading}"'

    def stage(self) -> str:
        """Where reading has got to: the prompt, the answers or the explanation."""
        if self.explanation:
            return "explanation"
        return "answers" if self.options or self.answers else "prompt"

    def append_blank(self) -> None:
        """A blank line separates paragraphs of the feedback or explanation being read."""
        if self.explanation:
            self.explanation.lines.append("")
        elif self.options and self.options[-1].feedback:
            self.options[-1].feedback.lines.append("")


def parse_quiz(
    text: str, *, path: str, course: Course, render: Render
) -> tuple[Quiz | None, list[Problem]]:
    """Parse one quiz file of `course`; None (with problems) when it has an error."""
    doc, problems = frontmatter.split(text, path)
    reader = frontmatter.Reader(doc, path, QUIZ_SCHEMA)
    meta = {key: reader.get(key) for key in QUIZ_SCHEMA}
    parser = _Parser(path, render, problems)
    intro, drafts = parser.split(doc.body, doc.body_line)
    rendered = parser.render(intro, take_title=not meta["title"])
    questions = parser.questions(drafts)
    title = meta["title"] or rendered.title
    parser.check_quiz(meta, title, len(drafts), course, reader.doc.lines)
    problems += reader.problems
    if any(p.severity == "error" for p in problems):
        return None, problems
    filename = os.path.basename(path)
    parts = split_name(filename, ".md")
    lessons = course.lessons
    quiz = Quiz(
        slug=parts[1] if parts else filename.removesuffix(".md"),
        filename=filename,
        title=title or "",
        after=meta["after"] or (lessons[-1].slug if lessons else None),
        pass_mark=course.pass_mark if meta["pass_mark"] is None else meta["pass_mark"],
        max_attempts=meta["max_attempts"],
        shuffle=meta["shuffle"],
        draw=meta["draw"],
        reveal=meta["reveal"],
        questions=tuple(questions),
        source_path=path,
        intro_html=rendered.html,
    )
    return quiz, problems


@dataclass
class _Parser:
    """Reads the body line by line into drafts, then builds Questions, noting problems."""

    path: str
    render_fragment: Render
    problems: list[Problem]

    def error(self, line: int, message: str) -> None:
        """Record an error at this line of the quiz file."""
        self.problems.append(Problem(self.path, line, message))

    def render(self, block: _Block, **options: object) -> Rendered:
        """Render a block of the file, keeping the problems it has."""
        rendered, found = self.render_fragment(block.text(), line=block.line, **options)
        self.problems.extend(found)
        return rendered

    def check_quiz(
        self, meta: dict, title: str | None, count: int, course: Course, lines: Mapping[str, int]
    ) -> None:
        """The checks that need the whole file: title, questions, draw, after."""
        if not title:
            hint = "add 'title:' front matter or a '# heading' at the top"
            self.error(1, f"quiz has no title: {hint}")
        if not count:
            self.error(0, "quiz has no questions: start each with a '## ' heading")
        if meta["draw"] and count and meta["draw"] > count:
            questions = f"{count} question{'s' if count > 1 else ''}"
            self.error(lines["draw"], f"draw is {meta['draw']} but the quiz has only {questions}")
        slugs = [lesson.slug for lesson in course.lessons]
        if meta["after"] and meta["after"] not in slugs:
            message = f'after: there is no lesson "{meta["after"]}" in this course'
            self.error(lines["after"], f"{message} (lessons: {', '.join(slugs) or 'none yet'})")

    # Reading lines.

    def split(self, body: str, first_line: int) -> tuple[_Block, list[_Draft]]:
        """The text before the first question, and each question's parts."""
        intro = _Block(first_line)
        drafts: list[_Draft] = []
        for number, line, in_fence in _lines(body, first_line):
            heading = None if in_fence else HEADING.match(line)
            if heading:
                drafts.append(self._start(heading.group(1), number))
            elif drafts:
                self._add_line(drafts[-1], line, number, in_fence)
            else:
                intro.lines.append(line)
        return intro, drafts

    def _start(self, heading: str, number: int) -> _Draft:
        text = re.sub(r"[ \t]+#+$", "", heading.strip()).strip()
        if not text:
            self.error(number, "question heading is empty")
        return _Draft(text, number, _Block(number + 1))

    def _add_line(self, draft: _Draft, line: str, number: int, in_fence: bool) -> None:
        choice = OPTION.match(line) or ANSWER.match(line)
        stage = draft.stage()
        if stage == "prompt" and (in_fence or not choice):
            draft.prompt.lines.append(line)
        elif choice:
            self._add_choice(draft, choice, number, stage)
        elif not line.strip() or COMMENT.match(line):
            draft.append_blank()
        elif stage == "answers" and line[0] in " \t":
            self._add_indented(draft, line, number)
        elif QUOTE.match(line) and not line[0].isspace():
            draft.explanation = draft.explanation or _Block(number)
            draft.explanation.lines.append(QUOTE.sub("", line, count=1))
        elif stage == "explanation" and draft.explanation.lines[-1].strip():
            draft.explanation.lines.append(line)  # a lazy continuation of the quote
        elif stage == "explanation":
            self.error(number, f"text after the explanation of {draft.name}: start it with >")
        else:
            hint = "indent it under an option, or move it above the first option"
            self.error(number, f"text after the options of {draft.name} belongs to nothing: {hint}")

    def _add_choice(self, draft: _Draft, choice: re.Match, number: int, stage: str) -> None:
        is_option = choice.re is OPTION
        if stage == "explanation":
            what = "option" if is_option else "= answer"
            message = f"{what} after the explanation of {draft.name}"
            self.error(number, f"{message}: the explanation (>) comes last")
        elif (is_option and draft.answers) or (not is_option and draft.options):
            draft.mixed = True
            self.error(number, f"{draft.name} mixes options with = answers")
        elif not is_option:
            draft.answers.append((choice.group(1).strip(), number))
        else:
            self._add_option(draft, choice, number)

    def _add_option(self, draft: _Draft, option: re.Match, number: int) -> None:
        single = option.group(1) is not None
        if draft.options and draft.options[0].single != single:
            draft.mixed = True
            self.error(number, f"{draft.name} mixes ( ) and [ ] options")
            return
        mark = option.group(1) if single else option.group(2)
        text = _Block(number, [option.group(3) or ""])
        draft.options.append(_DraftOption(number, mark in "xX", single, text))

    def _add_indented(self, draft: _Draft, line: str, number: int) -> None:
        if not draft.options:
            hint = "use a > explanation after the answers"
            self.error(number, f"indented text under an = answer in {draft.name}: {hint}")
            return
        current = draft.options[-1]
        quoted = QUOTE.match(line)
        if quoted or current.feedback:
            current.feedback = current.feedback or _Block(number)
            current.feedback.lines.append(QUOTE.sub("", line, count=1) if quoted else line.strip())
        else:
            current.text.lines.append(line.strip())

    # Building questions.

    def questions(self, drafts: list[_Draft]) -> list[Question]:
        """A Question for each draft without errors; repeated headings get numbered keys."""
        questions: list[Question] = []
        seen: dict[str, int] = {}
        for draft in drafts:
            key = stable_key(draft.heading)
            seen[key] = seen.get(key, 0) + 1
            question = self._question(draft, key if seen[key] == 1 else f"{key}-{seen[key]}")
            if question is not None:
                questions.append(question)
        return questions

    def _question(self, draft: _Draft, key: str) -> Question | None:
        heading = self.render(_Block(draft.line, [_literal_start(draft.heading)]), top_level=3)
        prompt = self.render(draft.prompt, top_level=3)
        errors_before = self._error_count()
        options = self._options(draft)
        accepted = self._answers(draft)
        explanation = self.render(draft.explanation, top_level=3) if draft.explanation else None
        self._check_question(draft)
        if self._error_count() > errors_before:
            return None
        return Question(
            key=key,
            prompt_html=prompt.html,
            heading_html=unwrap_paragraph(heading.html),
            kind="short" if accepted else "single" if draft.options[0].single else "multiple",
            options=options,
            accepted=accepted,
            explanation_html=explanation.html if explanation else "",
            line=draft.line,
            text=plain_text(heading.html),
        )

    def _error_count(self) -> int:
        return sum(problem.severity == "error" for problem in self.problems)

    def _options(self, draft: _Draft) -> tuple[Option, ...]:
        options, seen = [], set()
        for option in draft.options:
            source = option.text.text()
            key = stable_key(source)
            if not source.strip():
                self.error(option.line, f"option has no text in {draft.name}")
            elif key in seen:
                self.error(option.line, f'option "{source}" appears twice in {draft.name}')
            else:
                seen.add(key)
                html = self.render(option.text, inline=True).html
                feedback = self.render(option.feedback, top_level=3) if option.feedback else None
                options.append(Option(key, html, option.correct, feedback.html if feedback else ""))
        return tuple(options)

    def _answers(self, draft: _Draft) -> tuple[Accepted, ...]:
        accepted = []
        for raw, line in draft.answers:
            answer = _parse_answer(raw)
            if isinstance(answer, str):
                self.error(line, answer)
            else:
                accepted.append(answer)
        return tuple(accepted)

    def _check_question(self, draft: _Draft) -> None:
        if not draft.options and not draft.answers:
            self.error(draft.line, f"{draft.name} has no options and no = answers")
            return
        correct = [option for option in draft.options if option.correct]
        if draft.options and not correct and not draft.mixed:
            mark = "(x)" if draft.options[0].single else "[x]"
            self.error(draft.line, f"no correct option in {draft.name}: mark it {mark}")
        if draft.options and draft.options[0].single and len(correct) > 1:
            self.error(correct[1].line, f"option marked (x) twice in {draft.name}")


def _lines(body: str, first_line: int) -> Iterator[tuple[int, str, bool]]:
    """Each line with its file line number and whether it lies inside a code fence."""
    fence: str | None = None
    for number, line in enumerate(body.split("\n"), first_line):
        match = FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
            yield number, line, False
            continue
        if fence is not None and match and match.group(1).startswith(fence):
            fence = None
        yield number, line, fence is not None or bool(match)


def _parse_answer(raw: str) -> Accepted | str:
    """An Accepted answer, or the reason it is not one."""
    if not raw:
        return "empty = answer"
    match = TOLERANCE.match(raw)
    if match is None:
        return Accepted(raw, parse_number(raw), 0.0, raw)
    written, tolerance_written = match.group(1).strip(), match.group(2).strip()
    number, tolerance = parse_number(written), parse_number(tolerance_written)
    if number is None or tolerance is None:
        return f'bad number in "= {raw}": write it like "= 3.5 ± 0.1"'
    if tolerance < 0:
        return f'negative tolerance in "= {raw}": write it like "= 3.5 ± 0.1"'
    if tolerance:
        written = f"{written} ± {tolerance_written}"
    return Accepted(None, number, tolerance, written)


def _literal_start(text: str) -> str:
    """Escape what would make a heading's text a list or quote (`## 1. When…`)."""
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", re.sub(r"^([-+*>#])", r"\\\1", text))
