"""Flask extensions, created unbound and bound in create_app()."""

import sqlite3
import time

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
compress = Compress()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL, a busy timeout and enforced foreign keys for every SQLite connection."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# A pooled connection idle this long is tested before use, so that one broken meanwhile (a
# database restart, a firewall's idle timeout) is replaced instead of failing the request.
# One in steady use is not: pool_pre_ping cost a round trip on every request (issue 18).
PING_AFTER_IDLE_SECONDS = 10.0


@event.listens_for(Pool, "checkin")
def _note_idle(_dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    idle_since = record.info.get("idle_since")
    if idle_since is not None and time.monotonic() - idle_since >= PING_AFTER_IDLE_SECONDS:
        ping(dbapi_connection)


def ping(dbapi_connection) -> None:
    """One round trip; DisconnectionError (the pool connects afresh) if it fails."""
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    except Exception as error:  # noqa: BLE001 - whatever broke it, a new connection is due
        raise exc.DisconnectionError(str(error)) from error
