"""The one Markdown renderer: extensions, headings, and links rewritten to app URLs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from learnapp.content.links import CourseLinks
from learnapp.content.markdown import FileRenderer, Issue, render_markdown


@pytest.fixture
def links(tmp_path: Path) -> CourseLinks:
    folder = tmp_path / "01-course"
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "map.png").write_bytes(b"png")
    (folder / "images" / "my map.png").write_bytes(b"png")
    (folder / ".secret").write_text("x")
    (folder / "01-intro.md").write_text("# Intro\n")
    (folder / "02-the-academic-cooperation-project.md").write_text("# ACPP\n")
    (tmp_path / "outside.txt").write_text("x")
    return CourseLinks(
        str(folder),
        "/courses/course",
        {
            "01-intro.md": "intro",
            "02-the-academic-cooperation-project.md": "the-academic-cooperation-project",
        },
    )


def render(text: str, links: CourseLinks, **options):
    return render_markdown(text, resolve_link=links, **options)


def test_tables_keep_column_alignment(links):
    html = render("| a | b |\n|:--|--:|\n| 1 | 2 |\n", links).html
    assert '<th align="left">a</th>' in html
    assert '<td align="right">2</td>' in html


def test_footnotes_keep_their_ids_and_links(links):
    html = render("Text[^1].\n\n[^1]: The note.\n", links).html
    assert '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1"' in html
    assert '<li id="fn:1">' in html


def test_admonitions_and_details_keep_their_classes(links):
    html = render('!!! note "Remember"\n    Body.\n\n??? tip "More"\n    Hidden.\n', links).html
    assert '<div class="admonition note">' in html
    assert '<p class="admonition-title">Remember</p>' in html
    assert '<details class="tip">' in html
    assert "<summary>More</summary>" in html


def test_definition_lists_code_and_strikethrough(links):
    html = render("Term\n:   Meaning\n\n~~old~~\n\n```python\nx = '<b>'\n```\n", links).html
    assert "<dl>\n<dt>Term</dt>\n<dd>Meaning</dd>\n</dl>" in html
    assert "<del>old</del>" in html
    assert "<code class=\"language-python\">x = '&lt;b&gt;'</code>" in html


def test_headings_get_anchors_without_permalinks(links):
    html = render("## Who took part\n\n## عنوان\n", links).html
    assert '<h2 id="who-took-part">Who took part</h2>' in html
    assert '<h2 id="عنوان">عنوان</h2>' in html
    assert "¶" not in html


def test_first_hash_heading_becomes_the_title_and_leaves_the_body(links):
    rendered = render("# The *BMU* &amp; you\n\nText.\n\n## Part\n", links, take_title=True)
    assert rendered.title == "The BMU & you"
    assert "<h1" not in rendered.html
    assert '<h2 id="part">Part</h2>' in rendered.html


def test_body_headings_are_shifted_so_the_highest_is_h2(links):
    html = render("# Part one\n\n## Detail\n", links).html
    assert '<h2 id="part-one">Part one</h2>' in html
    assert '<h3 id="detail">Detail</h3>' in html


def test_headings_already_at_h2_are_left_alone(links):
    html = render("## Part\n\n###### Deep\n", links).html
    assert "<h2" in html
    assert "<h6" in html


def test_link_to_another_lesson_file_becomes_its_url(links):
    rendered = render("[next](02-the-academic-cooperation-project.md#aim)", links)
    assert 'href="/courses/course/the-academic-cooperation-project#aim"' in rendered.html
    assert rendered.issues == ()


def test_link_to_a_renumbered_lesson_still_finds_it_by_slug(links):
    assert (
        'href="/courses/course/the-academic-cooperation-project"'
        in render("[next](07-the-academic-cooperation-project.md)", links).html
    )


def test_link_to_course_md_is_the_course_overview(links):
    assert 'href="/courses/course"' in render("[overview](course.md)", links).html


def test_images_and_other_files_point_at_course_assets(links):
    html = render("![Map](images/map.png)\n\n[map](./images/my%20map.png)", links).html
    assert 'src="/courses/course/assets/images/map.png"' in html
    assert 'href="/courses/course/assets/images/my%20map.png"' in html


def test_images_are_lazy(links):
    html = render("![Map](images/map.png)", links).html
    assert 'loading="lazy"' in html
    assert 'decoding="async"' in html
    assert 'alt="Map"' in html


def test_every_process_writes_an_image_the_same_way():
    # nh3's order for the attributes it adds varies per process; workers must agree.
    code = (
        'from learnapp.content.sanitize import clean; print(clean(\'<img src="a.png" alt="A">\'))'
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(8)
    }
    assert outputs == {'<img src="a.png" alt="A" loading="lazy" decoding="async">\n'}


def test_external_mail_and_anchor_links_are_left_as_they_are(links):
    html = render(
        "[a](https://example.org/x?a=1) [b](http://e.org) [c](mailto:a@b.org) [d](#top)", links
    ).html
    assert 'href="https://example.org/x?a=1"' in html
    assert 'href="http://e.org"' in html
    assert 'href="mailto:a@b.org"' in html
    assert 'href="#top"' in html


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("[x](../outside.txt)", "link ../outside.txt points outside the course folder"),
        (
            "[x](images/../../outside.txt)",
            "link images/../../outside.txt points outside the course folder",
        ),
        (
            "[x](/etc/passwd)",
            "link /etc/passwd is an absolute path: use a path relative to the course",
        ),
        ("![x](images/none.png)", "broken link images/none.png: no such file in the course folder"),
        ("[x](images)", "link images points at a folder, not a file"),
        ("[x](.secret)", "link .secret points at a hidden file"),
        ("[x](http://[::1)", "link http://[::1 is not a valid URL"),
    ],
)
def test_bad_relative_links_are_errors_and_are_dropped(links, source, message):
    rendered = render(f"Intro.\n\n{source}\n", links)
    assert rendered.issues == (Issue(3, message, "error"),)
    assert "href" not in rendered.html
    assert "src" not in rendered.html


def test_bad_link_is_removed_from_the_html(links):
    html = render("[secret](../outside.txt)", links).html
    assert html == "<p><span>secret</span></p>"


def test_reference_style_link_is_reported_at_its_definition(links):
    rendered = render("See [the map][m].\n\n[m]: images/none.png\n", links)
    assert [issue.line for issue in rendered.issues] == [3]


def test_the_same_bad_link_twice_is_reported_at_each_line(links):
    rendered = render("[a](nope.md)\n\n[b](nope.md)\n", links)
    assert [issue.line for issue in rendered.issues] == [1, 3]


def test_inline_rendering_drops_the_paragraph(links):
    assert render("Yes, *really*", links, inline=True).html == "Yes, <em>really</em>"


def test_file_renderer_reports_lines_of_the_file(links):
    rendered, problems = FileRenderer("courses/01-course/01-intro.md", links)(
        "Text.\n\n[x](missing.png)\n", line=5
    )
    assert [str(problem) for problem in problems] == [
        "courses/01-course/01-intro.md:7: broken link missing.png:"
        " no such file in the course folder"
    ]
    assert "<span>x</span>" in rendered.html


DOCUMENTS = [
    "# Title\n\nText[^1] and [a ref][r].\n\n[^1]: A note.\n\n[r]: 01-intro.md\n",
    '## Same\n\n## Same\n\n!!! note "N"\n    - a\n\n        b\n\n'
    '<div>raw <a href="images/map.png">x</a></div>\n',
    "- one\n    - two\n\n1. three\n\n```python\nx = 1\n```\n\n"
    "???+ tip\n    Open.\n\nTerm\n:   Def\n",
    "Again[^1], and [the same ref][r] undefined here.\n\n[^1]: Another note.\n\n## Same\n",
    "# " + "*" * 3000 + "x" + "*" * 3000 + "\n",  # a RecursionError: that instance is dropped
    "> quote\n>\n> - in a list\n\n| a | b |\n|--|--|\n| 1 | 2 |\n\n[bad](javascript:x)\n",
]


def fresh(text: str, links: CourseLinks, **options):
    """Rendered in a thread of its own, so with a Markdown instance of its own."""
    import threading

    out = []
    thread = threading.Thread(target=lambda: out.append(render(text, links, **options)))
    thread.start()
    thread.join()
    return out[0]


@pytest.mark.parametrize("take_title", [False, True])
def test_a_reused_markdown_renders_each_document_as_a_fresh_one(links, take_title):
    """The thread's Markdown instance is reset between documents: no footnote, reference,
    heading id or parser state of one document leaks into the next."""
    in_sequence = [render(text, links, take_title=take_title) for text in DOCUMENTS * 2]
    alone = [fresh(text, links, take_title=take_title) for text in DOCUMENTS * 2]
    assert in_sequence == alone


def test_a_render_stopped_by_its_deadline_leaves_the_next_one_intact(links):
    import time

    from learnapp.content.deadline import OutOfTime, deadline

    slow = "".join(">" * depth + " [x](y " + "\n" for depth in range(1, 98)) * 40
    with pytest.raises(OutOfTime), deadline(time.monotonic() + 0.02):
        render(slow, links)
    assert [render(text, links) for text in DOCUMENTS] == [fresh(t, links) for t in DOCUMENTS]
