"""Bulk import of learners from a CSV file: keep the upload, preview, then import.

The file is kept under the instance folder (`IMPORTS_DIR`), keyed by a random id, between
the preview and the confirmation, so the confirming form carries nothing but that id.
`plan` reads the database once per kind of thing (accounts, organisations, cohorts) and
says per row what will happen; `run` does it with set-based inserts, re-planning first, so
importing the same file twice, or confirming twice, changes nothing the second time.
Services add and flush; the view commits.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import enum
import io
import json
import os
import re
import secrets
import shutil
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import func

from learnapp import audit
from learnapp.admin.importfile import ImportFile, Problem, Row, parse
from learnapp.admin.reports import neutralise
from learnapp.auth import service as accounts
from learnapp.auth.names import InvalidName, clean_name
from learnapp.cohorts import service as cohorts
from learnapp.content.model import Course
from learnapp.dbutil import INSERT_BATCH, insert_many
from learnapp.extensions import db
from learnapp.mail import service as mail
from learnapp.models import AuditEvent, Cohort, CohortMember, Organisation, User, now_utc

BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")
KEEP_DAYS = accounts.INVITE_DAYS  # an upload, its result and its links are kept this long
STALE_CLAIM = dt.timedelta(minutes=15)  # 10,000 rows import in seconds
PREVIEW_ROWS = 1000  # rows listed on the preview page (every problem is listed)


class Action(enum.StrEnum):
    NEW = "new"  # a new account, invited (and added to the cohort)
    ENROL = "enrol"  # an existing account added to the cohort and enrolled
    NOTHING = "nothing"  # an existing account, already in the cohort (or no cohort)
    ERROR = "error"  # skipped: `problem` says why


@dataclass(frozen=True)
class Planned:
    """What will happen to one row of the file."""

    line: int
    email: str
    name: str
    action: Action
    organisation: str = ""  # as it will be (an existing account's own)
    cohort: str = ""
    new_organisation: bool = False
    problem: Problem | None = None
    language: str = ""
    organisation_id: int | None = None
    cohort_id: int | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class Plan:
    rows: tuple[Planned, ...]  # in file order, errors included
    file: ImportFile
    cohorts: Mapping[int, Cohort] = field(default_factory=dict)

    def count(self, action: Action) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def problems(self) -> list[Planned]:
        return [row for row in self.rows if row.action == Action.ERROR]


@dataclass(frozen=True)
class Result:
    created: int
    enrolled: int
    unchanged: int
    skipped: int
    invitations_queued: int
    links: int  # invitation links kept for download (no mail server)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Upload:
    id: str
    data: bytes
    filename: str
    actor_id: int
    created_at: dt.datetime
    claimed: bool
    result: Result | None


# The uploaded file, kept between preview and confirmation -----------------------------


def _root() -> Path:
    configured = current_app.config.get("IMPORTS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "imports"


def store(data: bytes, filename: str, actor: User) -> str:
    """Keep an uploaded file for its preview and confirmation; its random id."""
    root = _root()
    root.mkdir(parents=True, exist_ok=True)
    _purge(root)
    batch = secrets.token_urlsafe(16)
    folder = root / batch
    folder.mkdir(mode=0o700)
    (folder / "upload.csv").write_bytes(data)
    meta = {"actor_id": actor.id, "filename": filename[:200], "created_at": now_utc().isoformat()}
    (folder / "meta.json").write_text(json.dumps(meta))
    return batch


def _purge(root: Path) -> None:
    """Forget uploads older than KEEP_DAYS (their links have expired by then)."""
    before = now_utc() - dt.timedelta(days=KEEP_DAYS)
    for folder in root.iterdir():
        try:
            meta = json.loads((folder / "meta.json").read_text())
            if dt.datetime.fromisoformat(meta["created_at"]) < before:
                shutil.rmtree(folder)
        except (OSError, ValueError, KeyError):
            continue


def load(batch: str, viewer: User) -> Upload | None:
    """The upload with this id, if the viewer made it or is an administrator; else None
    (an unknown, malformed or someone else's id alike)."""
    if not BATCH_ID.match(batch or ""):
        return None
    folder = _root() / batch
    try:
        meta = json.loads((folder / "meta.json").read_text())
        data = (folder / "upload.csv").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("actor_id") != viewer.id and not viewer.is_admin:
        return None
    result = None
    if (folder / "result.json").exists():
        result = Result(**json.loads((folder / "result.json").read_text()))
    return Upload(
        batch,
        data,
        meta.get("filename", ""),
        meta["actor_id"],
        dt.datetime.fromisoformat(meta["created_at"]),
        (folder / "claimed").exists(),
        result,
    )


def claim(batch: str) -> bool:
    """Mark the upload as being imported; False if it already is or was (a second confirm).

    A claim left by a process that died mid-import (no result after STALE_CLAIM) may be
    taken again: the import re-plans, so what was committed is not done twice.
    """
    folder = _root() / batch
    try:
        os.mkdir(folder / "claimed")
    except FileExistsError:
        try:
            age = now_utc().timestamp() - (folder / "claimed").stat().st_mtime
        except OSError:
            return False
        if age < STALE_CLAIM.total_seconds() or (folder / "result.json").exists():
            return False
        os.utime(folder / "claimed")  # taken over: the next twin sees a fresh claim
    return True


def release(batch: str) -> None:
    """The import failed and was rolled back: it may be confirmed again."""
    with_claim = _root() / batch / "claimed"
    if with_claim.exists():
        with_claim.rmdir()


def save_result(batch: str, result: Result, links: list[tuple[str, str, str]]) -> None:
    """Keep what the import did, and its invitation links sealed (they open accounts)."""
    folder = _root() / batch
    if links:
        (folder / "links.sealed").write_bytes(_fernet().encrypt(_links_csv(links)))
    (folder / "result.json").write_text(json.dumps(result.as_dict()))


def links_csv(batch: str) -> bytes | None:
    """The invitation links of an import as CSV (UTF-8 with BOM), if it kept any."""
    try:
        return _fernet().decrypt((_root() / batch / "links.sealed").read_bytes())
    except (OSError, InvalidToken):
        return None


def _links_csv(links: list[tuple[str, str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("email", "name", "invitation_link"))
    for email, name, url in links:
        writer.writerow((neutralise(email), neutralise(name), url))
    return ("\ufeff" + out.getvalue()).encode()


def _fernet() -> Fernet:
    key = HKDF(hashes.SHA256(), 32, salt=None, info=b"learnapp import links").derive(
        current_app.config["SECRET_KEY"].encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


# What will happen ---------------------------------------------------------------------


def _error(row: Row, code: str, value: str = "") -> Planned:
    return Planned(
        row.line, row.email, row.name, Action.ERROR, problem=Problem(row.line, code, value)
    )


def _existing(emails: list[str]) -> dict[str, User]:
    found = {}
    for start in range(0, len(emails), INSERT_BATCH):
        chunk = emails[start : start + INSERT_BATCH]
        for user in db.session.scalars(db.select(User).where(func.lower(User.email).in_(chunk))):
            found[user.email.lower()] = user
    return found


def _key(name: str) -> str:
    """How organisation names compare: composed Unicode, any letter case."""
    return unicodedata.normalize("NFC", name).casefold()


def _members(cohort_ids: list[int], user_ids: list[int]) -> set[tuple[int, int]]:
    found = set()
    for start in range(0, len(user_ids), INSERT_BATCH):
        chunk = user_ids[start : start + INSERT_BATCH]
        query = db.select(CohortMember.cohort_id, CohortMember.user_id).where(
            CohortMember.cohort_id.in_(cohort_ids), CohortMember.user_id.in_(chunk)
        )
        found |= {(cohort_id, user_id) for cohort_id, user_id in db.session.execute(query)}
    return found


def plan(
    data: bytes, scope: frozenset[int] | None, languages: tuple[str, ...], default_language: str
) -> Plan:
    """What importing the file would do, row by row, for a viewer of this scope (None: an
    administrator, any organisation; else a partner manager's organisations). Reads only."""
    parsed = parse(data, languages)
    if not parsed.readable:
        return Plan((), parsed)
    organisations = {
        _key(o.name): o
        for o in db.session.scalars(db.select(Organisation).order_by(Organisation.id.desc()))
    }  # the oldest wins when two names differ only in case
    by_id = {o.id: o for o in organisations.values()}
    cohort_names = {row.cohort.lower(): row.cohort for row in parsed.rows if row.cohort}
    found_cohorts = {key: cohorts.by_name(name, scope) for key, name in cohort_names.items()}
    existing = _existing(sorted({row.email_key for row in parsed.rows}))
    cohort_ids = [c.id for c in found_cohorts.values() if c is not None]
    member_ids = [u.id for u in existing.values()]
    members = _members(cohort_ids, member_ids) if cohort_ids and member_ids else set()
    own = sorted(scope or ())

    planned: list[Planned] = [
        Planned(p.line, "", "", Action.ERROR, problem=p) for p in parsed.problems
    ]
    for row in parsed.rows:
        cohort = found_cohorts.get(row.cohort.lower()) if row.cohort else None
        if row.cohort and cohort is None:
            planned.append(_error(row, "no_cohort", row.cohort))
            continue
        user = existing.get(row.email_key)
        cohort_label = cohort.name if cohort else ""
        if user is not None:
            if scope is not None and user.organisation_id not in scope:
                planned.append(_error(row, "not_yours"))
            elif not user.is_active:
                planned.append(_error(row, "inactive"))
            else:
                joins = cohort is not None and (cohort.id, user.id) not in members
                planned.append(
                    Planned(
                        row.line, user.email, user.name,
                        Action.ENROL if joins else Action.NOTHING,
                        organisation=user.organisation.name if user.organisation else "",
                        cohort=cohort_label, cohort_id=cohort.id if cohort else None,
                        user_id=user.id,
                    )
                )  # fmt: skip
            continue
        try:
            name = clean_name(row.name)
        except InvalidName as error:
            planned.append(_error(row, "bad_name", str(error.message)))
            continue
        organisation, new_organisation = None, False
        if row.organisation:
            organisation = organisations.get(_key(row.organisation))
            if scope is not None and (organisation is None or organisation.id not in scope):
                planned.append(_error(row, "not_your_organisation", row.organisation))
                continue
            if organisation is None:
                try:
                    clean_name(row.organisation)
                except InvalidName as error:
                    planned.append(_error(row, "bad_organisation", str(error.message)))
                    continue
                new_organisation = True
        elif scope is not None:
            if len(own) != 1:
                planned.append(_error(row, "organisation_required"))
                continue
            organisation = by_id.get(own[0])
        planned.append(
            Planned(
                row.line, row.email, name, Action.NEW,
                organisation=organisation.name if organisation else row.organisation,
                cohort=cohort_label, new_organisation=new_organisation,
                language=row.language or default_language,
                organisation_id=organisation.id if organisation else None,
                cohort_id=cohort.id if cohort else None,
            )
        )  # fmt: skip
    planned.sort(key=lambda p: p.line)
    known = {c.id: c for c in found_cohorts.values() if c is not None}
    return Plan(tuple(planned), parsed, known)


# Doing it -----------------------------------------------------------------------------


def _course_titles(cohort: Cohort | None, courses: Mapping[str, Course]) -> str:
    if cohort is None:
        return ""
    return ", ".join(
        courses[c.course_slug].title for c in cohort.courses if c.course_slug in courses
    )


def run(
    batch: str,
    data: bytes,
    actor: User,
    scope: frozenset[int] | None,
    *,
    languages: tuple[str, ...],
    courses: Mapping[str, Course],
    link: Callable[[str], str],
    send_mail: bool,
) -> tuple[Result, list[tuple[str, str, str]]]:
    """Import the file: new accounts, cohort memberships and enrolments, invitations (to the
    outbox, or as links to hand over when `send_mail` is off). Re-plans first, so what was
    done already is not done again. Returns the result and the invitation links."""
    planned = plan(data, scope, languages, actor.language)
    new = [row for row in planned.rows if row.action == Action.NEW]
    organisation_ids = {}
    for name in sorted({row.organisation for row in new if row.new_organisation}):
        organisation_ids[name] = accounts.find_or_create_organisation(name).id
    created = accounts.invite_many(
        [
            {
                "email": row.email,
                "name": row.name,
                "organisation_id": organisation_ids.get(row.organisation, row.organisation_id),
                "language": row.language,
            }
            for row in new
        ],
        actor,
    )
    joining = [
        (planned.cohorts[row.cohort_id], row.user_id)
        for row in planned.rows
        if row.action == Action.ENROL
    ] + [
        (planned.cohorts[row.cohort_id], created[row.email.lower()][0])
        for row in new
        if row.cohort_id is not None and row.email.lower() in created
    ]
    joined = cohorts.join_many(joining, courses)

    invited = [row for row in new if row.email.lower() in created]
    links = [(row.email, row.name, link(created[row.email.lower()][1])) for row in invited]
    queued = 0
    if send_mail:
        queued = mail.invitations(
            (
                mail.Invitation(
                    row.email, row.name, row.language, url,
                    _course_titles(planned.cohorts.get(row.cohort_id), courses),
                )
                for row, (_email, _name, url) in zip(invited, links, strict=True)
            ),
            accounts.INVITE_DAYS,
        )  # fmt: skip
    now = now_utc()
    insert_many(
        AuditEvent,
        [
            {
                "actor_id": actor.id,
                "action": "user.invite",
                "target": f"user:{created[row.email.lower()][0]}",
                "reason": "",
                "detail": {"email": row.email, "cohort": row.cohort or None, "import": batch},
                "created_at": now,
            }
            for row in invited
        ],
    )
    enrolled_existing = sum(
        1 for row in planned.rows
        if row.action == Action.ENROL and (row.cohort_id, row.user_id) in joined
    )  # fmt: skip
    result = Result(
        created=len(created),
        enrolled=enrolled_existing,
        unchanged=len(planned.rows) - len(planned.problems) - len(created) - enrolled_existing,
        skipped=len(planned.problems),
        invitations_queued=queued,
        links=0 if send_mail else len(links),
    )
    audit.record(actor, "user.import", f"import:{batch}", "", **result.as_dict())
    db.session.flush()
    return result, [] if send_mail else links
