"""RFC 9162 (Certificate Transparency 2.0) Merkle tree maths with SHA-256, from the RFC's text.

leaf_hash(entry) = SHA-256(0x00 || entry); interior nodes SHA-256(0x01 || left || right)
(RFC 9162 §2.1.1). root_from_inclusion_proof follows §2.1.3.2 step by step, returning the root
the proof leads to instead of comparing it with a given one (a COSE receipt signs that root).
Raises ProofError for a proof that cannot belong to the given index and size.
"""

from __future__ import annotations

import hashlib

HASH_SIZE = 32


class ProofError(Exception):
    """The inclusion proof is inconsistent with the leaf index and tree size."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_tree_hash(leaves: list[bytes]) -> bytes:
    """MTH of the given entries (§2.1.1): the root of the whole tree."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    split = 1 << ((len(leaves) - 1).bit_length() - 1)  # largest power of two < n
    return node_hash(merkle_tree_hash(leaves[:split]), merkle_tree_hash(leaves[split:]))


def root_from_inclusion_proof(
    leaf_index: int, tree_size: int, hash_: bytes, inclusion_path: list[bytes]
) -> bytes:
    """The root that hash_ at leaf_index leads to through inclusion_path (§2.1.3.2, steps 1-5)."""
    if len(hash_) != HASH_SIZE or any(len(p) != HASH_SIZE for p in inclusion_path):
        raise ProofError("hashes must be 32 bytes")
    # 1. leaf_index must be smaller than tree_size.
    if not 0 <= leaf_index < tree_size:
        raise ProofError(f"leaf index {leaf_index} is not below tree size {tree_size}")
    # 2. fn = leaf_index, sn = tree_size - 1.  3. r = hash.
    fn, sn, r = leaf_index, tree_size - 1, hash_
    # 4. for each p in inclusion_path:
    for p in inclusion_path:
        # a. if sn is 0, the path is too long.
        if sn == 0:
            raise ProofError("the inclusion path is longer than the tree allows")
        # b. if LSB(fn) is set or fn == sn, p is a left sibling ...
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # ... and, if LSB(fn) is not set, shift until it is or fn is 0.
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:  # otherwise p is a right sibling.
            r = node_hash(r, p)
        # c. shift fn and sn once.
        fn >>= 1
        sn >>= 1
    # 5. sn must be 0: the path reached the root (r is then the root).
    if sn != 0:
        raise ProofError("the inclusion path is shorter than the tree requires")
    return r
