"""Whatever a trainer types, the course readers answer with a result or problems, never a crash."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from learnapp.content import frontmatter
from learnapp.content.course import read_course_file, read_lesson
from learnapp.content.links import CourseLinks
from learnapp.content.markdown import FileRenderer

LINKS = CourseLinks("/nonexistent/01-c", "/courses/c", {"01-a.md": "a"})
RENDER = FileRenderer("courses/01-c/x.md", LINKS)
PIECES = [
    "---", "...", "title: A", "title:", "summary: S", "pass_mark: lots", "pass_mark: 150",
    "format: 2", "language: xx-YY-zz", "status: draft", "authors: [a, b", "? [a]\n: b",
    "d: 2014-02-30", "a: &x [*x]", "# Heading", "## Sub", "[l](../x.md)", "[l](01-a.md#x)",
    "![i](/etc/passwd)", "<script>x</script>", "<img src=x onerror=y>", "[j](javascript:1)",
    "```", "~~~", "> quote", "  - item", "| a |\n|---|", "[^1]", "[^1]: n", "!!! note", "\t",
    "&amp;", "<!--", "-->", "\\", "*", "\ufeff", "\x00", "\u202e", "[x](http://[::1)",
]  # fmt: skip
FRONT_MATTERISH = st.lists(st.sampled_from(PIECES) | st.text(max_size=20), max_size=12).map(
    "\n".join
)
LINKS_TO = st.text(max_size=30) | st.sampled_from(["http://[::1", "//[x", "a b.md", "#[", "%zz"])
LINKY = st.lists(
    LINKS_TO.map(lambda url: f'[x]({url}) ![i]({url}) <a href="{url}">r</a>'), max_size=4
).map("\n\n".join)
TEXT = st.text(max_size=300) | FRONT_MATTERISH | LINKY


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_front_matter_split_never_raises(text):
    doc, problems = frontmatter.split(text, "f.md")
    assert all(problem.line >= 0 for problem in problems)
    assert doc.body_line >= 1


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_course_file_reader_never_raises(text):
    course_file, problems = read_course_file(text, path="courses/01-c/course.md", render=RENDER)
    assert isinstance(course_file.intro_html, str)
    assert all(p.severity in ("error", "warning") for p in problems)


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_lesson_reader_never_raises(text):
    lesson, _ = read_lesson(
        text,
        path="courses/01-c/01-a.md",
        source_path="/x",
        filename="01-a.md",
        slug="a",
        position=1,
        render=RENDER,
    )
    assert lesson.title
    assert "<script" not in lesson.html
