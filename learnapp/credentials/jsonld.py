"""JSON-LD contexts from the package, never from the network.

Canonicalising a document loads the contexts it names. Fetching them at sign or verify
time would let a pasted credential make the server call any URL (SSRF) and make every
signature depend on a third-party server being up; so the contexts we use are vendored
in contexts/ (sources in contexts/SOURCES.md) and any other URL is refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

CONTEXTS_DIR = Path(__file__).parent / "contexts"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXT_FILES = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-v3p0-context-3.0.3.json",
}


class UnknownContext(ValueError):
    """A document names a JSON-LD context we do not ship."""


@cache
def vendored_context(url: str) -> dict:
    return json.loads((CONTEXTS_DIR / CONTEXT_FILES[url]).read_text(encoding="utf-8"))


def document_loader(extra: Mapping[str, dict] | None = None):
    """A pyld document loader serving the vendored contexts (and `extra`, for tests)."""

    def load(url: str, options=None) -> dict:
        if extra and url in extra:
            document = extra[url]
        elif url in CONTEXT_FILES:
            document = vendored_context(url)
        else:
            raise UnknownContext(f"unknown JSON-LD context {url[:200]!r}")
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": document,
        }

    return load


def canonical_nquads(document: dict, loader=None) -> str:
    """RDFC-1.0 (formerly URDNA2015) canonical N-Quads of a JSON-LD document."""
    # Imported here: pyld brings requests and lxml (~50 ms, several MiB) into every process
    # that imports the certificates, and only signing and verifying need it.
    from pyld import jsonld

    try:
        return jsonld.normalize(
            document,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": loader or document_loader(),
            },
        )
    except jsonld.JsonLdError as error:
        cause = error
        while cause.__cause__ is not None:
            cause = cause.__cause__
        if isinstance(cause, UnknownContext):
            raise cause from error
        raise ValueError(f"not valid JSON-LD: {error}") from error
