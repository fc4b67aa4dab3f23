"""Abbreviations and synonyms (GDP ↔ 地区生产总值, PM2.5 ↔ 细颗粒物): one curated list, ``qa/data/synonyms.txt``.

A question that says GDP must find and accept the sentence that says
地区生产总值. The list serves two uses: ``expansions`` gives the other names
to add to a BM25 query, and ``comparable`` rewrites a text so that every name
of a group reads as the group's canonical name (and traditional characters as
simplified), for the verdict's and the highlight's word matching. The file's
header says how to extend it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from govqa.index.simplified import to_simplified

_LATIN = re.compile(r"[A-Za-z0-9]")


def load_groups(text: str) -> tuple[tuple[str, ...], ...]:
    """The groups of a synonyms file's text: one tuple of names per non-comment line, canonical name first.

    Raises ``ValueError`` naming the line for a group of fewer than two names.
    """
    groups = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        names = tuple(dict.fromkeys(to_simplified(n) for n in line.split()))
        if len(names) < 2:
            raise ValueError(f"synonyms line {number}: {line!r} has one name; a group needs two or more")
        groups.append(names)
    return tuple(groups)


@lru_cache(maxsize=1)
def groups() -> tuple[tuple[str, ...], ...]:
    """The shipped groups (``qa/data/synonyms.txt``)."""
    return load_groups(resources.files("govqa.qa").joinpath("data", "synonyms.txt").read_text("utf-8"))


def _pattern(name: str) -> str:
    """A name as a regex; a Latin name (GDP, 5G) never matches inside a longer Latin word or number."""
    body = re.escape(name)
    if _LATIN.match(name[0]):
        body = r"(?<![A-Za-z0-9.])" + body
    if _LATIN.match(name[-1]):
        body += r"(?![A-Za-z0-9])"
    return body


@lru_cache(maxsize=1)
def _matcher() -> tuple[re.Pattern[str], dict[str, int]]:
    """One regex for every name, longest first (地区生产总值 before 生产总值), and name → group number."""
    owner: dict[str, int] = {}
    for number, names in enumerate(groups()):
        for name in names:
            owner.setdefault(name.casefold(), number)
    longest_first = sorted(owner, key=len, reverse=True)
    return re.compile("|".join(_pattern(n) for n in longest_first), re.IGNORECASE), owner


def mentioned(text: str) -> list[int]:
    """Numbers of the groups whose names occur in ``text`` (in simplified form), in order of first mention."""
    pattern, owner = _matcher()
    return list(dict.fromkeys(owner[m.group(0).casefold()] for m in pattern.finditer(to_simplified(text))))


def expansions(text: str) -> list[str]:
    """The other names of every group ``text`` mentions: "2023年GDP是多少" → 地区生产总值, 国内生产总值, 生产总值."""
    folded = to_simplified(text).casefold()
    return [name for number in mentioned(text) for name in groups()[number] if name.casefold() not in folded]


@lru_cache(maxsize=1 << 14)
def comparable(text: str) -> str:
    """``text`` in simplified characters with every group name replaced by its canonical name, for word matching.

    Cached: a search folds each candidate's section path and sentences (about a hundred texts), and the
    same sections and passages come back from one question to the next."""
    pattern, owner = _matcher()
    return pattern.sub(lambda m: groups()[owner[m.group(0).casefold()]][0], to_simplified(text))
