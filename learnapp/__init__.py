"""LearnApp: the e-learning platform of LearningAlliance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from learnapp import config

if TYPE_CHECKING:  # imported by the functions: the content core imports this package too
    from flask import Flask


def create_app(overrides: dict | None = None) -> Flask:
    """Assemble the application: configuration, extensions, blueprints, CLI, error pages."""
    # Imported here, not with the package: `learnapp courses check` and the like import
    # learnapp.* without building the app, and need none of this.
    from werkzeug.middleware.proxy_fix import ProxyFix

    from learnapp import assets, caching, catalogue, errors, i18n, logs, ratelimit, security
    from learnapp.extensions import babel, compress, csrf, db, login_manager

    app = configured_app(overrides)
    if proxies := int(app.config["TRUSTED_PROXIES"]):
        # Behind nginx: the client's address and scheme come from the proxy's headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    db.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    ratelimit.init_app(app)
    compress.init_app(app)
    assets.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    caching.init_app(app)
    catalogue.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.do")

    from learnapp.admin.views import bp as admin_bp
    from learnapp.auth.views import bp as auth_bp
    from learnapp.catalogue.views import bp as catalogue_bp
    from learnapp.certificates.views import bp as certificates_bp
    from learnapp.credentials.views import bp as credentials_bp
    from learnapp.health import bp as health_bp
    from learnapp.mail.views import bp as mail_bp
    from learnapp.progress.views import bp as progress_bp
    from learnapp.quizzes.views import bp as quizzes_bp

    blueprints = (
        auth_bp,
        admin_bp,
        health_bp,
        mail_bp,
        certificates_bp,
        credentials_bp,
        quizzes_bp,
        progress_bp,
        catalogue_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    logs.init_app(app)  # last: the views' modules have created their loggers by now
    return app


def configured_app(overrides: dict | None = None) -> Flask:
    """The app with its configuration and nothing else: what create_app() starts from, and
    all that `learnapp --app … courses check` and the like need."""
    from flask import Flask

    app = Flask(
        __name__,
        instance_path=str(config.INSTANCE_DIR),
        static_folder=str(config.PROJECT_ROOT / "static"),
    )
    config.configure(app, overrides)
    return app


def init_migrations(app: Flask) -> Flask:
    """Bind Flask-Migrate for the `db` commands and the doctor's check.

    Not in create_app(): it imports Alembic (~0.1 s and ~10 MiB per process), which
    serving never needs.
    """
    from flask_migrate import Migrate

    from learnapp.extensions import db

    if "migrate" not in app.extensions:
        Migrate(app, db, directory=str(config.PROJECT_ROOT / "migrations"), render_as_batch=True)
    return app
