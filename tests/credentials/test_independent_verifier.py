"""Digital Bazaar's JavaScript verifier checks our credentials (npm ci from the lockfile).

Node and npm come from Debian (scripts/system-packages.sh test). Without them the test
skips on a developer's machine and fails in CI.
"""

import json
from pathlib import Path

import pytest

from learnapp.credentials import jsonld
from tests.conftest import finish_course
from tests.tools import node_json, npm_installed

VERIFIER = Path(__file__).parent / "verifier"
FILES = ("package.json", "package-lock.json", "verify.mjs")
BASE = "https://learn.example.org"


@pytest.fixture(scope="session")
def verifier() -> Path:
    return npm_installed(VERIFIER, FILES, "verifier")


def run(verifier: Path, credential: dict, documents: dict) -> dict:
    contexts = {url: jsonld.vendored_context(url) for url in jsonld.CONTEXT_FILES}
    # The DID and Multikey contexts are not processed by the verifier (it special-cases
    # DID documents), but the data-integrity context is: it ships in the npm packages.
    payload = {"credential": credential, "documents": {**contexts, **documents}}
    return node_json(verifier, "verify.mjs", payload)


def published(client, credential: dict) -> dict:
    """What a verifier would fetch: the DID document and the status list."""
    did = client.get("/.well-known/did.json").get_json()
    list_url = credential["credentialStatus"]["statusListCredential"]
    status_list = client.get(list_url.removeprefix(BASE)).get_json()
    return {did["id"]: did, list_url: status_list}


@pytest.mark.slow
def test_digital_bazaar_verifies_ours_rejects_a_forgery_and_sees_revocation(
    verifier, client, login_as, auth, make_user
):
    login_as()
    certificate = finish_course(client)
    credential = client.get(f"/certificates/{certificate.code}.json").get_json()

    genuine = run(verifier, credential, published(client, credential))
    assert genuine == {"verified": True, "revoked": False, "errors": []}

    tampered = json.loads(json.dumps(credential))
    tampered["credentialSubject"]["achievement"]["name"] = "Brain Surgery"
    forged = run(verifier, tampered, published(client, credential))
    assert forged["verified"] is False and forged["errors"]

    auth.logout()
    auth.login(make_user(role="admin").email)
    client.submit(f"/admin/certificates/{certificate.id}/revoke", {"reason": "Fraud"})
    revoked = run(verifier, credential, published(client, credential))
    assert revoked["revoked"] is True
