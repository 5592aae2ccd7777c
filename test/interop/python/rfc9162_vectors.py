#!/usr/bin/python3
"""Checks rfc9162.py against trees and proofs of two Go implementations.

  rfc9162_vectors.py FILE...

A FILE is either a tree built with golang.org/x/mod/sumdb/tlog
(testdata/scitt/tradeverifyd-xmod-tlog/tlog-size-*.json) or an inclusion-proof case of
transparency-dev/merkle (testdata/rfc6962-merkle/inclusion/*/*.json: {"leafIdx", "treeSize",
"root", "leafHash", "proof": [base64], "wantErr"}; the proof must lead to the root exactly when
wantErr is false; a ProofError counts as not leading there).

A tree FILE: {"treeSize", "leaves": [hex entry], "root": hex, "inclusionProofs": [{"leafIndex",
"auditPath": [hex]}]}. For each file the Merkle tree hash of the leaves must be the root, every
inclusion proof must lead from its leaf to the root, and the same proof with one byte of its
first hash flipped (or, for a path of one tree, the leaf flipped) must not. Prints one JSON
object {"ok": bool, "files": [{"file", "tree_size", "proofs", "failures": [text]}]} and exits
0 when every check held, 1 otherwise; a malformed file counts as a failure.
"""

from __future__ import annotations

import base64
import binascii
import json
import sys
from typing import Any

import rfc9162


def _flip(b: bytes) -> bytes:
    return bytes([b[0] ^ 1]) + b[1:]


def check_case(doc: dict[str, Any], report: dict[str, Any]) -> None:
    """One transparency-dev/merkle inclusion case."""
    index, size = doc["leafIdx"], doc["treeSize"]
    root = base64.b64decode(doc["root"], validate=True)
    leaf = base64.b64decode(doc["leafHash"], validate=True)
    path_ = [
        base64.b64decode(p, validate=True) for p in doc["proof"] or []
    ]  # Go writes an empty path as null
    report["tree_size"] = size
    try:
        leads = rfc9162.root_from_inclusion_proof(index, size, leaf, path_) == root
    except rfc9162.ProofError:
        leads = False
    if leads == doc["wantErr"]:
        report["failures"].append(f"{doc['desc']}: wantErr {doc['wantErr']}, leads to root {leads}")
    report["proofs"] = 1


def check_file(path: str) -> dict[str, Any]:
    report: dict[str, Any] = {"file": path, "tree_size": None, "proofs": 0, "failures": []}
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if "leafIdx" in doc:
            check_case(doc, report)
            return report
        size, root = doc["treeSize"], bytes.fromhex(doc["root"])
        leaves = [bytes.fromhex(x) for x in doc["leaves"]]
        report["tree_size"] = size
        if len(leaves) != size:
            report["failures"].append(f"{len(leaves)} leaves for tree size {size}")
        if rfc9162.merkle_tree_hash(leaves) != root:
            report["failures"].append("the Merkle tree hash of the leaves is not the root")
        for proof in doc["inclusionProofs"]:
            index = proof["leafIndex"]
            path_ = [bytes.fromhex(x) for x in proof["auditPath"]]
            leaf = rfc9162.leaf_hash(leaves[index])
            if rfc9162.root_from_inclusion_proof(index, size, leaf, path_) != root:
                report["failures"].append(f"the proof of leaf {index} does not lead to the root")
            tampered = ([_flip(path_[0])] + path_[1:], leaf) if path_ else (path_, _flip(leaf))
            if rfc9162.root_from_inclusion_proof(index, size, tampered[1], tampered[0]) == root:
                report["failures"].append(
                    f"a tampered proof of leaf {index} still leads to the root"
                )
            report["proofs"] += 1
        if report["proofs"] != size:
            report["failures"].append(f"{report['proofs']} inclusion proofs for {size} leaves")
    except (
        OSError,
        ValueError,
        KeyError,
        TypeError,
        IndexError,
        binascii.Error,
        rfc9162.ProofError,
    ) as err:
        report["failures"].append(f"{type(err).__name__}: {err}")
    return report


def main(paths: list[str]) -> int:
    files = [check_file(p) for p in paths]
    ok = bool(files) and all(not f["failures"] for f in files)
    print(json.dumps({"ok": ok, "files": files}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
