"""Course assets never run script on the app's origin, in Chromium (issue 13).

A trainer's course holds an SVG, HTML pages, XML and JavaScript that, if they ever ran,
would use an administrator's session to make the trainer an administrator. An admin
opens each directly, views the lesson that embeds and links them, and clicks every link;
a page of our origin that the page CSP governs tries to load each as a script. Nothing
runs: no marker request, no dialog, no title change, and the trainer is still a trainer.
"""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import Error as PlaywrightError

from learnapp import create_app
from learnapp.auth import service
from learnapp.extensions import db
from learnapp.models import Role, User
from learnapp.security import CONTENT_SECURITY_POLICY
from tests.browser.conftest import LiveServer, log_in
from tests.catalogue import hostile_assets
from tests.conftest import PASSWORD, POSTGRES_URL, base_config

pytestmark = pytest.mark.browser
ASSETS = f"/courses/{hostile_assets.SLUG}/assets"
LESSON = f"/courses/{hostile_assets.SLUG}/gallery"
SETTLE_MS = 400  # time for a script that did run to make its requests
# A one-page PDF (PDFium repairs the missing cross-reference table).
HANDOUT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


class HostileSite:
    def __init__(self, server: LiveServer, admin_email: str, trainer_id: int):
        self.server, self.url = server, server.url
        self.admin_email, self.trainer_id = admin_email, trainer_id

    def roles(self) -> dict[str, str]:
        """Every account's role, read from the database."""
        with self.server.app.app_context():
            rows = db.session.execute(db.select(User.email, User.role)).all()
            db.session.remove()
        return {email: str(role) for email, role in rows}


@pytest.fixture(scope="module")
def site(template_database, tmp_path_factory):
    """The hostile course on its own live server, with an admin and the trainer it targets."""
    folder = tmp_path_factory.mktemp("hostile-assets")
    if POSTGRES_URL:
        database_url = POSTGRES_URL
    else:
        shutil.copyfile(template_database, folder / "live.db")
        database_url = f"sqlite:///{folder / 'live.db'}"
    (folder / "courses").mkdir()
    (folder / "quizzes").mkdir()
    config = base_config(database_url, folder)
    config.update(COURSES_DIR=str(folder / "courses"), QUIZZES_DIR=str(folder / "quizzes"))
    app = create_app(config)
    with app.app_context():
        admin = service.create_user(
            email="asset-admin@example.org", name="Admin", password=PASSWORD, role=Role.ADMIN
        )
        trainer = service.create_user(
            email="asset-trainer@example.org", name="Trainer", password=PASSWORD, role="trainer"
        )
        db.session.commit()
        admin_email, trainer_id = admin.email, trainer.id
        db.session.remove()
    course = hostile_assets.write(folder / "courses", victim_id=trainer_id)
    (course / "files" / "handout.pdf").write_bytes(HANDOUT)
    with LiveServer(app) as server:
        yield HostileSite(server, admin_email, trainer_id)
    with app.app_context():
        for email in (admin_email, "asset-trainer@example.org"):
            db.session.execute(db.delete(User).where(User.email == email))
        db.session.commit()
        db.engine.dispose()


class AdminTab:
    """An administrator's browser tab that records dialogs and requests to the marker URL."""

    def __init__(self, browser, site: HostileSite):
        self.context = browser.new_context(accept_downloads=True)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.base_url = site.url
        self.markers: list[str] = []
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.context.on("request", self._request)
        self.page.on("dialog", self._dialog)
        self.page.on("console", lambda message: self.console.append(message.text))

    def _request(self, request) -> None:
        if hostile_assets.MARKER in request.url or "/account" in request.url:
            self.markers.append(request.url)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def go(self, path: str):
        return self.page.goto(self.base_url + path)

    def open_directly(self, path: str) -> bool:
        """Open an asset as if its URL were typed in; True if the browser saved it instead."""
        downloads = []
        self.page.once("download", lambda download: downloads.append(download))
        try:
            self.go(path)
        except PlaywrightError as error:
            if "Download is starting" not in str(error):
                raise
        self.page.wait_for_timeout(SETTLE_MS)
        return bool(downloads)

    def pwned(self):
        return self.page.evaluate("window.pwned")


@pytest.fixture
def admin_tab(browser, site):
    roles_before = site.roles()
    tab = AdminTab(browser, site)
    log_in(tab, site.admin_email)
    yield tab
    tab.context.close()
    assert tab.markers == [], "a hostile script ran"
    assert tab.dialogs == []
    assert site.roles() == roles_before
    assert site.roles()["asset-trainer@example.org"] == "trainer"


@pytest.mark.parametrize("path", hostile_assets.SCRIPT_FILES)
def test_a_hostile_asset_opened_directly_runs_no_script(admin_tab, path):
    saved = admin_tab.open_directly(f"{ASSETS}/{path}")
    assert saved, "served as a download, never shown as a document of our origin"
    assert admin_tab.pwned() is None
    assert admin_tab.markers == [] and admin_tab.dialogs == []


def test_an_svg_drawing_shows_in_a_lesson_but_downloads_when_opened(admin_tab):
    admin_tab.go(LESSON)
    images = admin_tab.page.locator(".prose img")
    for image in images.all():  # lazy-loaded: each loads once scrolled to
        image.scroll_into_view_if_needed()
        image.evaluate("i => i.decode().catch(() => null)")
    sizes = images.evaluate_all("all => all.map(i => [i.alt, i.naturalWidth])")
    assert ["A harmless diagram", 240] in sizes and ["A hostile drawing", 120] in sizes
    assert admin_tab.open_directly(f"{ASSETS}/images/diagram.svg")


def test_a_pdf_handout_still_opens_in_chromiums_viewer(admin_tab):
    # The sandbox keeps plugins out of HTML documents, not Chromium's PDF viewer.
    assert not admin_tab.open_directly(f"{ASSETS}/files/handout.pdf")
    frames = [frame.url for frame in admin_tab.page.frames]
    assert any(url.startswith("chrome-extension://") for url in frames), frames


def test_the_lesson_that_embeds_and_links_hostile_assets_runs_no_script(admin_tab):
    page = admin_tab.page
    admin_tab.go(LESSON)
    page.wait_for_load_state("load")
    title = page.title()
    for path in hostile_assets.SCRIPT_FILES:
        with page.expect_download():
            page.get_by_role("link", name=path).click()
        page.wait_for_timeout(SETTLE_MS)
        assert page.title() == title
        assert admin_tab.pwned() is None


def test_the_page_csp_never_runs_a_course_asset_as_script_or_style(admin_tab):
    """A page of our origin under our CSP (as if HTML had been smuggled in) loads each
    asset as a script, a module and a stylesheet: Chromium refuses every one."""
    scripts = "".join(
        f'<script src="{ASSETS}/{path}"></script><script type="module" src="{ASSETS}/{path}">'
        "</script>"
        for path in (*hostile_assets.SCRIPT_FILES, "files/style.css", "images/dot.png")
    )
    html = (
        "<!doctype html><title>probe</title>"
        f'<link rel="stylesheet" href="{ASSETS}/files/style.css">'
        f'<script src="/__probe__/control.js"></script>{scripts}<p>probe</p>'
    )
    page = admin_tab.page
    page.route(
        f"{admin_tab.base_url}/__probe__/page",
        lambda route: route.fulfill(
            body=html,
            content_type="text/html",
            headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY},
        ),
    )
    page.route(  # a same-origin script the page CSP allows: proves scripts can run here
        f"{admin_tab.base_url}/__probe__/control.js",
        lambda route: route.fulfill(body="window.control = 1;", content_type="text/javascript"),
    )
    admin_tab.go("/__probe__/page")
    page.wait_for_load_state("load")
    page.wait_for_timeout(SETTLE_MS)
    assert page.evaluate("window.control") == 1
    assert admin_tab.pwned() is None and page.title() == "probe"
    refused = [text for text in admin_tab.console if "MIME type" in text]
    assert any("payload.js" in text for text in refused), admin_tab.console
    assert any("style.css" in text for text in refused), admin_tab.console
