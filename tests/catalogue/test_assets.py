"""Course assets can never run script on the app's origin, nor leak lesson sources (issue 13)."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.catalogue import hostile_assets
from tests.conftest import SITE_COURSES, SITE_QUIZZES

ASSETS = f"/courses/{hostile_assets.SLUG}/assets"
# The essence of every JavaScript MIME type (WHATWG MIME Sniffing §4.6) and the other types
# a browser would run as a document: none may ever label a course asset.
SCRIPT_TYPES = {
    "application/ecmascript", "application/javascript", "application/x-ecmascript",
    "application/x-javascript", "text/ecmascript", "text/javascript", "text/javascript1.0",
    "text/javascript1.1", "text/javascript1.2", "text/javascript1.3", "text/javascript1.4",
    "text/javascript1.5", "text/jscript", "text/livescript", "text/x-ecmascript",
    "text/x-javascript", "text/html", "application/xhtml+xml", "application/xml", "text/xml",
    "text/css", "application/json",
}  # fmt: skip
# Other kinds of file a trainer may put next to the lessons.
MORE_FILES = {
    "images/photo.jpg": b"\xff\xd8\xff\xe0",
    "files/notes.txt": b"Notes\n",
    "files/handout.pdf": b"%PDF-1.4\n%%EOF\n",
    "media/clip.mp3": b"ID3",
    "media/clip.mp4": b"\x00\x00\x00\x18ftypmp42",
    "files/data.json": b'{"a": 1}\n',
    "files/unknown.xyz": b"<script>alert(1)</script>",
    "files/README": b"<script>alert(1)</script>",
}


@pytest.fixture
def config_overrides(tmp_path):
    shutil.copytree(SITE_COURSES, tmp_path / "courses")
    shutil.copytree(SITE_QUIZZES, tmp_path / "quizzes")
    folder = hostile_assets.write(tmp_path / "courses")
    for relative, data in MORE_FILES.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
    (folder / "images" / ".hidden.png").write_bytes(b"secret")
    source = (folder / "02-second.md").read_bytes()
    for backup in ("02-second.md~", "02-second.md.bak", "02-second.md.orig", "#02-second.md#"):
        (folder / backup).write_bytes(source)  # what editors and merges leave behind
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text("[remote]\n")
    (tmp_path / "outside.png").write_bytes(b"outside the course")
    os.symlink("../02-second.md", folder / "images" / "second.png")
    os.symlink(tmp_path / "outside.png", folder / "images" / "outside.png")
    return {"COURSES_DIR": str(tmp_path / "courses"), "QUIZZES_DIR": str(tmp_path / "quizzes")}


# Item 2: lesson sources and templates are never assets, however the path is spelled.

HIDDEN = [
    "02-second.md",
    "02-second.md/",
    "02-second.md/.",
    "02-second.md//",
    "./02-second.md",
    ".//02-second.md",
    "images/../02-second.md",
    "images/./../02-second.md",
    "images//../02-second.md",
    "course.md",
    "course.md/.",
    "course.md/./",
    "certificate.html",
    "certificate.html/",
    "certificate.html/.",
    "02-second.md%2f",
    "02-second.md%2F",
    "images%2f..%2f02-second.md",
    "%2e/02-second.md",
    "%2E%2F02-second.md",
    "02-second%2emd",
    "02-second.md%2f%2e",
    "images/%2e%2e/02-second.md",
    "02-second.md%252f",
    "images%252f..%252f02-second.md",
    "02-second.md\\",
    "images\\..\\02-second.md",
    ".\\02-second.md",
    "COURSE.MD",
    "02-Second.Md",
    "Certificate.HTML",
    "CERTIFICATE.HTML/",
    "course.md.",
    "course.md%20",
    "course.md;.png",
    "course.md?.png",
    "course.md#.png",
    "images/second.png",  # a symbolic link to a lesson
    "images/outside.png",  # a symbolic link out of the course folder
    "images/.hidden.png",
    "02-second.md~",
    "02-second.md.bak",
    "02-second.md.orig",
    "%2302-second.md%23",
    ".git/config",
    "images/",
    ".",
    "..",
    "../01-basics/course.md",
    "..%2f01-basics%2fcourse.md",
    "%2e%2e/01-basics/course.md",
]


@pytest.mark.parametrize("path", HIDDEN)
@pytest.mark.parametrize("role", [None, "learner"])
def test_lesson_sources_and_templates_are_404_in_every_spelling(client, login_as, role, path):
    if role:
        login_as(role)
    with client.get(f"{ASSETS}/{path}", follow_redirects=True) as response:
        body = response.get_data()
        assert response.status_code == 404, body[:200]
    assert b"secret of the locked" not in body and b"Template {{" not in body


@pytest.mark.parametrize("path", ["02-second.md%00", "02-second.md%00.png", "course.md/%00"])
def test_a_nul_in_an_asset_path_is_refused(client, path):
    # A NUL is refused app-wide with 400 (security.refuse_nul_characters) before any view.
    with client.get(f"{ASSETS}/{path}") as response:
        assert response.status_code == 400
        assert b"secret of the locked" not in response.get_data()


def test_ordinary_assets_are_still_served(client):
    for path in ("images/dot.png", "images/./dot.png", "./images/dot.png"):
        with client.get(f"{ASSETS}/{path}") as response:
            assert response.status_code == 200
            assert response.get_data() == hostile_assets.PNG.read_bytes()


def test_a_draft_course_assets_are_never_stored_by_shared_caches(client, login_as):
    login_as("trainer")  # drafts are for staff: a proxy must not hand them to anyone else
    draft = "/courses/draft-notes/assets/images/dot.png"
    with client.get(draft) as response:
        assert response.status_code == 200
        assert response.cache_control.private and not response.cache_control.public
    with client.get(f"{ASSETS}/images/dot.png") as published:
        assert published.cache_control.public and published.cache_control.max_age == 86400


# Item 1: assets are files, never documents or scripts of this origin.

SHOWN = {
    "images/dot.png": "image/png",
    "images/photo.jpg": "image/jpeg",
    "files/notes.txt": "text/plain",
    "files/handout.pdf": "application/pdf",
    "media/clip.mp3": "audio/mpeg",
    "media/clip.mp4": "video/mp4",
}
DOWNLOADED = {
    "images/diagram.svg": "image/svg+xml",
    "images/evil.svg": "image/svg+xml",
    "files/page.htm": "application/octet-stream",
    "files/page.xhtml": "application/octet-stream",
    "files/data.xml": "application/octet-stream",
    "files/payload.js": "application/octet-stream",
    "files/payload.mjs": "application/octet-stream",
    "files/style.css": "application/octet-stream",
    "files/data.json": "application/octet-stream",
    "files/unknown.xyz": "application/octet-stream",
    "files/README": "application/octet-stream",
}


def _assert_locked_down(response) -> None:
    policy = [part.strip() for part in response.headers["Content-Security-Policy"].split(";")]
    assert policy[:2] == ["sandbox", "default-src 'none'"]
    assert not any("script" in part or "allow-" in part for part in policy)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.mimetype not in SCRIPT_TYPES


@pytest.mark.parametrize("path, mimetype", SHOWN.items(), ids=SHOWN.keys())
def test_images_media_pdf_and_text_are_shown_but_locked_down(client, path, mimetype):
    with client.get(f"{ASSETS}/{path}") as response:
        assert response.status_code == 200
        assert response.mimetype == mimetype
        assert response.headers.get("Content-Disposition", "inline").startswith("inline")
        _assert_locked_down(response)


@pytest.mark.parametrize("path, mimetype", DOWNLOADED.items(), ids=DOWNLOADED.keys())
def test_svg_html_scripts_and_unknown_files_are_downloads(client, path, mimetype):
    with client.get(f"{ASSETS}/{path}") as response:
        assert response.status_code == 200
        assert response.mimetype == mimetype
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert os.path.basename(path) in disposition
        _assert_locked_down(response)


def test_a_not_modified_answer_keeps_the_asset_headers(client):
    with client.get(f"{ASSETS}/files/payload.js") as first:
        etag = first.headers["ETag"]
    with client.get(f"{ASSETS}/files/payload.js", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304
        _assert_locked_down(again)
