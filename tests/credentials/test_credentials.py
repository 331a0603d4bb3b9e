"""Open Badges 3.0 credentials through the app: issue, download, status, verification page."""

import base64
import datetime as dt
import gzip
import json

import pytest
from jsonschema import Draft201909Validator

from learnapp.credentials import badge, keys, sign, status, verify
from learnapp.credentials.issuer import Issuer
from learnapp.extensions import db
from learnapp.models import Certificate
from tests.conftest import finish_course
from tests.credentials.reference import load

SCHEMA = "openbadges/ob_v3p0_achievementcredential_schema.json"


def download(client, code: str):
    return client.get(f"/certificates/{code}.json")


def assert_schema_valid(credential: dict) -> None:
    validator = Draft201909Validator(load(SCHEMA))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(credential)]
    assert not errors, errors


def status_bit(client, entry: dict) -> bool:
    path = entry["statusListCredential"].removeprefix("https://learn.example.org")
    response = client.get(path)
    assert response.status_code == 200
    encoded = response.get_json()["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 == 131072
    index = int(entry["statusListIndex"])
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def our_key(client):
    """Resolve verification methods from the published DID document, as a verifier would."""
    document = client.get("/.well-known/did.json").get_json()

    def resolve(method):
        found = [m for m in document["verificationMethod"] if m["id"] == method]
        if not found:
            raise sign.InvalidProof("unknown key")
        return keys.public_from_multibase(found[0]["publicKeyMultibase"])

    return resolve


@pytest.fixture
def issued(client, login_as):
    user = login_as(email="amelie@example.org", name="Amélie Zoë")
    certificate = finish_course(client)
    response = download(client, certificate.code)
    assert response.status_code == 200
    return user, certificate, response


def test_the_wallet_download_is_a_signed_schema_valid_open_badge(client, issued):
    user, certificate, response = issued
    assert response.mimetype == "application/json"
    assert f"certificate-{certificate.code}.json" in response.headers["Content-Disposition"]
    credential = response.get_json()
    assert_schema_valid(credential)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["issuer"]["id"] == "did:web:learn.example.org"
    assert credential["issuer"]["url"] == "https://learn.example.org"
    assert credential["id"] == f"https://learn.example.org/verify/{certificate.code}"
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["name"] == "Basics of Cooperation"
    assert achievement["criteria"]["narrative"]
    assert "validUntil" not in credential  # the course's certificates do not expire
    # The learner is a salted hash of the address, never the address or the name.
    text = response.get_data(as_text=True)
    assert "amelie@example.org" not in text and "Amélie" not in text
    (identity,) = credential["credentialSubject"]["identifier"]
    assert identity["hashed"] is True and identity["identityType"] == "emailAddress"
    assert identity == badge.identity("amelie@example.org", identity["salt"])
    # Signed with eddsa-rdfc-2022 by the key the DID document publishes; proof is a list.
    (proof,) = credential["proof"]
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert sign.verify(credential, our_key(client))
    # Stored at issue time and served unchanged.
    stored = db.session.scalar(db.select(Certificate.credential))
    assert stored == text == download(client, certificate.code).get_data(as_text=True)


def test_only_the_holder_and_admins_may_download_it(app, client, issued, auth, make_user):
    _, certificate, _ = issued
    auth.logout()
    assert download(client, certificate.code).status_code == 404
    other = make_user()
    auth.login(other.email)
    assert download(client, certificate.code).status_code == 404
    auth.logout()
    admin = make_user(role="admin")
    auth.login(admin.email)
    assert download(client, certificate.code).status_code == 200
    assert download(client, "LA-0000-0000-0000-0000-0000").status_code == 404


def test_me_and_the_verification_page_link_the_wallet_download(client, issued):
    _, certificate, _ = issued
    link = f'href="/certificates/{certificate.code}.json"'
    assert link in client.get("/me").get_data(as_text=True)
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert link in page and "Download for your wallet" in page


def test_the_did_document_is_public_and_cacheable(client):
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    document = response.get_json()
    assert document["id"] == "did:web:learn.example.org"
    (method,) = document["verificationMethod"]
    assert method["type"] == "Multikey" and document["assertionMethod"] == [method["id"]]
    again = client.get("/.well-known/did.json", headers={"If-None-Match": response.get_etag()[0]})
    assert again.status_code == 304


def test_revocation_sets_the_status_bit(client, issued, auth, make_user):
    _, certificate, response = issued
    entry = response.get_json()["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "revocation"
    assert status_bit(client, entry) is False
    listing = client.get(entry["statusListCredential"].removeprefix("https://learn.example.org"))
    assert "public" in listing.headers["Cache-Control"]
    assert sign.verify(listing.get_json(), our_key(client))
    cached = client.get(listing.request.path, headers={"If-None-Match": listing.get_etag()[0]})
    assert cached.status_code == 304

    auth.logout()
    admin = make_user(role="admin")
    auth.login(admin.email)
    revoked = client.submit(f"/admin/certificates/{certificate.id}/revoke", {"reason": "Fraud"})
    assert revoked.status_code in (302, 303)
    assert status_bit(client, entry) is True
    # The credential itself is never changed.
    assert download(client, certificate.code).get_data() == response.get_data()


def test_a_list_with_no_certificate_is_not_found(client):
    assert client.get("/status/0").status_code == 404
    assert client.get("/status/99999999").status_code == 404  # past any id (PostgreSQL int)
    assert client.get("/status/-1").status_code == 404


def check(client, text: str | None = None, upload: bytes | None = None):
    data = {"credential": text} if text is not None else {}
    if upload is not None:
        import io

        data["credential_file"] = (io.BytesIO(upload), "credential.json")
    return client.submit("/verify", data, content_type="multipart/form-data")


def test_the_verification_page_checks_a_pasted_or_uploaded_credential(client, issued):
    _, certificate, response = issued
    text = response.get_data(as_text=True)
    for answer in (check(client, text), check(client, upload=response.get_data())):
        page = answer.get_data(as_text=True)
        assert answer.status_code == 200 and "Valid credential" in page
        assert f"/verify/{certificate.code}" in page

    tampered = response.get_json()
    tampered["credentialSubject"]["achievement"]["name"] = "Brain Surgery"
    page = check(client, json.dumps(tampered)).get_data(as_text=True)
    assert "The signature does not match" in page and "Valid credential" not in page


def test_a_credential_altered_in_the_database_fails_its_signature(client, issued):
    """The stored copy is no authority on its own: the signature is checked too."""
    _, certificate, response = issued
    altered = response.get_json()
    altered["credentialSubject"]["achievement"]["name"] = "Brain Surgery"
    certificate = db.session.get(Certificate, certificate.id)
    certificate.credential = json.dumps(altered)
    db.session.commit()
    page = check(client, json.dumps(altered)).get_data(as_text=True)
    assert "The signature does not match" in page and "Valid credential" not in page


def test_the_verification_page_reports_a_revoked_credential(client, issued):
    _, certificate, response = issued
    certificate = db.session.get(Certificate, certificate.id)
    certificate.revoked_at = dt.datetime.now(dt.UTC)
    db.session.commit()
    page = check(client, response.get_data(as_text=True)).get_data(as_text=True)
    assert "Revoked credential" in page


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "This is not valid JSON"),
        ("[1, 2, 3]", "not an Open Badges credential"),
        ("[" * 60_000, "This is not valid JSON"),
        ('{"a":' * 200 + "1" + "}" * 200, "not an Open Badges credential"),
        ("x" * (64 * 1024 + 1), "too large"),
        (
            '{"type": ["VerifiableCredential", "OpenBadgeCredential"], "issuer": '
            '{"id": "did:web:evil.example"}}',
            "not issued by us",
        ),
    ],
    ids=["syntax", "array", "deep-array", "deep-object", "too-large", "other-issuer"],
)
def test_hostile_json_gets_a_clear_error(client, text, message):
    answer = check(client, text)
    assert answer.status_code in (200, 400, 413)
    assert message in answer.get_data(as_text=True)


def test_a_document_we_did_not_issue_is_never_canonicalised(client, issued, monkeypatch):
    """Canonicalising crafted JSON-LD can take exponential time: only our own gets there."""
    credential = issued[2].get_json()
    credential["@context"].append("http://169.254.169.254/latest/meta-data")
    canonicalised = []
    monkeypatch.setattr(sign, "canonical_nquads", lambda *a: canonicalised.append(a))
    page = check(client, json.dumps(credential)).get_data(as_text=True)
    assert "The signature does not match" in page and not canonicalised


def test_an_expiring_certificate_has_valid_until_and_expires(app):
    issuer = Issuer.from_config(app.config)
    award = badge.Award(
        code="LA-TEST",
        verify_url="https://learn.example.org/verify/LA-TEST",
        email="a@example.org",
        course_url="https://learn.example.org/courses/x",
        course_title="X",
        course_summary="",
        course_language="fr",
        course_version="1",
        issued_at=dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC),
        expires_on=dt.date(2027, 1, 5),
        status=status.entry("https://learn.example.org/status/0", 7),
    )
    credential = json.loads(badge.issue(award, issuer))
    assert_schema_valid(credential)
    assert credential["validUntil"] == "2027-01-05T23:59:59Z"
    assert credential["credentialSubject"]["achievement"]["inLanguage"] == "fr"

    stored = json.dumps(credential)

    def at(day):
        return verify.check(credential, issuer, lambda *_: (stored, False), day).status

    assert at(dt.datetime(2026, 6, 1, tzinfo=dt.UTC)) == "valid"
    assert at(dt.datetime(2027, 1, 6, tzinfo=dt.UTC)) == "expired"
    assert at(dt.datetime(2025, 12, 1, tzinfo=dt.UTC)) == "not_yet_valid"


def test_a_rotated_key_stays_published_and_verifiable(app, client, issued):
    credential = issued[2].get_json()
    old_public = Issuer.from_config(app.config).public_key
    app.config["ISSUER_PREVIOUS_KEYS"] = old_public
    app.config["ISSUER_KEY"] = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
    document = client.get("/.well-known/did.json").get_json()
    assert [m["publicKeyMultibase"] for m in document["verificationMethod"]][1] == old_public
    assert "Valid credential" in check(client, json.dumps(credential)).get_data(as_text=True)
    app.config["ISSUER_PREVIOUS_KEYS"] = ""
    page = check(client, json.dumps(credential)).get_data(as_text=True)
    assert "The signature does not match" in page


def test_backfill_signs_old_certificates_once(client, issued, runner):
    _, certificate, _ = issued
    db.session.execute(db.update(Certificate).values(credential=None))
    db.session.commit()
    assert download(client, certificate.code).status_code == 404
    result = runner.invoke(args=["certificates", "backfill-credentials"])
    assert result.exit_code == 0, result.output
    assert f"signed {certificate.code}" in result.output
    response = download(client, certificate.code)
    assert response.status_code == 200
    assert_schema_valid(response.get_json())
    assert sign.verify(response.get_json(), our_key(client))
    again = runner.invoke(args=["certificates", "backfill-credentials"])
    assert "0 credential(s) signed" in again.output


def test_a_filed_credential_stays_verifiable_after_the_holder_deletes_their_account(client, issued):
    """Like the code and the PDF's hash: it carries no name and no address, only a hash."""
    from tests.conftest import PASSWORD

    _, certificate, response = issued
    deleted = client.submit("/account/delete", {"delete-password": PASSWORD})
    assert deleted.status_code == 303
    assert status_bit(client, response.get_json()["credentialStatus"]) is False
    page = check(client, response.get_data(as_text=True)).get_data(as_text=True)
    assert "Valid credential" in page
