"""YAML front matter with line numbers, and typed reading of its keys against a schema."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from learnapp.content.model import Problem

FENCE = "---"


@dataclass(frozen=True, slots=True)
class Document:
    """A file split into its front matter and its Markdown body."""

    values: Mapping[str, Any]
    lines: Mapping[str, int]
    body: str
    body_line: int
    has_front_matter: bool
    broken: bool = False  # unreadable YAML: already reported, so keys are not "missing"


@dataclass(frozen=True, slots=True)
class Field:
    """How to read one front-matter key."""

    kind: Literal["text", "int", "bool", "texts"]
    default: Any = None
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()


@dataclass
class Reader:
    """Reads typed values out of a Document, collecting problems as it goes."""

    doc: Document
    path: str
    schema: Mapping[str, Field]
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        for key, line in self.doc.lines.items():
            if key not in self.schema:
                self.error(line, f'unknown front-matter key "{key}"{_suggest(key, self.schema)}')

    def error(self, line: int, message: str) -> None:
        """Record an error at this line of the file."""
        self.problems.append(Problem(self.path, line, message, "error"))

    def get(self, key: str) -> Any:
        """The value of `key`, checked against its Field; the default when missing or wrong."""
        spec = self.schema[key]
        value = self.doc.values.get(key)
        line = self.doc.lines.get(key, 1)
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.required and not self.doc.broken:
                where = "is empty" if key in self.doc.lines else "is missing"
                self.error(line, f'front-matter key "{key}" {where} (it is required)')
            return spec.default
        message = _check(key, value, spec)
        if message:
            self.error(line, message)
            return spec.default
        if spec.kind == "texts":
            return (value,) if isinstance(value, str) else tuple(value)
        return value


def split(text: str, path: str) -> tuple[Document, list[Problem]]:
    """Split `---` front matter from the body; YAML errors are reported with their file line."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FENCE:
        return Document({}, {}, text, 1, False), []
    end = next((i for i, line in enumerate(lines[1:], 1) if line.rstrip() in (FENCE, "...")), None)
    if end is None:
        return Document({}, {}, "", len(lines) + 1, True, broken=True), [
            Problem(path, 1, "front matter is not closed: add a line '---' after it")
        ]
    body = "\n".join(lines[end + 1 :])
    values, key_lines, problems = _parse_yaml("\n".join(lines[1:end]), path, first_line=2)
    broken = any("not valid YAML" in p.message for p in problems)
    return Document(values, key_lines, body, end + 2, True, broken), problems


def _parse_yaml(source: str, path: str, first_line: int) -> tuple[dict, dict, list[Problem]]:
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
        values = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        return {}, {}, [_yaml_problem(exc, path, first_line)]
    except ValueError as exc:  # e.g. an impossible date such as 2014-02-30
        return {}, {}, [Problem(path, first_line, f"front matter has a bad value: {exc}")]
    except RecursionError:
        return {}, {}, [Problem(path, first_line, "front matter is nested too deeply")]
    if node is None:
        return {}, {}, []
    if not isinstance(node, yaml.MappingNode) or not isinstance(values, dict):
        return {}, {}, [Problem(path, first_line, "front matter must be 'key: value' lines")]
    return _key_lines(node, values, path, first_line)


def _yaml_problem(exc: yaml.YAMLError, path: str, first_line: int) -> Problem:
    mark, context = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
    line = first_line + mark.line if mark else first_line
    message = f"front matter is not valid YAML: {getattr(exc, 'problem', None) or exc}"
    if (
        context is not None
        and getattr(exc, "context", None)
        and context.line != getattr(mark, "line", None)
    ):
        message += f" ({exc.context} on line {first_line + context.line})"
    return Problem(path, line, message)


def _key_lines(
    node: yaml.MappingNode, values: dict, path: str, first_line: int
) -> tuple[dict, dict, list[Problem]]:
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    for key_node, _ in node.value:
        key, line = str(key_node.value), first_line + key_node.start_mark.line
        if key in lines:
            problems.append(Problem(path, line, f'front-matter key "{key}" appears twice'))
        lines.setdefault(key, line)
    return {str(k): v for k, v in values.items()}, lines, problems


def _check(key: str, value: Any, spec: Field) -> str | None:
    if spec.kind == "text" and not isinstance(value, str):
        return _wrong(key, "text (in quotes)", value)
    if spec.kind == "text":
        return _check_choice(key, value, spec.choices)
    if spec.kind == "texts":
        ok = isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        )
        return None if ok else _wrong(key, "a list of texts, like [A, B]", value)
    if spec.kind == "bool":
        return None if isinstance(value, bool) else _wrong(key, "true or false", value)
    if not isinstance(value, int) or isinstance(value, bool):
        return _wrong(key, "a whole number", value)
    return _check_range(key, value, spec)


def _check_range(key: str, value: int, spec: Field) -> str | None:
    low, high = spec.minimum, spec.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        return f"{key} must be {bounds}, not {value}"
    return None


def _check_choice(key: str, value: str, choices: tuple[str, ...]) -> str | None:
    if not choices or value in choices:
        return None
    return f'unknown {key} "{value}" (use {", ".join(choices[:-1])} or {choices[-1]})'


def _wrong(key: str, expected: str, value: Any) -> str:
    return f"{key} must be {expected}, not {_show(value)}"


def _show(value: Any) -> str:
    text = f'"{value}"' if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _suggest(key: str, known: Mapping[str, Field]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    return f' (did you mean "{close[0]}"?)' if close else f" (known keys: {', '.join(known)})"
