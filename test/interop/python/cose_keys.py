"""Public keys (PEM SPKI, COSE_Key, COSE_KeySet) and COSE signatures: EdDSA (-8), ES256 (-7).

load_keys(data) returns the public keys a file holds, each with its kid (bytes, or None);
verify(alg, key, signature, message) checks one signature (RFC 9052 §8.1, RFC 9053 §2.1, §2.2:
ES256 signatures are the 64 bytes r || s, converted to DER for the cryptography package).
Raises KeyError_ (code KEY_INVALID) for an unusable key file, AlgError (UNSUPPORTED_ALG or
KEY_ALG_MISMATCH) when the algorithm cannot be checked with the key. verify returns False for a
signature that does not verify, including one of the wrong length; it never raises for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

import strict_cbor

ALG_EDDSA = -8
ALG_ES256 = -7
SUPPORTED_ALGS = {ALG_EDDSA: "EdDSA", ALG_ES256: "ES256"}
MAX_KEY_FILE = 64 * 1024

PublicKey = Union[ed25519.Ed25519PublicKey, ec.EllipticCurvePublicKey]


class KeyError_(Exception):
    code = "KEY_INVALID"


class AlgError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Key:
    public: PublicKey
    alg: int  # the one algorithm this key is used with: -8 for Ed25519, -7 for P-256
    kid: bytes | None


def _from_spki(public: Any) -> Key:
    if isinstance(public, ed25519.Ed25519PublicKey):
        return Key(public, ALG_EDDSA, None)
    if isinstance(public, ec.EllipticCurvePublicKey) and isinstance(public.curve, ec.SECP256R1):
        return Key(public, ALG_ES256, None)
    raise KeyError_("only Ed25519 and P-256 public keys are supported")


def _from_cose_key(m: Any) -> Key:
    """RFC 9052 §7, RFC 9053 §7.1 (EC2) and §7.2 (OKP): kty 1, crv 6 (Ed25519) or kty 2, crv 1."""
    if not isinstance(m, dict):
        raise KeyError_("a COSE_Key must be a map")
    if -4 in m:
        raise KeyError_("the COSE_Key holds a private key (label -4); give the public key only")
    kid = m.get(2)
    if kid is not None and not isinstance(kid, bytes):
        raise KeyError_("a COSE_Key kid must be a byte string")
    kty, crv, x = m.get(1), m.get(-1), m.get(-2)
    if kty == 1 and crv == 6 and isinstance(x, bytes) and len(x) == 32 and -3 not in m:
        try:
            key = Key(ed25519.Ed25519PublicKey.from_public_bytes(x), ALG_EDDSA, kid)
        except ValueError as err:
            raise KeyError_("an unusable Ed25519 public key") from err
    elif kty == 2 and crv == 1 and isinstance(x, bytes) and len(x) == 32:
        y = m.get(-3)
        if not isinstance(y, bytes) or len(y) != 32:
            raise KeyError_("a P-256 COSE_Key needs a 32-byte y coordinate")
        numbers = ec.EllipticCurvePublicNumbers(
            int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
        )
        try:
            key = Key(numbers.public_key(), ALG_ES256, kid)
        except ValueError as err:
            raise KeyError_("the P-256 point is not on the curve") from err
    else:
        raise KeyError_("only OKP Ed25519 and EC2 P-256 COSE_Keys are supported")
    if 3 in m and m[3] != key.alg:
        raise KeyError_(f"the COSE_Key's alg {m[3]!r} does not fit its key type")
    return key


def load_keys(data: bytes) -> list[Key]:
    """PEM SPKI, or a COSE_Key map, or a COSE_KeySet array of them (CBOR, strictly scanned)."""
    if len(data) > MAX_KEY_FILE:
        raise KeyError_(f"a key file larger than {MAX_KEY_FILE} bytes")
    if data.lstrip().startswith(b"-----BEGIN"):
        try:
            return [_from_spki(serialization.load_pem_public_key(data))]
        except (ValueError, UnsupportedAlgorithm) as err:
            raise KeyError_(f"unreadable PEM public key: {err}") from err
    try:
        decoded = strict_cbor.decode(data)
    except strict_cbor.CborError as err:
        raise KeyError_(f"neither PEM nor a COSE_Key: {err}") from err
    if isinstance(decoded, list):
        if not decoded:
            raise KeyError_("an empty COSE_KeySet")
        return [_from_cose_key(k) for k in decoded]
    return [_from_cose_key(decoded)]


def select_key(keys: list[Key], kid: bytes | None) -> Key:
    """The key to check a signature with: the one key given, or the key set's key with kid."""
    if len(keys) == 1 and (kid is None or keys[0].kid is None or keys[0].kid == kid):
        return keys[0]
    matching = [k for k in keys if kid is not None and k.kid == kid]
    if len(matching) != 1:
        raise KeyError_("no single key of the key set has the receipt's kid")
    return matching[0]


def verify(alg: int, key: Key, signature: bytes, message: bytes) -> bool:
    if alg not in SUPPORTED_ALGS:
        raise AlgError("UNSUPPORTED_ALG", f"algorithm {alg!r} is not EdDSA (-8) or ES256 (-7)")
    if alg != key.alg:
        raise AlgError(
            "KEY_ALG_MISMATCH",
            f"the signature is {SUPPORTED_ALGS[alg]} but the key is for {SUPPORTED_ALGS[key.alg]}",
        )
    if len(signature) != 64:
        return False
    try:
        if alg == ALG_EDDSA:
            assert isinstance(key.public, ed25519.Ed25519PublicKey)
            key.public.verify(signature, message)
        else:
            assert isinstance(key.public, ec.EllipticCurvePublicKey)
            r = int.from_bytes(signature[:32], "big")
            s = int.from_bytes(signature[32:], "big")
            key.public.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
