"""COSE_Sign1 (RFC 9052 §4.2) parsing with the header rules of RFC 9052 §3, strictly.

parse(data, understood) accepts only a tag-18 COSE_Sign1: [protected: bstr (an encoded map, or
empty), unprotected: map, payload: bstr / nil, signature: bstr], and refuses (CoseError with a
code) a label in both buckets, alg or crit outside the protected bucket, and a crit (label 2)
that is not a non-empty array of labels or lists a label not in `understood`.
Sign1.without_unprotected(label) and .with_empty_unprotected() rebuild the message bytes with
the other items' original encodings (a transparent statement back to the signed statement).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cbor2

import strict_cbor

TAG_COSE_SIGN1 = 18
ALG, CRIT, KID = 1, 2, 4


class CoseError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Sign1:
    data: bytes
    protected_bytes: bytes
    protected: dict[Any, Any]
    unprotected: dict[Any, Any]
    payload: bytes | None
    signature: bytes
    unprotected_node: strict_cbor.Node

    def sig_structure(self, payload: bytes) -> bytes:
        """Sig_structure for COSE_Sign1 with empty external_aad (RFC 9052 §4.4)."""
        return cbor2.dumps(["Signature1", self.protected_bytes, b"", payload])

    def with_empty_unprotected(self) -> bytes:
        node = self.unprotected_node
        return self.data[: node.start] + b"\xa0" + self.data[node.end :]

    def without_unprotected(self, label: int) -> bytes:
        node = self.unprotected_node
        kept = [
            self.data[key.start : value.end]
            for key, value in zip(node.children[::2], node.children[1::2])
            if not (key.major in (0, 1) and key.value == label)
        ]
        return (
            self.data[: node.start] + _map_head(len(kept)) + b"".join(kept) + self.data[node.end :]
        )


def _map_head(count: int) -> bytes:
    if count < 24:
        return bytes([0xA0 + count])
    if count < 256:
        return bytes([0xB8, count])
    return bytes([0xB9]) + count.to_bytes(2, "big")  # a scanned map has < MAX_ITEMS entries


def parse(data: bytes, understood: set[Any]) -> Sign1:
    try:
        top = strict_cbor.scan(data, top_tag=TAG_COSE_SIGN1)
    except strict_cbor.CborError as err:
        raise CoseError("CBOR_MALFORMED", str(err)) from err
    if top.major != 6:
        raise CoseError("COSE_STRUCTURE", "not a tag-18 COSE_Sign1")
    array = top.children[0]
    if array.major != 4 or len(array.children) != 4:
        raise CoseError("COSE_STRUCTURE", "a COSE_Sign1 must be an array of four items")
    prot, unprot, payload, sig = array.children
    if prot.major != 2 or unprot.major != 5 or sig.major != 2:
        raise CoseError("COSE_STRUCTURE", "COSE_Sign1 items must be [bstr, map, bstr/nil, bstr]")
    if not (payload.major == 2 or (payload.major == 7 and payload.value == 22)):
        raise CoseError("COSE_STRUCTURE", "the payload must be a byte string or nil")
    protected: Any = {}
    if prot.value:
        try:
            protected = strict_cbor.decode(prot.value)
        except strict_cbor.CborError as err:
            raise CoseError("COSE_STRUCTURE", f"protected header: {err}") from err
        if not isinstance(protected, dict):
            raise CoseError("COSE_STRUCTURE", "the protected header is not a map")
    unprotected = cbor2.loads(data[unprot.start : unprot.end])
    _check_headers(protected, unprotected, understood)
    return Sign1(
        data=data,
        protected_bytes=prot.value,
        protected=protected,
        unprotected=unprotected,
        payload=payload.value if payload.major == 2 else None,
        signature=sig.value,
        unprotected_node=unprot,
    )


def _check_headers(
    protected: dict[Any, Any], unprotected: dict[Any, Any], understood: set[Any]
) -> None:
    both = set(protected) & set(unprotected)
    if both:
        raise CoseError(
            "HEADER_INVALID", f"labels in both header buckets: {sorted(map(str, both))}"
        )
    for label in (ALG, CRIT):
        if label in unprotected:
            raise CoseError("HEADER_INVALID", f"label {label} must be in the protected header")
    if CRIT in protected:
        crit = protected[CRIT]
        if (
            not isinstance(crit, list)
            or not crit
            or not all(isinstance(c, (int, str)) and not isinstance(c, bool) for c in crit)
        ):
            raise CoseError("HEADER_INVALID", "crit must be a non-empty array of labels")
        unknown = [c for c in crit if c not in understood]
        if unknown:
            raise CoseError(
                "UNKNOWN_CRITICAL", f"critical header parameters not understood: {unknown}"
            )
