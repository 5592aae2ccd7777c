#!/usr/bin/python3
"""Hostile variants of a valid RFC 9942 receipt (vds 1), for the interop tests.

  scitt_mutate.py mutations RECEIPT OUTDIR
      Writes OUTDIR/<name>.cose for every mutation (and OUTDIR/wrong-key.pem, a fresh key of
      the receipt's algorithm) and prints a JSON array of
      {"name", "file", "codes": [CODE...], "args": [extra verifier arguments], "key": path|null}:
      scitt_verify.py must reject each file, given the original leaf and key (or "key" when
      set) plus "args", with one of "codes". One entry may have "unsigned": true: a tree size
      that leads to the same root; it verifies without its "args" (which pin the tree size)
      because tree_size is not signed.
  scitt_mutate.py transparent STATEMENT OUT RECEIPT...
      Writes the transparent statement: STATEMENT with {394: [RECEIPT...]} as its unprotected
      header (every other byte as it was).
  scitt_mutate.py statements TRANSPARENT OUTDIR
      Hostile variants of a Proofline transparent statement (one receipt carrying its record's
      entry in unprotected -65537): writes OUTDIR/<name>.cose and prints a JSON array of
      {"name", "file", "codes"}; scitt_verify.py --transparent FILE --leaf-entry
      proofline-record (with the original log key and issuer key) must reject each with one
      of "codes".
  scitt_mutate.py resign RECEIPT ROOT_HEX OUT KEY_OUT KID
      Re-signs RECEIPT over ROOT_HEX (the root it proves) with a fresh key of its algorithm,
      the protected header given kid (4) = KID (UTF-8 bytes): a receipt by another signer with
      the same proof. Writes it to OUT and the fresh public key (PEM SPKI) to KEY_OUT.

The input receipt is trusted test material; a receipt that is not a tagged COSE_Sign1 with an
RFC 9942 inclusion proof raises (exit status 1, traceback), which fails the calling test.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from typing import Any, Callable

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

import rfc9162
import strict_cbor

VDS, VDP, CRIT = 395, 396, 2


def _receipt(
    parts: list[Any], protected: dict[Any, Any] | None = None, proof: list[Any] | None = None
) -> list[Any]:
    """A copy of the COSE_Sign1 parts with a new protected map and/or inclusion proof."""
    prot, unprot, payload, sig = parts
    if protected is not None:
        prot = cbor2.dumps(protected)
    if proof is not None:
        unprot = {**unprot, VDP: {-1: [cbor2.dumps(proof)]}}
    return [prot, unprot, payload, sig]


def _tag(parts: list[Any]) -> bytes:
    return cbor2.dumps(cbor2.CBORTag(18, parts))


def _same_root_size(index: int, size: int, path: list[bytes]) -> int | None:
    """Another tree size whose root, for any leaf, the same path computes (found with a random
    leaf hash), or None."""
    probe = hashlib.sha256(os.urandom(16)).digest()
    want = rfc9162.root_from_inclusion_proof(index, size, probe, path)
    for other in range(index + 1, size + 65):
        if other == size:
            continue
        try:
            if rfc9162.root_from_inclusion_proof(index, other, probe, path) == want:
                return other
        except rfc9162.ProofError:
            continue
    return None


def mutations(data: bytes) -> list[tuple[str, bytes, list[str], list[str]]]:
    """(name, bytes, accepted codes, extra verifier args) for every hostile variant."""
    parts = cbor2.loads(data).value
    prot = cbor2.loads(parts[0])
    size, index, path = cbor2.loads(parts[1][VDP][-1][0])
    alg = prot[1]
    sig = parts[3]
    out: list[tuple[str, bytes, list[str], list[str]]] = []

    def add(
        name: str, receipt: bytes | list[Any], *codes: str, args: list[str] | None = None
    ) -> None:
        out.append(
            (
                name,
                receipt if isinstance(receipt, bytes) else _tag(receipt),
                list(codes),
                args or [],
            )
        )

    bad = "SIGNATURE_INVALID"
    if path:
        flipped = [bytes([path[0][0] ^ 0x01]) + path[0][1:]] + path[1:]
        add("path-byte-flipped", _receipt(parts, proof=[size, index, flipped]), bad)
        add("path-hash-dropped", _receipt(parts, proof=[size, index, path[:-1]]), "PROOF_INVALID")
    add(
        "path-hash-added", _receipt(parts, proof=[size, index, path + [bytes(32)]]), "PROOF_INVALID"
    )
    add(
        "path-hash-short",
        _receipt(parts, proof=[size, index, [b"\x01" * 31] + path[1:]]),
        "PROOF_MALFORMED",
    )
    add("tree-size-doubled", _receipt(parts, proof=[size * 2, index, path]), "PROOF_INVALID", bad)
    add("tree-size-at-index", _receipt(parts, proof=[index, index, path]), "PROOF_INVALID")
    add("tree-size-zero", _receipt(parts, proof=[0, index, path]), "PROOF_INVALID")
    add("tree-size-negative", _receipt(parts, proof=[-size, index, path]), "PROOF_MALFORMED")
    add(
        "tree-size-huge",
        _receipt(parts, proof=[2**64, index, path]),
        "PROOF_MALFORMED",
        "CBOR_MALFORMED",
    )
    add(
        "leaf-index-neighbour", _receipt(parts, proof=[size, index ^ 1, path]), "PROOF_INVALID", bad
    )
    add("leaf-index-text", _receipt(parts, proof=[size, str(index), path]), "PROOF_MALFORMED")
    other = _same_root_size(index, size, path)
    if other is not None:
        add(
            "tree-size-unsigned",
            _receipt(parts, proof=[other, index, path]),
            "TREE_SIZE_MISMATCH",
            args=["--expect-tree-size", str(size)],
        )
    add("vds-2", _receipt(parts, protected={**prot, VDS: 2}), "UNSUPPORTED_VDS")
    add(
        "vds-missing",
        _receipt(parts, protected={k: v for k, v in prot.items() if k != VDS}),
        "UNSUPPORTED_VDS",
    )
    add(
        "vds-unprotected",
        [cbor2.dumps({k: v for k, v in prot.items() if k != VDS}), {**parts[1], VDS: 1}, None, sig],
        "HEADER_INVALID",
    )
    add("vds-both", [parts[0], {**parts[1], VDS: 1}, None, sig], "HEADER_INVALID")
    add(
        "alg-swapped",
        _receipt(parts, protected={**prot, 1: -7 if alg == -8 else -8}),
        "KEY_ALG_MISMATCH",
    )
    add("alg-es384", _receipt(parts, protected={**prot, 1: -35}), "UNSUPPORTED_ALG")
    add(
        "alg-unprotected",
        [cbor2.dumps({k: v for k, v in prot.items() if k != 1}), {**parts[1], 1: alg}, None, sig],
        "HEADER_INVALID",
    )
    add(
        "crit-unknown",
        _receipt(parts, protected={**prot, CRIT: [999], 999: "must understand"}),
        "UNKNOWN_CRITICAL",
    )
    add("crit-unprotected", [parts[0], {**parts[1], CRIT: [VDS]}, None, sig], "HEADER_INVALID")
    add("crit-empty", _receipt(parts, protected={**prot, CRIT: []}), "HEADER_INVALID")
    add("signature-truncated", [parts[0], parts[1], None, sig[:-1]], bad)
    add("signature-zero", [parts[0], parts[1], None, bytes(len(sig))], bad)
    add("signature-empty", [parts[0], parts[1], None, b""], bad)
    add("payload-attached", [parts[0], parts[1], bytes(32), sig], "COSE_STRUCTURE")
    add("payload-text", [parts[0], parts[1], "root", sig], "COSE_STRUCTURE")
    add(
        "vdp-two-proofs",
        [parts[0], {**parts[1], VDP: {-1: parts[1][VDP][-1] * 2}}, None, sig],
        "PROOF_MALFORMED",
    )
    add(
        "vdp-consistency",
        [parts[0], {**parts[1], VDP: {**parts[1][VDP], -2: [b""]}}, None, sig],
        "PROOF_MALFORMED",
    )
    add(
        "vdp-proof-not-wrapped",
        [parts[0], {**parts[1], VDP: {-1: [[size, index, path]]}}, None, sig],
        "PROOF_MALFORMED",
    )
    add(
        "vdp-missing",
        [parts[0], {k: v for k, v in parts[1].items() if k != VDP}, None, sig],
        "PROOF_MALFORMED",
    )
    add(
        "vdp-protected",
        _receipt([parts[0], {}, None, sig], protected={**prot, VDP: parts[1][VDP]}),
        "HEADER_INVALID",
    )
    add("untagged", cbor2.dumps(parts), "COSE_STRUCTURE")
    add("tag-cose-sign", cbor2.dumps(cbor2.CBORTag(98, parts)), "CBOR_MALFORMED")
    add("three-items", parts[:3], "COSE_STRUCTURE")
    add("trailing-byte", data + b"\x00", "CBOR_MALFORMED")
    add("truncated", data[:-1], "CBOR_MALFORMED")
    add("empty", b"", "CBOR_MALFORMED")
    # a byte string head claiming 2**63 bytes where the signature was
    add(
        "huge-length",
        data[: -len(sig) - 2] + b"\x5b" + (2**63).to_bytes(8, "big") + sig,
        "CBOR_MALFORMED",
    )
    add(
        "indefinite-array",
        b"\xd2\x9f" + b"".join(cbor2.dumps(p) for p in parts) + b"\xff",
        "CBOR_MALFORMED",
    )
    deep: Any = 0
    for _ in range(200):
        deep = [deep]
    add("deep-nesting", [parts[0], {**parts[1], 7: deep}, None, sig], "CBOR_MALFORMED")
    add(
        "shared-reference-tag",
        [parts[0], {**parts[1], 7: cbor2.CBORTag(28, [1])}, None, sig],
        "CBOR_MALFORMED",
    )
    # a duplicate label in the protected header: vds 1 then vds 2 (cbor2 would keep the last)
    assert len(prot) < 23, "a protected header this large is not a receipt these tests make"
    dup = (
        bytes([0xA1 + len(prot)])
        + b"".join(cbor2.dumps(k) + cbor2.dumps(v) for k, v in prot.items())
        + cbor2.dumps(VDS)
        + b"\x02"
    )
    add("protected-duplicate-label", [dup, parts[1], None, sig], "COSE_STRUCTURE")
    add("protected-not-map", [cbor2.dumps([1, 2]), parts[1], None, sig], "COSE_STRUCTURE")
    return out


def _fresh_key(alg: int) -> Any:
    return (
        ed25519.Ed25519PrivateKey.generate()
        if alg == -8
        else ec.generate_private_key(ec.SECP256R1())
    )


def _pem(private: Any) -> bytes:
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _wrong_key(alg: int) -> bytes:
    return _pem(_fresh_key(alg))


def resign(data: bytes, root: bytes, kid: bytes) -> tuple[bytes, bytes]:
    """(the receipt re-signed by a fresh key with kid in its protected header, that key's PEM)."""
    parts = cbor2.loads(data).value
    protected = {**cbor2.loads(parts[0]), 4: kid}
    alg = protected[1]
    private = _fresh_key(alg)
    prot = cbor2.dumps(protected)
    message = cbor2.dumps(["Signature1", prot, b"", root])
    if alg == -8:
        signature = private.sign(message)
    else:
        r, s_ = decode_dss_signature(private.sign(message, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s_.to_bytes(32, "big")
    return _tag([prot, parts[1], None, signature]), _pem(private)


def _write_resigned(args: list[str]) -> None:
    receipt, key = resign(_read(args[0]), bytes.fromhex(args[1]), args[4].encode())
    with open(args[2], "wb") as f:
        f.write(receipt)
    with open(args[3], "wb") as f:
        f.write(key)


def write_mutations(receipt_path: str, outdir: str) -> list[dict[str, Any]]:
    data = _read(receipt_path)
    os.makedirs(outdir, exist_ok=True)
    report = []
    size = cbor2.loads(cbor2.loads(data).value[1][VDP][-1][0])[0]
    for name, receipt, codes, args in mutations(data):
        path = os.path.join(outdir, f"{name}.cose")
        with open(path, "wb") as f:
            f.write(receipt)
        entry: dict[str, Any] = {
            "name": name,
            "file": path,
            "codes": codes,
            "args": args,
            "key": None,
        }
        if name == "tree-size-unsigned":
            entry["unsigned"] = True
            entry["tree_size"] = cbor2.loads(cbor2.loads(receipt).value[1][VDP][-1][0])[0]
            entry["original_tree_size"] = size
        report.append(entry)
    key_path = os.path.join(outdir, "wrong-key.pem")
    with open(key_path, "wb") as f:
        f.write(_wrong_key(cbor2.loads(cbor2.loads(data).value[0])[1]))
    report.append(
        {
            "name": "wrong-key",
            "file": receipt_path,
            "codes": ["SIGNATURE_INVALID"],
            "args": [],
            "key": key_path,
        }
    )
    return report


def transparent(statement: bytes, receipts: list[bytes]) -> bytes:
    top = strict_cbor.scan(statement, top_tag=18)
    unprot = top.children[0].children[1]
    return statement[: unprot.start] + cbor2.dumps({394: receipts}) + statement[unprot.end :]


LOG_ENTRY = -65537


def statement_mutations(data: bytes) -> list[tuple[str, bytes, list[str]]]:
    """(name, transparent statement, codes) for a Proofline transparent statement."""
    prot, unprot, payload, sig = cbor2.loads(data).value
    receipt = cbor2.loads(unprot[394][0]).value
    entry = receipt[1][LOG_ENTRY]
    record = json.loads(entry)

    def flip(b: bytes, at: int) -> bytes:
        return b[:at] + bytes([b[at] ^ 1]) + b[at + 1 :]

    def with_entry(new_entry: bytes | None) -> bytes:
        r_unprot = {k: v for k, v in receipt[1].items() if k != LOG_ENTRY}
        if new_entry is not None:
            r_unprot[LOG_ENTRY] = new_entry
        r = cbor2.dumps(cbor2.CBORTag(18, [receipt[0], r_unprot, receipt[2], receipt[3]]))
        return _tag([prot, {**unprot, 394: [r]}, payload, sig])

    def canonical(rec: dict[str, Any]) -> bytes:
        return json.dumps(rec, separators=(",", ":"), sort_keys=True).encode()

    # another claim about the same receipt: the statement's protected header re-encoded with a
    # different subject (the signature no longer covers it; the digest differs)
    claims_changed = cbor2.loads(prot)
    claims_changed[15] = {**claims_changed[15], 2: claims_changed[15][2] + "x"}
    return [
        ("payload-flipped", _tag([prot, unprot, flip(payload, 0), sig]), ["ENTRY_MISMATCH"]),
        ("signature-flipped", _tag([prot, unprot, payload, flip(sig, 5)]), ["ENTRY_MISMATCH"]),
        (
            "subject-changed",
            _tag([cbor2.dumps(claims_changed), unprot, payload, sig]),
            ["ENTRY_MISMATCH"],
        ),
        ("entry-byte-flipped", with_entry(flip(entry, len(entry) // 2)), ["SIGNATURE_INVALID"]),
        (
            "entry-digest-replaced",
            with_entry(canonical({**record, "digest": "sha256:" + "00" * 32})),
            ["SIGNATURE_INVALID"],
        ),
        ("entry-removed", with_entry(None), ["ENTRY_MISSING"]),
        ("receipts-removed", _tag([prot, {}, payload, sig]), ["RECEIPT_MISSING"]),
    ]


def write_statement_mutations(path: str, outdir: str) -> list[dict[str, Any]]:
    os.makedirs(outdir, exist_ok=True)
    report = []
    for name, statement, codes in statement_mutations(_read(path)):
        out = os.path.join(outdir, f"{name}.cose")
        with open(out, "wb") as f:
            f.write(statement)
        report.append({"name": name, "file": out, "codes": codes})
    return report


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _write_transparent(args: list[str]) -> None:
    with open(args[1], "wb") as f:
        f.write(transparent(_read(args[0]), [_read(p) for p in args[2:]]))


def main(argv: list[str]) -> int:
    commands: dict[str, Callable[[list[str]], None]] = {
        "mutations": lambda a: print(json.dumps(write_mutations(a[0], a[1]))),
        "transparent": _write_transparent,
        "statements": lambda a: print(json.dumps(write_statement_mutations(a[0], a[1]))),
        "resign": _write_resigned,
    }
    wanted = {"mutations": 3, "transparent": 4, "statements": 3, "resign": 6}
    if argv[:1] == [] or argv[0] not in commands or len(argv) < wanted[argv[0]]:
        print(__doc__, file=sys.stderr)
        return 2
    commands[argv[0]](argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
