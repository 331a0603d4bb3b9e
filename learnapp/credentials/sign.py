"""Data Integrity proofs with the eddsa-rdfc-2022 cryptosuite (W3C vc-di-eddsa §3.3).

Pure: plain dicts in and out, the key passed in. The signed bytes are
sha256(canonical proof options) ‖ sha256(canonical document), both canonicalised with
RDFC-1.0 through the offline document loader (jsonld.py).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from learnapp.credentials import keys
from learnapp.credentials.jsonld import canonical_nquads

CRYPTOSUITE = "eddsa-rdfc-2022"


class InvalidProof(ValueError):
    """The proof is missing, malformed, or does not match the document."""


def hash_data(document: dict, proof_options: dict, loader=None) -> bytes:
    """proofHash ‖ docHash: what the Ed25519 key signs."""
    proof_hash = hashlib.sha256(canonical_nquads(proof_options, loader).encode()).digest()
    doc_hash = hashlib.sha256(canonical_nquads(document, loader).encode()).digest()
    return proof_hash + doc_hash


def proof_options(
    document: dict, verification_method: str, created: str, purpose: str = "assertionMethod"
) -> dict:
    return {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": purpose,
        "@context": document["@context"],
    }


def sign(
    document: dict,
    key: Ed25519PrivateKey,
    verification_method: str,
    created: str,
    loader=None,
) -> dict:
    """A copy of the unsigned document with its proof added (`proof` always a list)."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    options = proof_options(unsigned, verification_method, created)
    signature = key.sign(hash_data(unsigned, options, loader))
    proof = {k: v for k, v in options.items() if k != "@context"}
    proof["proofValue"] = keys.encode_signature(signature)
    return {**copy.deepcopy(unsigned), "proof": [proof]}


def verify(
    document: dict,
    resolve_key: Callable[[str], Ed25519PublicKey],
    loader=None,
) -> dict:
    """Check the document's one eddsa-rdfc-2022 proof; return the proof, or raise InvalidProof.

    `resolve_key(verificationMethod)` gives the public key or raises InvalidProof.
    """
    if not isinstance(document, dict):
        raise InvalidProof("a credential is a JSON object")
    proofs = document.get("proof")
    proofs = [proofs] if isinstance(proofs, dict) else proofs
    if not isinstance(proofs, list) or len(proofs) != 1 or not isinstance(proofs[0], dict):
        raise InvalidProof("the credential must carry exactly one proof")
    proof = proofs[0]
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        raise InvalidProof(f"the proof is not a DataIntegrityProof with {CRYPTOSUITE}")
    if proof.get("proofPurpose") != "assertionMethod":
        raise InvalidProof("the proof's purpose is not assertionMethod")
    if "@context" not in document:
        raise InvalidProof("the credential has no @context")
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        raise InvalidProof("the proof names no verificationMethod")
    try:
        signature = keys.decode_signature(proof.get("proofValue"))
    except keys.InvalidKey as error:
        raise InvalidProof(str(error)) from error
    public_key = resolve_key(method)
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    options["@context"] = document["@context"]
    try:
        public_key.verify(signature, hash_data(unsigned, options, loader))
    except InvalidSignature as error:
        raise InvalidProof("the signature does not match the credential") from error
    return proof
