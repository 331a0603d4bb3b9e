"""Raw HTML in trainer Markdown: dangerous parts are stripped, and each is reported as a warning."""

from __future__ import annotations

import pytest

from learnapp.content.links import CourseLinks
from learnapp.content.markdown import BadLink, Issue, render_markdown


def refuse(url: str) -> str:
    raise BadLink(f"broken link {url}")


def render(text: str, resolve_link=refuse):
    return render_markdown(text, resolve_link=resolve_link)


@pytest.mark.parametrize(
    ("source", "absent", "message"),
    [
        ('<script>alert("x")</script>', ["<script", "alert"], "raw HTML <script> will be stripped"),
        (
            '<img src="https://e.org/a.png" onerror="alert(1)">',
            ["onerror", "alert"],
            "raw HTML event handler onerror= on <img> will be stripped",
        ),
        (
            '<a href="javascript:alert(1)">x</a>',
            ["javascript", "alert"],
            "raw HTML link to javascript: will be stripped",
        ),
        (
            '<iframe src="https://evil.example"></iframe>',
            ["<iframe", "evil"],
            "raw HTML <iframe> will be stripped",
        ),
        (
            '<svg onload="alert(1)"></svg>',
            ["<svg", "onload", "alert"],
            "raw HTML <svg> will be stripped",
        ),
        (
            "<style>p { display: none }</style>",
            ["<style", "display"],
            "raw HTML <style> will be stripped",
        ),
        (
            '<form action="https://e.org"><input name="pw"></form>',
            ["<form", "<input"],
            "raw HTML <form> will be stripped",
        ),
        (
            '<p style="position: fixed">x</p>',
            ["style", "fixed"],
            "raw HTML attribute style= on <p> will be stripped",
        ),
    ],
)
def test_raw_html_is_stripped_and_reported(source, absent, message):
    rendered = render(f"Intro.\n\n{source}\n\nAfter.\n")
    for fragment in absent:
        assert fragment not in rendered.html
    assert Issue(3, message, "warning") in rendered.issues
    assert "<p>After.</p>" in rendered.html


def test_markdown_javascript_link_is_removed_with_a_warning():
    rendered = render("Click [here](javascript:alert(1)) now.\n")
    assert "javascript" not in rendered.html
    assert rendered.issues == (Issue(1, "link to javascript: will be removed", "warning"),)


def test_obfuscated_javascript_scheme_is_removed():
    rendered = render('<a href="JaVa&#x09;ScRiPt:alert(1)">x</a>\n')
    assert "alert" not in rendered.html
    assert rendered.issues[0].severity == "warning"


def test_inline_event_handler_in_a_paragraph_is_reported_at_its_line():
    rendered = render('One.\n\nTwo <span onclick="steal()">here</span>.\n')
    assert "onclick" not in rendered.html
    assert "<span>here</span>" in rendered.html
    assert rendered.issues == (
        Issue(3, "raw HTML event handler onclick= on <span> will be stripped", "warning"),
    )


def test_html_shown_as_code_is_escaped_and_not_reported():
    rendered = render("Use `<script>` carefully.\n\n```html\n<script>alert(1)</script>\n```\n")
    assert rendered.issues == ()
    assert "&lt;script&gt;" in rendered.html
    assert "<script" not in rendered.html


def test_harmless_raw_html_is_kept_without_warnings():
    rendered = render(
        '<div lang="ar" dir="rtl">مرحبا <abbr title="Non-governmental">NGO</abbr></div>\n'
    )
    assert rendered.issues == ()
    assert '<div lang="ar" dir="rtl">' in rendered.html
    assert '<abbr title="Non-governmental">' in rendered.html


def test_relative_image_in_raw_html_points_at_course_assets(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "map.png").write_bytes(b"png")
    links = CourseLinks(str(tmp_path), "/courses/c", {})
    rendered = render('<img src="images/map.png" alt="Map" width="300">\n', links)
    assert rendered.issues == ()
    assert 'src="/courses/c/assets/images/map.png"' in rendered.html
    assert 'width="300"' in rendered.html
    assert 'loading="lazy"' in rendered.html


def test_broken_relative_link_in_raw_html_is_an_error_and_dropped(tmp_path):
    links = CourseLinks(str(tmp_path), "/courses/c", {})
    rendered = render('Text.\n\n<img src="../../etc/passwd" alt="x">\n', links)
    assert rendered.issues == (
        Issue(3, "link ../../etc/passwd points outside the course folder", "error"),
    )
    assert "passwd" not in rendered.html
