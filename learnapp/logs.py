"""Log lines that cannot be forged: control characters in a message are escaped."""

from __future__ import annotations

import logging
import re

from flask import Flask

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape(text: str) -> str:
    """`text` on one line: a newline becomes the two characters \\n, and so on."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode(), text)


class OneLine(logging.Filter):
    """Escapes the message of each record, so values put into it cannot start a new line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        escaped = escape(message)
        if escaped != message:
            record.msg, record.args = escaped, None
        return True


def init_app(app: Flask) -> None:
    """Escape what the app's logger and each `learnapp.*` module logger write (idempotent)."""
    prefix = app.logger.name + "."
    names = [name for name in logging.root.manager.loggerDict if name.startswith(prefix)]
    for logger in (app.logger, *map(logging.getLogger, names)):
        if not any(isinstance(f, OneLine) for f in logger.filters):
            logger.addFilter(OneLine())
