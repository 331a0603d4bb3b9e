"""Moodle GIFT question banks into our Markdown quiz format (pure: no Flask, no database).

`parse_gift` reads GIFT as Moodle's own importer does (question/format/gift/format.php):
questions are separated by blank lines, `//` lines are comments, `::title::`, `[format]`
prefixes, answers in `{…}` (a blank `_____` marks where they sat inside the text), `#`
feedback, `####` general feedback, `%n%` weights and the escapes `\\ \\: \\# \\= \\{ \\} \\~ \\n`.
`import_gift` turns what our format can express into a quiz file and says, as
`FILE:line: unsupported …`, what it cannot (matching, essay, descriptions, partial credit
only). HTML is sanitised (content/sanitize.py) and kept to one line of inline HTML.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from html.parser import HTMLParser
from typing import Literal

from learnapp.content import sanitize
from learnapp.content.model import Problem
from learnapp.content.names import stable_key
from learnapp.content.quiz import ANSWER, HEADING, OPTION, TOLERANCE

Kind = Literal[
    "category", "description", "essay", "matching",
    "multichoice", "truefalse", "shortanswer", "numerical",
]  # fmt: skip
FORMATS = ("moodle", "html", "plain", "markdown")
BLANK = "_____"  # Moodle's mark for answers that sat inside the question text
# Escaped control characters wait as private-use characters while the structure is read.
_HELD = {":": "\ue000", "#": "\ue001", "=": "\ue002", "{": "\ue003", "}": "\ue004", "~": "\ue005"}
_RESTORE = str.maketrans({held: char for char, held in _HELD.items()} | {"\ue006": "\n"})
_ESCAPE = re.compile(r"\\([\\:#={}~n])")
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,2})?$")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]~#|])")
_LINE_START = re.compile(r"^([>+\-=:!?]|\d+[.)])")


class GiftError(ValueError):
    """The text is not valid GIFT; the message says why."""


@dataclass(frozen=True, slots=True)
class Text:
    """A text and its GIFT format: moodle (the default), html, plain or markdown."""

    format: str
    text: str


@dataclass(frozen=True, slots=True)
class Numeric:
    """A numeric answer as we write it: `value` ± `tolerance` (a range low..high is halved)."""

    value: Decimal
    tolerance: Decimal
    written: str  # "3.5 ± 0.1", or "1822" when the tolerance is 0


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer in braces; `weight` is the %n% credit (100 for `=` without one)."""

    text: Text
    weight: float
    right: bool  # written with = rather than ~
    feedback: Text | None = None
    number: Numeric | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """One GIFT question (or category or description) as written, line = its first line."""

    line: int
    kind: Kind
    title: str | None
    stem: Text
    embedded: bool = False
    answers: tuple[Answer, ...] = ()
    general_feedback: Text | None = None
    truth: bool | None = None  # true/false questions
    wrong_feedback: Text | None = None  # true/false: shown for the wrong choice
    right_feedback: Text | None = None
    wrong_answer_feedback: Text | None = None  # numerical: `~#…`


@dataclass(frozen=True, slots=True)
class Parsed:
    """Every item read, and a `FILE:line` problem for every question that is not GIFT."""

    items: tuple[Item, ...]
    errors: tuple[Problem, ...]


def parse_gift(text: str, *, path: str) -> Parsed:
    """Read GIFT `text` (from `path`, for messages) into items and errors; never raises."""
    items, errors = [], []
    for line, block in _blocks(text):
        try:
            items.append(_item(line, block))
        except GiftError as error:
            errors.append(Problem(path, line, str(error)))
    return Parsed(tuple(items), tuple(errors))


def _blocks(text: str) -> list[tuple[int, str]]:
    """(first line, text) of each question: lines up to a blank one, comment lines left out."""
    blocks, lines, start = [], [], 0
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    for number, line in enumerate([*text.split("\n"), ""], 1):
        if not line.strip():
            if lines:
                blocks.append((start, "\n".join(lines)))
            lines = []
        elif not line.lstrip().startswith("//"):
            start = start if lines else number
            lines.append(line)
    return blocks


def _item(line: int, block: str) -> Item:
    text = _ESCAPE.sub(lambda m: "\\" if m[1] == "\\" else _HELD.get(m[1], "\ue006"), block)
    text = text.strip()
    if text.startswith("$CATEGORY:"):
        return Item(line, "category", None, Text("moodle", _restore(text[10:])))
    title = None
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            raise GiftError("the title has no closing :: (write a literal colon as \\:)")
        title, text = _restore(text[2:end]) or None, text[end + 2 :].strip()
    start, finish = text.find("{"), text.find("}")
    if start < 0 and finish < 0:
        return Item(line, "description", title, _text(text))
    if finish < 0:
        raise GiftError("{ without a closing } (write a literal brace as \\{)")
    if start < 0 or finish < start:
        raise GiftError("} without an opening { (write a literal brace as \\})")
    inside, after = text[start + 1 : finish], text[finish + 1 :]
    if "{" in inside or "{" in after or "}" in after:
        hint = "separate questions with a blank line, and escape literal braces as \\{ \\}"
        raise GiftError(f"more than one {{…}} in a question: {hint}")
    embedded = bool(after.strip())
    stem = _text(text[:start] + (BLANK if embedded else "") + after)
    if not stem.text:
        raise GiftError("the question has no text before its answers")
    inside, general = _split_general_feedback(inside.strip(), stem.format)
    return _typed(Item(line, "essay", title, stem, embedded, general_feedback=general), inside)


def _split_general_feedback(inside: str, default: str) -> tuple[str, Text | None]:
    """The answers, and the general feedback after the last ####."""
    at = inside.rfind("####")
    if at < 0:
        return inside, None
    return inside[:at].strip(), _text(inside[at + 4 :], default) or None


def _typed(item: Item, inside: str) -> Item:
    """The item with its kind and answers, in the order Moodle tells the kinds apart."""
    if not inside:
        return item  # an essay
    if inside.startswith("#"):
        return _numerical(item, inside[1:])
    if "~" in inside:
        return _multichoice(item, inside)
    if "=" in inside and "->" in inside:
        return replace(item, kind="matching")
    word, *feedback = inside.split("#", 2)
    if word.strip() in ("T", "TRUE", "F", "FALSE"):
        wrong, right = (_optional(text, item.stem.format) for text in [*feedback, "", ""][:2])
        return replace(
            item, kind="truefalse", truth=word.strip().startswith("T"),
            wrong_feedback=wrong, right_feedback=right,
        )  # fmt: skip
    answers = tuple(_answer(piece, item.stem.format) for piece in _pieces(inside, "=", True))
    return replace(item, kind="shortanswer", answers=answers)


def _multichoice(item: Item, inside: str) -> Item:
    answers = tuple(_answer(piece, item.stem.format) for piece in _pieces(inside, "~=", False))
    if len(answers) < 2:
        raise GiftError("a multiple-choice question needs at least two answers")
    return replace(item, kind="multichoice", answers=answers)


def _numerical(item: Item, inside: str) -> Item:
    inside, tilde, wrong = inside.partition("~")
    wrong_feedback = _optional(wrong.partition("#")[2], item.stem.format) if tilde else None
    answers = []
    for piece in _pieces(inside, "=", True):
        answer = _answer(piece, item.stem.format)
        answers.append(replace(answer, number=_numeric(answer.text.text)))
    if not answers:
        raise GiftError("a numerical question {#…} needs a number")
    return replace(
        item, kind="numerical", answers=tuple(answers), wrong_answer_feedback=wrong_feedback
    )


def _pieces(inside: str, markers: str, first_may_be_bare: bool) -> list[str]:
    """The answers, each starting with its marker (= or ~), split where a marker stands."""
    pieces = re.split(f"(?=[{re.escape(markers)}])", inside)
    first = pieces.pop(0).strip()
    if first and not first_may_be_bare:
        raise GiftError(f'answer "{_restore(first)}" needs a ~ or = in front of it')
    return ([f"={first}"] if first else []) + pieces


def _answer(piece: str, default: str) -> Answer:
    marker, body = piece[0], piece[1:].strip()
    weight = 100.0 if marker == "=" else 0.0
    if match := _WEIGHT.match(body):
        weight, body = float(match[1]), body[match.end() :]
        if not -100 <= weight <= 100:
            raise GiftError(f"weight {match[1]}% must be between -100% and 100%")
    text, _, feedback = body.partition("#")
    answer = _text(text, default)
    if not answer.text:
        raise GiftError(f"an answer after {marker} has no text")
    return Answer(answer, weight, marker == "=", _optional(feedback, default))


def _numeric(written: str) -> Numeric:
    if ".." in written[1:]:
        low, high = (_decimal(part) for part in written.split("..", 1))
        if low > high:
            raise GiftError(f"range {written}: write the smaller number first")
        value, tolerance = (low + high) / 2, (high - low) / 2
        return _numeric_answer(value, tolerance, _plain(value), _plain(tolerance))
    number, colon, margin = written.partition(":")
    value, tolerance = _decimal(number), _decimal(margin) if colon else Decimal(0)
    if tolerance < 0:
        raise GiftError(f"{written}: the margin after : cannot be negative")
    return _numeric_answer(value, tolerance, number.strip(), margin.strip())


def _numeric_answer(value: Decimal, tolerance: Decimal, shown: str, margin: str) -> Numeric:
    return Numeric(value, tolerance, f"{shown} ± {margin}" if tolerance else shown)


def _decimal(text: str) -> Decimal:
    text = text.strip()
    if not _NUMBER.match(text):
        raise GiftError(f'"{text}" is not a number (write 3.5, 3.5:0.1 or 1..5)')
    return Decimal(text)


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f") if number else "0"


def _text(raw: str, default: str = "moodle") -> Text:
    """A text with its [format] prefix read (an unknown one stays in the text), unescaped."""
    raw = raw.strip()
    match = re.match(r"^\[(\w+)\]", raw)
    if match and match[1] in FORMATS:
        default, raw = match[1], raw[match.end() :]
    if default != "markdown":
        raw = re.sub(r"[ \t]*\n\s*", " ", raw)  # line breaks are spaces (as GIFT-grammar-PEG)
    return Text(default, _restore(raw))


def _optional(raw: str, default: str) -> Text | None:
    text = _text(raw, default)
    return text if text.text else None


def _restore(text: str) -> str:
    return text.translate(_RESTORE).strip()


# Writing our format.


@dataclass(frozen=True, slots=True)
class Choice:
    """An option as written: one line of inline Markdown, and Markdown feedback."""

    text: str
    correct: bool
    feedback: str = ""


@dataclass(frozen=True, slots=True)
class Converted:
    """A question in our format: heading, prompt, options or accepted answers, explanation."""

    line: int
    heading: str
    prompt: str = ""
    single: bool = True
    choices: tuple[Choice, ...] = ()
    accepted: tuple[str, ...] = ()
    explanation: str = ""


@dataclass(frozen=True, slots=True)
class Imported:
    """The quiz file (`markdown`, "" when nothing converted) and what was left out or changed."""

    markdown: str
    questions: tuple[Converted, ...]
    errors: tuple[Problem, ...]  # not GIFT: fix the file
    skipped: tuple[Problem, ...]  # GIFT our format cannot express
    notes: tuple[Problem, ...]  # written, with something dropped (warnings)


class Unsupported(Exception):
    """What our format cannot express of a question."""


def import_gift(
    text: str, *, path: str, title: str, true_false: tuple[str, str] = ("True", "False")
) -> Imported:
    """Convert GIFT `text` into a quiz titled `title`; `true_false` labels true/false options."""
    parsed = parse_gift(text, path=path)
    questions, skipped, notes = [], [], []
    for item in parsed.items:
        writer = _Writer(path, item.line)
        try:
            if item.kind == "category":
                writer.note(f'$CATEGORY "{item.stem.text}" ignored: the quiz goes into --course')
            else:
                questions.append(writer.question(item, true_false))
        except Unsupported as reason:
            skipped.append(Problem(path, item.line, f"unsupported {reason}"))
        else:
            notes += writer.notes
    markdown = to_markdown(title, questions) if questions else ""
    return Imported(markdown, tuple(questions), parsed.errors, tuple(skipped), tuple(notes))


def to_markdown(title: str, questions: list[Converted]) -> str:
    """A quiz file in our format (SPEC §2)."""
    lines = ["---", f"title: {json.dumps(title, ensure_ascii=False)}", "---"]
    for question in questions:
        lines += ["", f"## {question.heading}"]
        lines += question.prompt.split("\n") if question.prompt else []
        for choice in question.choices:
            mark = ("(x)" if choice.correct else "( )") if question.single else (
                "[x]" if choice.correct else "[ ]"
            )  # fmt: skip
            lines.append(f"- {mark} {choice.text}")
            lines += _quoted(choice.feedback, "  ")
        lines += [f"= {answer}" for answer in question.accepted]
        lines += _quoted(question.explanation, "")
    return "\n".join(lines) + "\n"


def _quoted(markdown: str, indent: str) -> list[str]:
    if not markdown:
        return []
    return [f"{indent}> {line}".rstrip() for line in markdown.split("\n")]


@dataclass
class _Writer:
    """Converts one item, noting what it drops."""

    path: str
    line: int
    notes: list[Problem] = field(default_factory=list)

    def note(self, message: str) -> None:
        """A warning about the question being converted."""
        self.notes.append(Problem(self.path, self.line, message, "warning"))

    def question(self, item: Item, true_false: tuple[str, str]) -> Converted:
        """Our question for `item`, or Unsupported."""
        if item.kind in ("description", "essay", "matching"):
            raise Unsupported(_UNSUPPORTED[item.kind])
        heading, prompt = self._stem(item.stem)
        explanation = self.block(item.general_feedback)
        question = Converted(item.line, heading, prompt, explanation=explanation)
        if item.kind == "truefalse":
            right, wrong = self.block(item.right_feedback), self.block(item.wrong_feedback)
            feedback = (right, wrong) if item.truth else (wrong, right)
            choices = tuple(
                Choice(label, correct, text)
                for label, correct, text in zip(
                    true_false, (item.truth, not item.truth), feedback, strict=True
                )
            )
            return replace(question, choices=choices)
        if item.kind == "multichoice":
            return self._multichoice(question, item.answers)
        return replace(question, accepted=self._accepted(item))

    def _stem(self, stem: Text) -> tuple[str, str]:
        """The heading (one line) and the Markdown under it."""
        if stem.format == "markdown":
            first, _, rest = stem.text.partition("\n")
            heading, prompt = " ".join(first.split()), _guard_lines(rest.strip("\n"))
        else:
            heading, prompt = self.inline(stem), ""
        if not heading:
            raise Unsupported("question: its text is empty once its HTML is sanitised")
        return heading, prompt

    def _multichoice(self, question: Converted, answers: tuple[Answer, ...]) -> Converted:
        single = any(answer.right for answer in answers)
        full = [answer for answer in answers if answer.weight >= 100]
        if single and len(full) != 1:
            raise Unsupported(
                "multiple choice with more than one full-credit = answer"
                if full
                else "multiple choice with partial credit only: no answer gets 100%"
            )
        positive = sum(answer.weight for answer in answers if answer.weight > 0)
        if not single and round(positive) < 100:
            raise Unsupported(
                f"multiple answers with partial credit only: the weights add up to {positive:g}%"
            )
        choices, seen = [], set()
        for answer in answers:
            text = self.inline(answer.text)
            if not text:
                raise Unsupported("option: its text is empty once its HTML is sanitised")
            if stable_key(text) in seen:
                raise Unsupported(f'option: "{answer.text.text}" appears twice')
            seen.add(stable_key(text))
            correct = answer.weight >= 100 if single else answer.weight > 0
            if single and 0 < answer.weight < 100:
                self.note(
                    f'partial credit ({answer.weight:g}%) for "{answer.text.text}" dropped:'
                    " it counts as wrong"
                )
            choices.append(Choice(text, correct, self.block(answer.feedback)))
        return replace(question, single=single, choices=tuple(choices))

    def _accepted(self, item: Item) -> tuple[str, ...]:
        """The = answers of a short-answer or numerical question: full credit only."""
        accepted = []
        for answer in item.answers:
            shown = answer.number.written if answer.number else _one_line(answer.text)
            if answer.weight < 100:
                self.note(
                    f'answer "{shown}" ({answer.weight:g}% credit) dropped: only full credit counts'
                )
                continue
            if not answer.number and "*" in shown:
                raise Unsupported(f'short answer with the wildcard * in "{shown}"')
            if not answer.number and TOLERANCE.match(shown):
                raise Unsupported(f'short answer "{shown}": it would read as a number ± margin')
            accepted.append(shown)
        if not accepted:
            raise Unsupported(f"{_KIND_NAMES[item.kind]} with partial credit only")
        dropped = [answer for answer in item.answers if answer.feedback]
        if dropped or item.wrong_answer_feedback:
            self.note("feedback on = answers dropped: use the general feedback (####)")
        return tuple(accepted)

    def inline(self, text: Text | None) -> str:
        """One line of inline Markdown for `text` ("" for None)."""
        if text is None:
            return ""
        if text.format == "markdown":
            return " ".join(text.text.split())
        if text.format == "plain":
            return _escape(" ".join(text.text.split()))
        dropped: list[str] = []
        cleaned = sanitize.clean(text.text, lambda url: dropped.append(url))
        for url in dropped:
            self.note(
                f"link or image {url} dropped: a GIFT file carries no files;"
                " put it in the course folder and link it"
            )
        flat = _Flattener()
        flat.feed(cleaned)
        flat.close()
        return " ".join("".join(flat.out).split())

    def block(self, text: Text | None) -> str:
        """Markdown for a feedback or an explanation."""
        if text is not None and text.format == "markdown":
            return _guard_lines(text.text)
        return _LINE_START.sub(lambda m: f"&#{ord(m[1][0])};{m[1][1:]}", self.inline(text))


_UNSUPPORTED = {
    "description": "description (text with no answers): put it in a lesson",
    "essay": "essay question ({}): it needs a person to mark it",
    "matching": "matching question (->)",
}
_KIND_NAMES = {"shortanswer": "short answer", "numerical": "numerical question"}
# Tags kept inline; the others (paragraphs, lists, tables…) become spaces.
_INLINE_TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "del", "dfn", "em", "i", "img", "ins",
    "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "u", "var",
}  # fmt: skip


class _Flattener(HTMLParser):
    """Sanitised HTML to one line: inline tags kept, block tags as spaces, text escaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _INLINE_TAGS or (tag == "img" and not dict(attrs).get("src")):
            self.out.append(" ")
            return
        shown = "".join(
            f' {name}="{htmllib.escape(value or "")}"'
            for name, value in attrs
            if sanitize.allowed_attribute(tag, name)
        )
        self.out.append(f"<{tag}{shown}>")

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>" if tag in _INLINE_TAGS and tag != "img" else " ")

    def handle_data(self, data: str) -> None:
        self.out.append(_escape(data))


def _escape(text: str) -> str:
    """Plain text as inline Markdown that shows it as it is (Moodle's blank kept readable)."""
    parts = text.split(BLANK)
    escaped = [_MARKDOWN_SPECIAL.sub(r"\\\1", htmllib.escape(part, quote=False)) for part in parts]
    return BLANK.join(escaped)


def _guard_lines(markdown: str) -> str:
    """Trainer Markdown with any line that our quiz format would read as structure escaped."""
    return "\n".join(
        f"&#{ord(line.lstrip()[0])};{line.lstrip()[1:]}"
        if HEADING.match(line.lstrip()) or OPTION.match(line.lstrip()) or ANSWER.match(line)
        else line
        for line in markdown.split("\n")
    )


def _one_line(text: Text) -> str:
    if text.format in ("html", "moodle"):
        return sanitize.plain_text(text.text)
    return " ".join(text.text.split())
