"""`learnapp doctor` says what a node needs before it serves, and fails when it cannot."""

import shutil
from types import SimpleNamespace

import pytest
from flask import Flask

from learnapp import create_app, doctor
from learnapp.cli import main
from learnapp.server import warn_if_certificates_slow
from tests.conftest import SITE_COURSES, SITE_QUIZZES, base_config

STRONG_KEY = "0123456789abcdef" * 4


@pytest.fixture(autouse=True)
def _shared_key(monkeypatch):
    monkeypatch.setenv("LEARNAPP_SECRET_KEY", STRONG_KEY)


@pytest.fixture
def config_overrides() -> dict:
    return {"SECRET_KEY": STRONG_KEY}


def _doctor(app):
    return app.test_cli_runner().invoke(main, ["doctor"])


def test_doctor_passes_on_a_ready_node(runner):
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    for name in ("database", "migrations", "secret key", "fonts", "content", "rate limits"):
        assert f"ok       {name}:" in result.output
    assert "Ready to serve" in result.output


def test_doctor_fails_on_a_database_without_migrations(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path))
    result = _doctor(app)
    assert result.exit_code == 1
    assert "FAILED   migrations: the database has no tables yet" in result.output
    assert "learnapp db upgrade" in result.output


def test_doctor_fails_when_the_database_does_not_answer(tmp_path):
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    app = create_app(base_config(url, tmp_path))
    result = _doctor(app)
    assert result.exit_code == 1
    assert "FAILED   database: postgresql+psycopg://nobody@127.0.0.1:1/none" in result.output
    assert "FAILED   migrations: not checked" in result.output


def test_doctor_names_content_errors_and_the_command_that_lists_them(tmp_path):
    courses = tmp_path / "courses"
    shutil.copytree(SITE_COURSES, courses)
    (courses / "01-basics" / "course.md").write_text("---\ntitle: [unclosed\n---\n")
    app = create_app(
        {
            **base_config("sqlite://", tmp_path),
            "COURSES_DIR": str(courses),
            "QUIZZES_DIR": str(SITE_QUIZZES),
        }
    )
    with app.app_context():
        check = doctor.check_content(app)
    assert check.status == "failure"
    assert "course(s) not served" in check.detail and "01-basics/course.md" in check.detail
    assert "learnapp courses check" in check.fix


def _node(tmp_path, **config) -> Flask:
    app = Flask(__name__, instance_path=str(tmp_path))
    app.config.update(config)
    return app


def test_a_generated_secret_key_is_a_warning_alone_and_a_failure_beside_redis(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("LEARNAPP_SECRET_KEY")
    (tmp_path / "secret_key").write_text("generated-on-this-node\n")
    alone = _node(tmp_path, SECRET_KEY="generated-on-this-node")
    assert doctor.check_secret_key(alone).status == "warning"
    several = _node(
        tmp_path,
        SECRET_KEY="generated-on-this-node",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
    )
    check = doctor.check_secret_key(several)
    assert check.status == "failure"
    assert "LEARNAPP_SECRET_KEY" in check.fix


def test_a_short_shared_secret_key_is_a_warning(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNAPP_SECRET_KEY", "short")
    assert doctor.check_secret_key(_node(tmp_path, SECRET_KEY="short")).status == "warning"


def test_an_unreachable_redis_is_a_failure(tmp_path):
    node = _node(tmp_path, RATELIMIT_STORAGE_URI="redis://:secret@127.0.0.1:1/0")
    check = doctor.check_rate_limit_storage(node)
    assert check.status == "failure"
    assert "secret" not in check.detail


def test_rate_limits_counted_in_each_worker_are_a_warning(tmp_path):
    check = doctor.check_rate_limit_storage(_node(tmp_path, RATELIMIT_STORAGE_URI="memory://"))
    assert check.status == "warning" and "each worker" in check.detail
    shared = doctor.check_rate_limit_storage(_node(tmp_path, RATELIMIT_STORAGE_URI="database://"))
    assert shared.status == "ok"


def test_the_default_base_url_is_a_warning(tmp_path):
    check = doctor.check_base_url(_node(tmp_path, BASE_URL="http://127.0.0.1:5000"))
    assert check.status == "warning" and "verification link" in check.detail


def test_missing_fonts_are_a_failure(tmp_path):
    (tmp_path / "fonts").mkdir()
    check = doctor.check_fonts(_node(tmp_path, STATIC_DIR=str(tmp_path)))
    assert check.status == "failure" and "NotoSerif-Regular.ttf" in check.detail


def test_missing_harfbuzz_subset_is_a_warning_in_doctor_and_in_the_server_log(monkeypatch):
    monkeypatch.setattr(doctor, "harfbuzz_subset_available", lambda: False)
    check = doctor.check_harfbuzz()
    assert check.status == "warning" and "libharfbuzz-subset0" in check.fix
    logged = []
    server = SimpleNamespace(log=SimpleNamespace(warning=lambda *args: logged.append(args)))
    warn_if_certificates_slow(server)
    assert logged and "8 times" in logged[0][1]


def test_the_issuer_key_is_checked(tmp_path, monkeypatch):
    from learnapp.credentials import keys

    monkeypatch.delenv("LEARNAPP_ISSUER_KEY", raising=False)
    generated = keys.load_or_create(str(tmp_path))
    assert (tmp_path / "issuer_key").stat().st_mode & 0o777 == 0o600
    assert keys.load_or_create(str(tmp_path)) == generated  # created once
    config = {"ISSUER": "LearningAlliance", "BASE_URL": "https://learn.example.org"}
    alone = doctor.check_issuer_key(_node(tmp_path, ISSUER_KEY=generated, **config))
    assert alone.status == "ok" and "did:web:learn.example.org#z6Mk" in alone.detail
    several = _node(tmp_path, ISSUER_KEY=generated, RATELIMIT_STORAGE_URI="redis://x", **config)
    assert doctor.check_issuer_key(several).status == "failure"
    broken = doctor.check_issuer_key(_node(tmp_path, ISSUER_KEY="not-a-key", **config))
    assert broken.status == "failure" and "LEARNAPP_ISSUER_KEY" in broken.fix
    assert "multibase" in broken.detail
