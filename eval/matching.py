"""The matching rule: when a retrieved passage answers a question.

A passage answers when it comes from the question's gold document and
contains one of its evidence strings, both sides normalised the same way:
Unicode NFKC, every whitespace character removed, markdown emphasis (``*``)
removed. For policy-qa questions the evidence is the first
``POLICY_QA_PREFIX`` characters of the normalised answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

POLICY_QA_PREFIX = 30

_STRIP = re.compile(r"[\s*]+")


def normalize(text: str) -> str:
    """NFKC, then drop all whitespace and ``*`` (so ``**7%左右**`` matches ``7%左右``)."""
    # NFKC first: it turns the ideographic space U+3000 and full-width forms into
    # plain ones, so the strip below sees them.
    return _STRIP.sub("", unicodedata.normalize("NFKC", text))


def evidence_prefix(answer: str, length: int = POLICY_QA_PREFIX) -> str:
    """The evidence of a policy-qa question: its answer normalised, cut to ``length`` characters."""
    return normalize(answer)[:length]


def same_doc(gold: str | None, got: str) -> bool:
    """Whether a hit's document name is the gold one (exact, after NFC so macOS file names agree)."""
    if gold is None:
        return False
    return unicodedata.normalize("NFC", gold) == unicodedata.normalize("NFC", got)


def contains_evidence(text: str, evidence: Iterable[str]) -> bool:
    """Whether ``text`` contains one of ``evidence``, both normalised; empty evidence never matches."""
    haystack = normalize(text)
    return any(needle and needle in haystack for needle in (normalize(e) for e in evidence))


def answers(gold_doc: str | None, evidence: Iterable[str], hit_doc: str, hit_text: str) -> bool:
    """The rule: the hit comes from ``gold_doc`` and contains one of ``evidence``."""
    return same_doc(gold_doc, hit_doc) and contains_evidence(hit_text, evidence)
