"""Build a sentencepiece "precompiled charsmap" from a code-point -> string map.

The charsmap is what the ``tokenizers`` ``Precompiled`` normaliser reads: a
u32 byte length, a darts-clone double-array trie (u32 units) over the UTF-8
keys, then the replacement strings, each NUL-terminated; a key's trie value is
the byte offset of its replacement.

A darts-clone unit packs, for an inner node, the byte label (bits 0-7), a
"has leaf" flag (bit 8) and the XOR offset to its children (bits 10-30; bit 9
would scale it by 256, never needed here). The child reached by byte ``c`` from
node ``p`` sits at ``p ^ offset ^ c`` and must carry label ``c``; the value of
a key ending at ``p`` sits at ``p ^ offset`` (label 0) with bit 31 set.
"""

from __future__ import annotations

import struct

_LEAF_FLAG = 1 << 8
_VALUE_FLAG = 1 << 31
_MAX_OFFSET = 1 << 21


def _build_trie(keys: dict[bytes, int]) -> dict:
    """Nested dict trie; the value of a key ending at a node is stored under ``None``."""
    root: dict = {}
    for key, value in keys.items():
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    return root


def build_double_array(keys: dict[bytes, int]) -> list[int]:
    """Darts-clone units for ``keys`` (non-empty byte strings -> values below 2**31)."""
    units = [0]
    used = [True]  # slot 0 is the root and can never be a child
    used_bases: set[int] = set()
    free_from = 1
    queue = [(0, _build_trie(keys))]
    while queue:
        pos, node = queue.pop()
        labels = sorted(b for b in node if b is not None)
        if None in node:
            labels.insert(0, 0)  # the value slot: label 0 at the base itself
        while free_from < len(used) and used[free_from]:
            free_from += 1
        base = _find_base(labels, used, used_bases, free_from)
        used_bases.add(base)
        need = max(base ^ c for c in labels) + 1
        if need > len(used):
            used.extend([False] * (need - len(used)))
            units.extend([0] * (need - len(units)))
        offset = pos ^ base
        if offset >= _MAX_OFFSET:
            raise ValueError("charsmap too large for a single-scale darts offset")
        units[pos] |= (offset << 10) | (_LEAF_FLAG if None in node else 0)
        for c in labels:
            used[base ^ c] = True
        if None in node:
            units[base] = node[None] | _VALUE_FLAG
        for c in labels:
            if c:
                units[base ^ c] = c
                queue.append((base ^ c, node[c]))
    # Lookups XOR any byte into a base, so every 256-unit block a base lives
    # in must exist in full: the reader does not bounds-check.
    units.extend([0] * (-len(units) % 256))
    return units


def _find_base(labels: list[int], used: list[bool], used_bases: set[int], start: int) -> int:
    """Smallest base whose child slots are all free, at or after the first free slot."""
    slot = start
    while True:
        base = slot ^ labels[0]
        if base not in used_bases and all(base ^ c >= len(used) or not used[base ^ c] for c in labels):
            return base
        slot += 1
        while slot < len(used) and used[slot]:
            slot += 1


def build_charsmap(mapping: dict[int, str]) -> bytes:
    """The precompiled charsmap replacing each code point of ``mapping`` by its string."""
    blob = bytearray()
    offsets: dict[str, int] = {}
    keys: dict[bytes, int] = {}
    for cp in sorted(mapping):
        out = mapping[cp]
        if out not in offsets:
            offsets[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        keys[chr(cp).encode("utf-8")] = offsets[out]
    units = build_double_array(keys)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def lookup(charsmap: bytes, key: bytes) -> str | None:
    """Replacement of the shortest key prefixing ``key``, as ``Precompiled`` does (for tests)."""
    (size,) = struct.unpack_from("<I", charsmap, 0)
    units = struct.unpack_from(f"<{size // 4}I", charsmap, 4)
    blob = charsmap[4 + size :]
    pos = (units[0] >> 10) << ((units[0] & (1 << 9)) >> 6)
    for c in key:
        pos ^= c
        unit = units[pos] if pos < len(units) else 0
        if unit & (_VALUE_FLAG | 0xFF) != c:
            return None
        pos ^= (unit >> 10) << ((unit & (1 << 9)) >> 6)
        if unit & _LEAF_FLAG:
            start = units[pos] & (_VALUE_FLAG - 1)
            return blob[start : blob.index(b"\0", start)].decode("utf-8")
    return None
