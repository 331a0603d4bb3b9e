"""The W3C eddsa-rdfc-2022 test vectors, reproduced byte for byte, offline."""

import hashlib

import pytest
from pyld import jsonld as pyld

from learnapp.credentials import jsonld, keys, sign
from tests.credentials.reference import load, read

VECTORS = "vc-di-eddsa"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"


@pytest.fixture
def loader():
    """Our offline loader, plus the examples context the vectors name."""
    return jsonld.document_loader({EXAMPLES_V2: load(f"{VECTORS}/credentials-examples-v2.jsonld")})


@pytest.fixture
def key_pair():
    pair = load(f"{VECTORS}/keyPair.json")
    return keys.private_from_multibase(pair["privateKeyMultibase"]), pair["publicKeyMultibase"]


def test_canonical_document_and_proof_options_match_the_vectors(loader):
    document = jsonld.canonical_nquads(load(f"{VECTORS}/unsigned.json"), loader)
    options = jsonld.canonical_nquads(load(f"{VECTORS}/proofConfigDataInt.json"), loader)
    assert document == read(f"{VECTORS}/canonDocDataInt.txt")
    assert options == read(f"{VECTORS}/proofCanonDataInt.txt")
    assert hashlib.sha256(document.encode()).hexdigest() == read(f"{VECTORS}/docHashDataInt.txt")
    assert hashlib.sha256(options.encode()).hexdigest() == read(f"{VECTORS}/proofHashDataInt.txt")


def test_signing_the_vector_gives_the_published_signature(loader, key_pair):
    private, public = key_pair
    unsigned = load(f"{VECTORS}/unsigned.json")
    options = load(f"{VECTORS}/proofConfigDataInt.json")
    combined = sign.hash_data(unsigned, options, loader)
    assert combined.hex() == read(f"{VECTORS}/combinedHashDataInt.txt")
    assert private.sign(combined).hex() == read(f"{VECTORS}/sigHexDataInt.txt")
    assert keys.public_multibase(private.public_key()) == public

    signed = sign.sign(unsigned, private, options["verificationMethod"], options["created"], loader)
    expected = load(f"{VECTORS}/signedDataInt.json")
    assert signed["proof"] == [expected["proof"]]  # ours is always a list
    assert signed["proof"][0]["proofValue"] == read(f"{VECTORS}/sigBTC58DataInt.txt")
    assert {k: v for k, v in signed.items() if k != "proof"} == unsigned


def test_the_published_credential_verifies_and_an_altered_one_does_not(loader, key_pair):
    _, public = key_pair
    signed = load(f"{VECTORS}/signedDataInt.json")
    resolve = lambda method: keys.public_from_multibase(public)  # noqa: E731
    assert sign.verify(signed, resolve, loader)["cryptosuite"] == "eddsa-rdfc-2022"
    signed["credentialSubject"]["alumniOf"] = "The School of Forgeries"
    with pytest.raises(sign.InvalidProof, match="does not match"):
        sign.verify(signed, resolve, loader)


def test_1edtech_signed_open_badge_verifies_with_our_code():
    """1EdTech's validator test vector (the spec's sample badge), with our vendored contexts."""
    credential = load("openbadges/ob30-simple.json")
    method = (
        credential["proof"][0]["verificationMethod"]
        if isinstance(credential["proof"], list)
        else credential["proof"]["verificationMethod"]
    )
    public = keys.public_from_multibase(method.split("#")[-1])
    assert sign.verify(credential, lambda _: public)


def test_vendored_contexts_are_the_published_bytes():
    for url, name in jsonld.CONTEXT_FILES.items():
        ours = (jsonld.CONTEXTS_DIR / name).read_bytes()
        reference = {
            jsonld.VC_V2: "openbadges/credentials-v2.jsonld",
            jsonld.OB_V3: "openbadges/context-3.0.3.json",
        }[url]
        assert ours.decode("utf-8") == read(reference), url


def test_the_loader_never_touches_the_network(monkeypatch):
    """Any context we do not ship is refused, and no socket is ever opened."""
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the document loader tried the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(pyld, "_default_document_loader", no_network)
    hostile = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "http://169.254.169.254/latest"],
        "type": ["VerifiableCredential"],
    }
    with pytest.raises(jsonld.UnknownContext, match="169.254.169.254"):
        jsonld.canonical_nquads(hostile)
    # And a full canonicalisation of one of our own credentials' contexts works offline.
    assert jsonld.canonical_nquads(
        {"@context": [jsonld.VC_V2, jsonld.OB_V3], "type": ["VerifiableCredential"], "id": "urn:x"}
    )
