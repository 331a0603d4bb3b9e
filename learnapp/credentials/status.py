"""Bitstring Status List v1.0 (W3C): one revocation bit per certificate, published as a list.

A certificate's place is fixed by its id: list `id // LIST_SIZE`, bit `id % LIST_SIZE`.
Lists are 131,072 bits, the specification's minimum, so that a verifier fetching a list
does not reveal which credential it checks. Bit 0 is the most significant bit of the
first byte; the list is GZIP-compressed and multibase base64url encoded (`u`, no padding).
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable

LIST_SIZE = 131_072
PURPOSE = "revocation"


def position(certificate_id: int) -> tuple[int, int]:
    """(list number, bit index) of a certificate."""
    return divmod(certificate_id, LIST_SIZE)


def id_range(list_number: int) -> tuple[int, int]:
    """The certificate ids [first, last) whose bits are in this list."""
    return list_number * LIST_SIZE, (list_number + 1) * LIST_SIZE


def encode(set_bits: Iterable[int]) -> str:
    bits = bytearray(LIST_SIZE // 8)
    for index in set_bits:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def entry(list_url: str, index: int) -> dict:
    """The credentialStatus of the credential at `index` of the list at `list_url`."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def list_credential(list_url: str, issuer_id: str, valid_from: str, set_bits: Iterable[int]):
    """The unsigned BitstringStatusListCredential."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode(set_bits),
        },
    }
