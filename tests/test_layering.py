"""The house plan, enforced (docs/architecture.md): which part of learnapp may import which.

- content/ is the pure core: Markdown courses and quizzes, their parsing and grading.
  It imports neither Flask, SQLAlchemy, the models nor any feature.
- models.py and extensions.py are the data layer: they import no feature and no content.
- The features (auth, admin, catalogue, progress, quizzes, certificates, mail, credentials,
  cohorts, xapi) use the content core, the data layer and the shared helpers; another feature
  only through SURFACE.
- A use case that spans features (learnapp.completion), the CLI and the factory sit on
  top and may import anything; of the features, only views may call them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import learnapp

PACKAGE = Path(learnapp.__file__).parent
FEATURES = {
    "auth",
    "admin",
    "catalogue",
    "progress",
    "quizzes",
    "certificates",
    "mail",
    "credentials",
    "cohorts",
    "xapi",
}
WEB = ("flask", "flask_", "sqlalchemy", "werkzeug")
# What one feature may use of another: small, named modules, never views or forms.
SURFACE = {
    "learnapp.catalogue",  # the live catalogue and course lookup
    "learnapp.auth.roles",  # access decorators
    "learnapp.auth.service",  # accounts (the admin manages them)
    "learnapp.auth.names",  # the one rule for a person's or organisation's name
    "learnapp.certificates.service",  # issue, revoke, verify
    "learnapp.certificates.render",  # the pure PDF renderer and its locked fetcher
    "learnapp.progress.service",  # enrolment and progress
    "learnapp.progress.access",  # who may open a step
    "learnapp.progress.rules",  # the pure completion rules
    "learnapp.mail.service",  # e-mail written to the outbox in the caller's transaction
    "learnapp.credentials.badge",  # the pure Open Badges credential, built and signed
    "learnapp.credentials.status",  # the pure status list positions and encoding
    "learnapp.credentials.issuer",  # the issuer's did:web identity and keys
    "learnapp.credentials.verify",  # the pure check of a pasted credential
    "learnapp.cohorts.service",  # cohorts: find, edit, members, a learner's due dates
    "learnapp.cohorts.rules",  # the pure cohort status against a due date
    "learnapp.xapi.service",  # xAPI statements written to their outbox in the caller's transaction
}
ON_TOP = {"learnapp.completion"}
# Pure modules outside content/: no web framework, no database.
PURE_ELSEWHERE = (
    "progress/rules.py",
    "cohorts/rules.py",
    "certificates/render.py",
    "certificates/codes.py",
    "credentials/jsonld.py",
    "credentials/keys.py",
    "credentials/sign.py",
    "credentials/issuer.py",
    "credentials/badge.py",
    "credentials/status.py",
    "credentials/verify.py",
    "xapi/statements.py",
    "admin/importfile.py",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module the file imports (`from a import b` counts b too when it is a module)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if _is_module(candidate):
                    names.add(candidate)
    return names


def _is_module(name: str) -> bool:
    if not name.startswith("learnapp."):
        return False
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _empty_package(name: str) -> bool:
    """`from learnapp.x import service` names the package x too; an empty one is no surface."""
    init = PACKAGE.parent.joinpath(*name.split("."), "__init__.py")
    return init.exists() and not ast.parse(init.read_text(encoding="utf-8")).body[1:]


def ours(names: set[str]) -> set[str]:
    return {name for name in names if name == "learnapp" or name.startswith("learnapp.")}


def feature_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FEATURES else None


MODULES = sorted(PACKAGE.rglob("*.py"))
CONTENT = [p for p in MODULES if p.parent.name == "content"]
FEATURE_MODULES = [p for p in MODULES if feature_of(module_name(p))]


def test_the_plan_covers_real_files():
    assert len(CONTENT) >= 8 and (PACKAGE / "content" / "quiz.py") in CONTENT
    assert {feature_of(module_name(p)) for p in FEATURE_MODULES} == FEATURES
    for relative in PURE_ELSEWHERE:
        assert (PACKAGE / relative).exists(), relative


@pytest.mark.parametrize("path", CONTENT, ids=lambda p: p.name)
def test_content_core_is_pure(path):
    found = imports(path)
    web = {name for name in found if name.split(".")[0].startswith(WEB)}
    outside = {name for name in ours(found) if not name.startswith("learnapp.content")}
    assert not web and not outside, f"{path.name} imports {sorted(web | outside)}"


@pytest.mark.parametrize("relative", PURE_ELSEWHERE)
def test_pure_rules_and_renderer_need_no_web_framework(relative):
    found = imports(PACKAGE / relative)
    web = {name for name in found if name.split(".")[0].startswith(WEB)}
    data = {name for name in found if name in ("learnapp.models", "learnapp.extensions")}
    assert not web and not data, f"{relative} imports {sorted(web | data)}"


def test_models_import_no_feature_and_no_content():
    found = ours(imports(PACKAGE / "models.py"))
    assert found <= {"learnapp.extensions", "learnapp.roles"}, sorted(found)


@pytest.mark.parametrize("path", FEATURE_MODULES, ids=lambda p: module_name(p))
def test_features_use_each_other_only_through_the_surface(path):
    module = module_name(path)
    own = feature_of(module)
    crossing = {
        name
        for name in ours(imports(path))
        if feature_of(name) not in (None, own) and not _empty_package(name)
    }
    assert crossing <= SURFACE, f"{module} reaches into {sorted(crossing - SURFACE)}"


@pytest.mark.parametrize("path", FEATURE_MODULES, ids=lambda p: module_name(p))
def test_only_views_call_the_use_cases_on_top(path):
    on_top = ours(imports(path)) & ON_TOP
    is_view = path.name == "views.py" or path.parent.name == "views"
    assert not on_top or is_view, f"{module_name(path)} imports {on_top}"


TESTS = Path(__file__).parent


@pytest.mark.parametrize(
    "path", sorted(TESTS.rglob("test_*.py")), ids=lambda p: str(p.relative_to(TESTS))
)
def test_test_modules_do_not_import_each_other(path):
    """Shared test helpers live in conftest.py or a helper module, never in a test module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    assert not {name for name in found if name.rsplit(".", 1)[-1].startswith("test_")}
