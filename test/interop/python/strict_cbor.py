"""Strict, bounded well-formedness check of untrusted CBOR (RFC 8949) before cbor2 decodes it.

scan(data) walks one CBOR data item and returns a Node tree of byte spans; decode(data) scans,
then hands the same bytes to cbor2. The scan refuses, with CborError:
  - truncated items, trailing bytes after the item, reserved additional-information values;
  - indefinite lengths (COSE structures here are always definite);
  - any tag, except tag 18 (COSE_Sign1) as the outermost item when the caller allows it; so
    cbor2's semantic tags (shared references 28/29, sets, dates, bignums) never reach it;
  - nesting deeper than MAX_DEPTH, more than MAX_ITEMS items, a declared length larger than the
    bytes that remain (no allocation is driven by a declared length);
  - map keys other than integers and text strings (COSE labels), and duplicate keys (compared
    by value, so 0x01 and 0x1801 are the same key);
  - text strings that are not UTF-8; simple values other than false, true, null, undefined.
Never raises anything but CborError on any input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cbor2

MAX_DEPTH = 16
MAX_ITEMS = 100_000


class CborError(Exception):
    """The bytes are not one strict, bounded CBOR item as described in the module docstring."""


@dataclass
class Node:
    """One data item: its major type, its span data[start:end], and its parts.

    value: the integer, the string (bytes or str), the tag number, or the simple/float head
    value. children: array elements, or [key, value, key, value, ...] for maps, or [content]
    for the outer tag.
    """

    major: int
    start: int
    end: int
    value: Any = None
    children: list[Node] = field(default_factory=list)


class _Scanner:
    def __init__(self, data: bytes, top_tag: int | None) -> None:
        self.data = data
        self.top_tag = top_tag
        self.items = 0

    def head(self, pos: int) -> tuple[int, int, int]:
        """Returns (major, argument, position after the head)."""
        if pos >= len(self.data):
            raise CborError("truncated: an item is missing")
        initial = self.data[pos]
        major, info = initial >> 5, initial & 0x1F
        if info < 24:
            return major, info, pos + 1
        if info > 27:
            raise CborError(
                "indefinite lengths are refused"
                if info == 31
                else "reserved additional information"
            )
        size = 1 << (info - 24)
        if pos + 1 + size > len(self.data):
            raise CborError("truncated: an item head is cut off")
        return major, int.from_bytes(self.data[pos + 1 : pos + 1 + size], "big"), pos + 1 + size

    def item(self, pos: int, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise CborError(f"nesting deeper than {MAX_DEPTH}")
        self.items += 1
        if self.items > MAX_ITEMS:
            raise CborError(f"more than {MAX_ITEMS} items")
        major, arg, after = self.head(pos)
        remaining = len(self.data) - after
        if major in (0, 1):
            return Node(major, pos, after, arg if major == 0 else -1 - arg)
        if major in (2, 3):
            if arg > remaining:
                raise CborError("a string's length exceeds the input")
            raw = self.data[after : after + arg]
            if major == 3:
                try:
                    return Node(major, pos, after + arg, raw.decode("utf-8"))
                except UnicodeDecodeError as err:
                    raise CborError("a text string is not UTF-8") from err
            return Node(major, pos, after + arg, raw)
        if major == 4:
            if arg > remaining:
                raise CborError("an array's length exceeds the input")
            node = Node(major, pos, after, arg)
            for _ in range(arg):
                child = self.item(node.end, depth + 1)
                node.children.append(child)
                node.end = child.end
            return node
        if major == 5:
            if 2 * arg > remaining:
                raise CborError("a map's length exceeds the input")
            node = Node(major, pos, after, arg)
            seen: set[tuple[int, Any]] = set()
            for _ in range(arg):
                key = self.item(node.end, depth + 1)
                if key.major not in (0, 1, 3):
                    raise CborError("a map key is neither an integer nor a text string")
                label = (3 if key.major == 3 else 0, key.value)
                if label in seen:
                    raise CborError(f"duplicate map key {key.value!r}")
                seen.add(label)
                value = self.item(key.end, depth + 1)
                node.children += [key, value]
                node.end = value.end
            return node
        if major == 6:
            if depth != 0 or self.top_tag is None or arg != self.top_tag:
                raise CborError(f"tag {arg} is not allowed here")
            content = self.item(after, depth + 1)
            return Node(major, pos, content.end, arg, [content])
        # major 7: simple values and floats
        info = self.data[pos] & 0x1F
        if info in (20, 21, 22, 23, 25, 26, 27):
            return Node(major, pos, after, arg)
        raise CborError("unassigned simple value")


def scan(data: bytes, top_tag: int | None = None) -> Node:
    """Checks that data is exactly one strict CBOR item; top_tag: the one tag allowed outermost."""
    scanner = _Scanner(data, top_tag)
    node = scanner.item(0, 0)
    if node.end != len(data):
        raise CborError("trailing bytes after the item")
    return node


def decode(data: bytes, top_tag: int | None = None) -> Any:
    """scan(), then cbor2's decoding of the same bytes (a top tag becomes a cbor2.CBORTag)."""
    scan(data, top_tag)
    try:
        return cbor2.loads(data)
    except Exception as err:  # cbor2 disagreeing with the scan is still a refusal, not a crash
        raise CborError(f"cbor2 refused the item: {err}") from err
