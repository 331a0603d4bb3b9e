"""`courses check` warns about course files that could run script in a browser (issue 13)."""

from __future__ import annotations

import pytest

from learnapp.content.assets import asset_file
from learnapp.content.loader import load_catalogue

from .helpers import MINIMAL_COURSE

HOSTILE_SVG = """<svg xmlns="http://www.w3.org/2000/svg"
     onload="steal()">
  <script>steal()</script>
  <a xlink:href="java&#x0A;script:steal()"><rect width="9" height="9"/></a>
  <foreignObject><body xmlns="http://www.w3.org/1999/xhtml"/></foreignObject>
  <x:script xmlns:x="http://www.w3.org/1999/xhtml">steal()</x:script>
  <set attributeName="href" to="JavaScript:steal()"/>
  <circle r="4" ONCLICK="steal()"/>
</svg>
"""


def warnings_of(make_tree, files: dict[str, str]) -> list[str]:
    catalogue = load_catalogue(*_dirs(make_tree({**MINIMAL_COURSE, **files})))
    assert list(catalogue.courses) == ["c"], "warnings never keep a course out"
    assert catalogue.errors == ()
    return [str(problem) for problem in catalogue.warnings]


def _dirs(root):
    return root / "courses", root / "quizzes"


def test_svg_with_script_handlers_or_javascript_links_is_warned_about_by_line(make_tree):
    found = warnings_of(make_tree, {"courses/01-c/images/map.svg": HOSTILE_SVG})
    where = "courses/01-c/images/map.svg"
    assert found == [
        f"{where}:1: warning: SVG event handler onload= never runs in a course asset: remove it",
        f"{where}:3: warning: SVG <script> never runs in a course asset: remove it",
        f"{where}:4: warning: SVG link to javascript: never runs in a course asset: remove it",
        f"{where}:5: warning: SVG <foreignObject> may hold HTML and script, which never run"
        " in a course asset: remove it",
        f"{where}:6: warning: SVG <script> never runs in a course asset: remove it",
        f"{where}:7: warning: SVG link to javascript: never runs in a course asset: remove it",
        f"{where}:8: warning: SVG event handler onclick= never runs in a course asset: remove it",
    ]


def test_a_plain_svg_and_other_assets_get_no_warning(make_tree):
    plain = '<svg xmlns="http://www.w3.org/2000/svg"><style>.a{fill:red}</style>'
    plain += '<a href="https://example.org/"><circle class="a" r="4"/></a></svg>\n'
    files = {
        "courses/01-c/images/map.svg": plain,
        "courses/01-c/files/notes.txt": "onload=steal() javascript:steal()",
        "courses/01-c/certificate.html": "<p>{{ name }}</p>",
    }
    assert warnings_of(make_tree, files) == []


def test_html_pages_and_javascript_files_are_warned_about(make_tree):
    files = {
        "courses/01-c/files/page.htm": "<p>hi</p>",
        "courses/01-c/files/page.XHTML": "<p>hi</p>",
        "courses/01-c/files/old-certificate.html": "<p>hi</p>",
        "courses/01-c/files/app.js": "steal()",
        "courses/01-c/files/app.mjs": "steal()",
        "courses/01-c/.git/hooks/x.js": "hidden folders are not content",
    }
    page = (
        "warning: HTML page: course assets are never shown as pages, learners get a download;"
        " write lessons in Markdown"
    )
    script = "warning: JavaScript file: course assets never run as scripts, learners get a download"
    assert warnings_of(make_tree, files) == [
        f"courses/01-c/files/app.js: {script}",
        f"courses/01-c/files/app.mjs: {script}",
        "courses/01-c/files/old-certificate.html: warning: HTML file: only certificate.html"
        " (the certificate template) is used; this one is never served",
        f"courses/01-c/files/page.XHTML: {page}",
        f"courses/01-c/files/page.htm: {page}",
    ]


@pytest.mark.parametrize(
    "path",
    ["01-one.md", "01-one.md/", "01-one.md/.", "x/../01-one.md", "COURSE.MD", "course.md.",
     "course.md::$DATA", "certificate.html", "../01-c/course.md", ".git/config", "a\\b.png",
     "", ".", "/", "images"],
)  # fmt: skip
def test_asset_file_refuses_sources_hidden_files_and_folders(make_tree, path):
    files = {"certificate.html": "x", "images/a.png": "x", ".git/config": "x"}
    root = make_tree({**MINIMAL_COURSE, **{f"courses/01-c/{k}": v for k, v in files.items()}})
    assert asset_file(str(root / "courses" / "01-c"), path) is None


def test_asset_file_finds_assets_however_the_path_is_spelled(make_tree):
    root = make_tree({**MINIMAL_COURSE, "courses/01-c/images/a.png": "x"})
    folder = root / "courses" / "01-c"
    for path in ("images/a.png", "./images/a.png", "images//a.png", "/images/a.png"):
        assert asset_file(str(folder), path) == str((folder / "images" / "a.png").resolve())
