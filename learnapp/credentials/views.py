"""The public side of the credentials: the issuer's DID document and the status lists.

Both are public and the same for everyone, so shared caches may keep them a few minutes,
and any web wallet may fetch them (CORS).
"""

import hashlib
import json

from flask import Blueprint, Response, abort, current_app

from learnapp.caching import not_modified
from learnapp.certificates import service as certificates
from learnapp.credentials import badge, sign, status
from learnapp.credentials.issuer import Issuer

bp = Blueprint("credentials", __name__)

PUBLIC_MAX_AGE = 300


def _public_json(document: dict) -> Response:
    body = json.dumps(document, ensure_ascii=False, indent=2)
    etag = hashlib.sha256(body.encode()).hexdigest()[:32]
    response = not_modified(etag) or Response(body, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/.well-known/did.json")
@bp.get("/did.json")  # where did:web looks when the base URL has a path
def did_document():
    return _public_json(Issuer.from_config(current_app.config).did_document())


@bp.get("/status/<int:list_number>")
def status_list(list_number: int):
    found = certificates.status_list(list_number)
    if found is None:
        abort(404)
    revoked, changed = found
    settings = certificates.IssueSettings.from_config(current_app.config)
    url = settings.status_list_url(list_number)
    valid_from = badge.timestamp(changed)
    unsigned = status.list_credential(url, settings.signer.did, valid_from, revoked)
    signed = sign.sign(
        unsigned, settings.signer.key, settings.signer.verification_method, valid_from
    )
    return _public_json(signed)
