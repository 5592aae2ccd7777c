#!/usr/bin/python3
"""scitt_verify: an independent verifier of RFC 9942 COSE Receipts (vds 1, RFC9162_SHA256).

Written from the texts of RFC 9942 (COSE Receipts), RFC 9052/9053 (COSE), RFC 9162 (Merkle
trees) and RFC 9943 (SCITT), with Python's standard library, cbor2 and cryptography only
(Debian: python3-cbor2, python3-cryptography; run it with /usr/bin/python3). It shares no code
with Proofline. See README.md next to it.

CONTRACT (the interop tests and test/lib/python-scitt.ts rely on it)

  scitt_verify.py --receipt FILE --key FILE (--statement FILE | --entry FILE | --leaf-hash HEX)
  scitt_verify.py --transparent FILE --key FILE
  scitt_verify.py --batch   (stdin: a JSON array of argument arrays; stdout: a JSON array of
                             {"status", "verdict"}, each as if that command line ran alone)
  options: [--leaf-entry statement-sha256|emptied-unprotected|proofline-record]
           [--issuer-key FILE]
           [--payload FILE] [--receipt-index N] [--expect-root HEX] [--expect-tree-size N]

  --receipt FILE       a receipt: tagged COSE_Sign1 bytes
  --transparent FILE   a transparent statement: a signed statement whose unprotected header
                       394 holds receipts (an array of byte strings)
  --key FILE           the log's public key: PEM SPKI, a COSE_Key or a COSE_KeySet (CBOR);
                       Ed25519 (EdDSA, -8) or P-256 (ES256, -7). From a key set, the key whose
                       kid is the receipt's protected kid (4).
  the leaf (RFC 9162 leaf hash = SHA-256(0x00 || entry)):
    --statement FILE   the signed statement the receipt is for; its entry per --leaf-entry
    --entry FILE       the entry bytes themselves
    --leaf-hash HEX    the leaf hash itself (64 hex digits)
  --leaf-entry         statement-sha256 (default): the entry is SHA-256 of the signed statement
                       bytes (the scitt-cose vectors; for a transparent statement, its bytes
                       with label 394 removed from the unprotected header, other bytes as they
                       are); emptied-unprotected: the entry is the statement's bytes with its
                       unprotected header replaced by an empty map; proofline-record
                       (--transparent only): the entry is the one the receipt carries in its
                       unprotected header -65537 (a Proofline record, canonical JSON), and it
                       must be the record of this statement (ENTRY_MISMATCH otherwise): a JSON
                       object whose "digest" is "sha256:" + hex SHA-256 of the statement with
                       its unprotected header emptied (tag 18 kept), whose "type" is
                       "scitt.signed-statement" and whose "subject" is the CWT sub (15 / 2)
  --issuer-key FILE    also verify the statement's own signature with the issuer's key
  --payload FILE       the statement's detached payload (when its payload is nil)
  --receipt-index N    which receipt of header 394 (default: the only one; several need N)
  --expect-root HEX    fail (ROOT_MISMATCH) unless the recomputed root is this one
  --expect-tree-size N fail (TREE_SIZE_MISMATCH) unless the receipt's tree_size is N

  Output: one JSON object on stdout, {"ok": bool, "code": null | CODE, "error": null | text,
  "tree_size": int | null, "leaf_index": int | null, "root": hex | null,
  "leaf_hash": hex | null}; tree_size, leaf_index and root are filled in as soon as they are
  known, also on failure. Exit status 0 when everything verified, 1 when the input was
  rejected (code says why), 2 on a usage error (code USAGE; unreadable file, bad or repeated
  arguments), 3 on an internal error (code INTERNAL; a bug here, never a verdict on the input).

  Codes: INPUT_TOO_LARGE, CBOR_MALFORMED, COSE_STRUCTURE, HEADER_INVALID, UNKNOWN_CRITICAL,
  UNSUPPORTED_VDS, UNSUPPORTED_ALG, KEY_INVALID, KEY_ALG_MISMATCH, PROOF_MALFORMED,
  PROOF_INVALID, SIGNATURE_INVALID, STATEMENT_SIGNATURE_INVALID, RECEIPT_MISSING,
  ROOT_MISMATCH, TREE_SIZE_MISMATCH, ENTRY_MISSING, ENTRY_MISMATCH.

  tree_size and leaf_index come from the unprotected header and are NOT signed: several sizes
  (and some other size and index pairs, e.g. index 4 of 5 and index 1 of 2) lead to the same
  root with the same path. Only the root is signed; a caller
  must compare it (or tree_size with --expect-tree-size) with a signed checkpoint.

WHAT IS CHECKED, in this order (the first failure decides the code)
  receipt: tag 18 and COSE_Sign1 structure, strictly scanned CBOR (strict_cbor.py); header
  rules (cose_sign1.py); crit may name only alg (1), kid (4), vds (395) (a statement's crit
  only alg and kid: its claims are not checked here); vds (395) in the protected header and
  equal to 1; alg in the protected header, EdDSA or ES256; the payload nil (detached); vdp
  (396) in the unprotected header, a map holding only -1: an array of exactly one byte string
  that holds CBOR [tree_size: uint, leaf_index: uint, path: [* bstr]] (32-byte hashes, at most
  64; an empty path for a one-leaf tree); the root recomputed by RFC 9162 §2.1.3.2; the key
  fits alg; the signature over Sig_structure ["Signature1", protected, h'', root]; then
  --expect-root, --expect-tree-size, the embedded entry against the statement
  (proofline-record), and the statement's signature when --issuer-key is given.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from typing import Any, NoReturn

import cose_keys
import cose_sign1
import rfc9162
import strict_cbor

VDS, VDP, RECEIPTS = 395, 396, 394
LOG_ENTRY = -65537  # Proofline's private-use unprotected header: the receipt's leaf entry
MAX_ENTRY = 65535  # C2SP tlog-tiles entries
CWT_CLAIMS, CWT_SUB = 15, 2
SCITT_STATEMENT_TYPE = "scitt.signed-statement"
RFC9162_SHA256 = 1
INCLUSION_PROOFS = -1
MAX_PATH = 64
MAX_RECEIPT = 64 * 1024
MAX_STATEMENT = 16 * 1024 * 1024
MAX_PAYLOAD = 64 * 1024 * 1024
RECEIPT_UNDERSTOOD = {cose_sign1.ALG, cose_sign1.KID, VDS}
# a statement's claims (content type, CWT claims) are not checked here, so a crit naming them
# is refused: fail closed
STATEMENT_UNDERSTOOD = {cose_sign1.ALG, cose_sign1.KID}


class Rejected(Exception):
    """The input does not verify; code is one of the documented codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class UsageError(Exception):
    pass


def _read(path: str, limit: int) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror}") from err
    if len(data) > limit:
        raise Rejected("INPUT_TOO_LARGE", f"{path} is larger than {limit} bytes")
    return data


def _parse(data: bytes, understood: set[Any], what: str) -> cose_sign1.Sign1:
    try:
        return cose_sign1.parse(data, understood)
    except cose_sign1.CoseError as err:
        raise Rejected(err.code, f"{what}: {err}") from err


class KeyFile:
    """A key file read up front (a missing file is a usage error) and parsed when first needed,
    so that a receipt's own defects (vds, structure) are reported before an unusable key."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.data = _read(path, cose_keys.MAX_KEY_FILE)

    def keys(self) -> list[cose_keys.Key]:
        try:
            return cose_keys.load_keys(self.data)
        except cose_keys.KeyError_ as err:
            raise Rejected(err.code, f"{self.path}: {err}") from err


def _verify(what: str, alg: Any, key_file: KeyFile, kid: Any, sig: bytes, msg: bytes) -> bool:
    keys = key_file.keys()
    try:
        key = cose_keys.select_key(keys, kid if isinstance(kid, bytes) else None)
        return cose_keys.verify(alg, key, sig, msg)
    except cose_keys.KeyError_ as err:
        raise Rejected(err.code, f"{what}: {err}") from err
    except cose_keys.AlgError as err:
        raise Rejected(err.code, f"{what}: {err}") from err


def _inclusion_proof(unprotected: dict[Any, Any]) -> tuple[int, int, list[bytes]]:
    vdp = unprotected.get(VDP)
    if not isinstance(vdp, dict) or set(vdp) != {INCLUSION_PROOFS}:
        raise Rejected(
            "PROOF_MALFORMED", "vdp (396) must be a map holding only inclusion proofs (-1)"
        )
    proofs = vdp[INCLUSION_PROOFS]
    if not isinstance(proofs, list) or len(proofs) != 1 or not isinstance(proofs[0], bytes):
        raise Rejected("PROOF_MALFORMED", "-1 must be an array of exactly one byte string")
    try:
        proof = strict_cbor.decode(proofs[0])
    except strict_cbor.CborError as err:
        raise Rejected("PROOF_MALFORMED", f"inclusion proof: {err}") from err
    if not (isinstance(proof, list) and len(proof) == 3):
        raise Rejected("PROOF_MALFORMED", "an inclusion proof is [tree_size, leaf_index, path]")
    size, index, path = proof
    if not all(
        isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2**64 for n in (size, index)
    ):
        raise Rejected("PROOF_MALFORMED", "tree_size and leaf_index must be unsigned integers")
    if not isinstance(path, list) or len(path) > MAX_PATH:
        raise Rejected(
            "PROOF_MALFORMED", f"the inclusion path must be an array of at most {MAX_PATH}"
        )
    if not all(isinstance(p, bytes) and len(p) == rfc9162.HASH_SIZE for p in path):
        raise Rejected("PROOF_MALFORMED", "inclusion path entries must be 32-byte byte strings")
    return size, index, path


def verify_receipt(
    receipt: bytes, leaf_hash: bytes, keys: KeyFile, verdict: dict[str, Any]
) -> None:
    """Verifies one receipt for leaf_hash; fills verdict's tree_size, leaf_index, root."""
    sign1 = _parse(receipt, RECEIPT_UNDERSTOOD, "receipt")
    prot, unprot = sign1.protected, sign1.unprotected
    if VDS in unprot or VDP in prot:
        raise Rejected(
            "HEADER_INVALID",
            "vds (395) belongs in the protected header, vdp (396) in the unprotected",
        )
    if prot.get(VDS) != RFC9162_SHA256 or isinstance(prot.get(VDS), bool):
        raise Rejected("UNSUPPORTED_VDS", f"vds {prot.get(VDS)!r} is not RFC9162_SHA256 (1)")
    alg = prot.get(cose_sign1.ALG)
    if isinstance(alg, bool) or alg not in cose_keys.SUPPORTED_ALGS:
        raise Rejected("UNSUPPORTED_ALG", f"alg {alg!r} is not EdDSA (-8) or ES256 (-7)")
    if sign1.payload is not None:
        raise Rejected("COSE_STRUCTURE", "a receipt's payload (the root) must be detached (nil)")
    size, index, path = _inclusion_proof(unprot)
    verdict["tree_size"], verdict["leaf_index"] = size, index
    try:
        root = rfc9162.root_from_inclusion_proof(index, size, leaf_hash, path)
    except rfc9162.ProofError as err:
        raise Rejected("PROOF_INVALID", str(err)) from err
    verdict["root"] = root.hex()
    kid = prot.get(cose_sign1.KID, unprot.get(cose_sign1.KID))
    if not _verify("receipt", alg, keys, kid, sign1.signature, sign1.sig_structure(root)):
        raise Rejected(
            "SIGNATURE_INVALID", "the receipt's signature does not verify over the recomputed root"
        )


def verify_statement_signature(
    statement: cose_sign1.Sign1, keys: KeyFile, payload: bytes | None
) -> None:
    if statement.payload is None and payload is None:
        raise UsageError("the statement's payload is detached: give it with --payload")
    if statement.payload is not None and payload is not None and payload != statement.payload:
        raise Rejected(
            "STATEMENT_SIGNATURE_INVALID", "--payload differs from the statement's payload"
        )
    body = statement.payload if statement.payload is not None else payload
    assert body is not None
    kid = statement.protected.get(cose_sign1.KID, statement.unprotected.get(cose_sign1.KID))
    alg = statement.protected.get(cose_sign1.ALG)
    if not _verify("statement", alg, keys, kid, statement.signature, statement.sig_structure(body)):
        raise Rejected(
            "STATEMENT_SIGNATURE_INVALID", "the signed statement's signature does not verify"
        )


def _entry(statement: cose_sign1.Sign1, mode: str, transparent: bool) -> bytes:
    if mode == "emptied-unprotected":
        return statement.with_empty_unprotected()
    registered = statement.without_unprotected(RECEIPTS) if transparent else statement.data
    return hashlib.sha256(registered).digest()


def _embedded_entry(receipt: bytes) -> bytes:
    """The entry a Proofline receipt carries (unprotected -65537); unverified until the receipt
    verifies with the leaf hash of these bytes."""
    entry = _parse(receipt, RECEIPT_UNDERSTOOD, "receipt").unprotected.get(LOG_ENTRY)
    if not isinstance(entry, bytes) or not 0 < len(entry) <= MAX_ENTRY:
        raise Rejected(
            "ENTRY_MISSING", f"the receipt carries no entry ({LOG_ENTRY}) of 1..{MAX_ENTRY} bytes"
        )
    return entry


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate member")
    return dict(pairs)


def check_record_entry(entry: bytes, statement: cose_sign1.Sign1) -> None:
    """The entry must be the Proofline record of this statement (see --leaf-entry)."""
    try:
        record = json.loads(entry.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as err:
        raise Rejected("ENTRY_MISMATCH", f"the entry is not a JSON record: {err}") from err
    if not isinstance(record, dict):
        raise Rejected("ENTRY_MISMATCH", "the entry is not a JSON object")
    digest = "sha256:" + hashlib.sha256(statement.with_empty_unprotected()).hexdigest()
    claims = statement.protected.get(CWT_CLAIMS)
    subject = claims.get(CWT_SUB) if isinstance(claims, dict) else None
    if not isinstance(subject, str):
        raise Rejected("ENTRY_MISMATCH", "the statement has no CWT sub (15 / 2) to compare")
    for member, want in (("digest", digest), ("type", SCITT_STATEMENT_TYPE), ("subject", subject)):
        if record.get(member) != want:
            raise Rejected(
                "ENTRY_MISMATCH", f"the entry's {member} {record.get(member)!r} is not {want!r}"
            )


def run(args: argparse.Namespace, verdict: dict[str, Any]) -> None:
    keys = KeyFile(args.key)
    issuer_keys = KeyFile(args.issuer_key) if args.issuer_key else None
    payload = _read(args.payload, MAX_PAYLOAD) if args.payload else None
    statement: cose_sign1.Sign1 | None = None
    if args.transparent:
        statement = _parse(
            _read(args.transparent, MAX_STATEMENT), STATEMENT_UNDERSTOOD, "statement"
        )
        if RECEIPTS in statement.protected:
            raise Rejected("HEADER_INVALID", "receipts (394) belong in the unprotected header")
        # the leaf first: the verdict reports it even when the receipts are unusable
        if args.leaf_entry != "proofline-record":
            leaf = rfc9162.leaf_hash(_entry(statement, args.leaf_entry, True))
            verdict["leaf_hash"] = leaf.hex()
        receipts = statement.unprotected.get(RECEIPTS)
        if not (
            isinstance(receipts, list) and receipts and all(isinstance(r, bytes) for r in receipts)
        ):
            raise Rejected(
                "RECEIPT_MISSING", "header 394 is not a non-empty array of byte-string receipts"
            )
        if args.receipt_index is None and len(receipts) != 1:
            raise UsageError(
                f"the statement holds {len(receipts)} receipts: choose one with --receipt-index"
            )
        i = args.receipt_index or 0
        if i >= len(receipts):
            raise UsageError(f"--receipt-index {i}: the statement holds {len(receipts)} receipts")
        receipt = receipts[i]
        if len(receipt) > MAX_RECEIPT:
            raise Rejected("INPUT_TOO_LARGE", f"receipt {i} is larger than {MAX_RECEIPT} bytes")
        if args.leaf_entry == "proofline-record":
            entry = _embedded_entry(receipt)
            leaf = rfc9162.leaf_hash(entry)
    else:
        receipt = _read(args.receipt, MAX_RECEIPT)
        if args.statement:
            statement = _parse(
                _read(args.statement, MAX_STATEMENT), STATEMENT_UNDERSTOOD, "statement"
            )
            leaf = rfc9162.leaf_hash(_entry(statement, args.leaf_entry, False))
        elif args.entry:
            leaf = rfc9162.leaf_hash(_read(args.entry, MAX_STATEMENT))
        else:
            leaf = args.leaf_hash
    verdict["leaf_hash"] = leaf.hex()
    verify_receipt(receipt, leaf, keys, verdict)
    if args.expect_root is not None and verdict["root"] != args.expect_root.hex():
        raise Rejected(
            "ROOT_MISMATCH",
            f"the receipt proves root {verdict['root']}, not {args.expect_root.hex()}",
        )
    if args.expect_tree_size is not None and verdict["tree_size"] != args.expect_tree_size:
        raise Rejected(
            "TREE_SIZE_MISMATCH",
            f"the receipt says tree_size {verdict['tree_size']}, not {args.expect_tree_size}",
        )
    if args.leaf_entry == "proofline-record":
        assert statement is not None
        check_record_entry(entry, statement)
    if issuer_keys:
        assert statement is not None  # parse_args requires a statement with --issuer-key
        verify_statement_signature(statement, issuer_keys, payload)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _hash32(text: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError("not hex") from err
    if len(value) != 32:
        raise argparse.ArgumentTypeError("not 32 bytes")
    return value


def _uint(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError("not an unsigned integer")
    return int(text)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = _Parser(
        prog="scitt_verify.py",
        description="Verify an RFC 9942 receipt (vds 1).",
        allow_abbrev=False,
        add_help=False,
    )
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--receipt")
    source.add_argument("--transparent")
    leaf = p.add_mutually_exclusive_group()
    leaf.add_argument("--statement")
    leaf.add_argument("--entry")
    leaf.add_argument("--leaf-hash", type=_hash32)
    p.add_argument("--key", required=True)
    p.add_argument(
        "--leaf-entry",
        choices=["statement-sha256", "emptied-unprotected", "proofline-record"],
    )
    p.add_argument("--issuer-key")
    p.add_argument("--payload")
    p.add_argument("--receipt-index", type=_uint)
    p.add_argument("--expect-root", type=_hash32)
    p.add_argument("--expect-tree-size", type=_uint)
    args = p.parse_args(argv)
    options = [a.split("=", 1)[0] for a in argv if a.startswith("--")]
    repeated = sorted({o for o in options if options.count(o) > 1})
    if repeated:  # argparse would silently keep the last one
        p.error(f"options given more than once: {', '.join(repeated)}")
    has_leaf = args.statement or args.entry or args.leaf_hash is not None
    if args.receipt and not has_leaf:
        p.error("--receipt needs the leaf: --statement, --entry or --leaf-hash")
    if args.transparent and has_leaf:
        p.error("--transparent carries its own statement: no --statement, --entry, --leaf-hash")
    if args.receipt and args.receipt_index is not None:
        p.error("--receipt-index goes with --transparent")
    if args.issuer_key and not (args.statement or args.transparent):
        p.error("--issuer-key needs the statement (--statement or --transparent)")
    if args.leaf_entry and not (args.statement or args.transparent):
        p.error("--leaf-entry defines the entry of a statement (--statement or --transparent)")
    if args.leaf_entry == "proofline-record" and not args.transparent:
        p.error("--leaf-entry proofline-record reads the entry of a --transparent's receipt")
    args.leaf_entry = args.leaf_entry or "statement-sha256"
    if args.payload and not args.issuer_key:
        p.error("--payload goes with --issuer-key")
    return args


def verify(argv: list[str]) -> tuple[int, dict[str, Any]]:
    """The exit status and the verdict for one command line (see CONTRACT)."""
    verdict: dict[str, Any] = {
        "ok": False,
        "code": None,
        "error": None,
        "tree_size": None,
        "leaf_index": None,
        "root": None,
        "leaf_hash": None,
    }
    status = 1
    try:
        run(parse_args(argv), verdict)
        verdict["ok"], status = True, 0
    except Rejected as err:
        verdict["code"], verdict["error"] = err.code, str(err)
    except UsageError as err:
        verdict["code"], verdict["error"], status = "USAGE", str(err), 2
    except Exception as err:  # a bug here: report it as such, never as a verdict on the input
        verdict["code"], verdict["error"], status = "INTERNAL", f"{type(err).__name__}: {err}", 3
    return status, verdict


def batch(text: str) -> tuple[int, list[dict[str, Any]]]:
    """--batch: stdin is a JSON array of argument arrays; the output a JSON array of
    {"status", "verdict"}, one per command line, as if each had run alone. Exit status 0, or 2
    when stdin is not such an array (nothing is verified then)."""
    try:
        jobs = json.loads(text)
    except ValueError:
        jobs = None
    if not isinstance(jobs, list) or not all(
        isinstance(j, list) and all(isinstance(a, str) for a in j) for j in jobs
    ):
        return 2, [
            {
                "status": 2,
                "verdict": {
                    "ok": False,
                    "code": "USAGE",
                    "error": "--batch reads a JSON array of argument arrays",
                },
            }
        ]
    results = []
    for job in jobs:
        status, verdict = verify(job)
        results.append({"status": status, "verdict": verdict})
    return 0, results


def main(argv: list[str]) -> int:
    if argv == ["--batch"]:
        status, results = batch(sys.stdin.read())
        print(json.dumps(results))
        return status
    status, verdict = verify(argv)
    print(json.dumps(verdict))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
