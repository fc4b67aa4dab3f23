"""Keyword side of retrieval: jieba search-mode tokens for SQLite FTS5, and safe MATCH expressions.

Both sides are folded to simplified characters first (``index.simplified``),
so a 繁體 passage matches a 简体 query and the reverse.

FTS5's own ``unicode61`` tokenizer takes a whole run of Hanzi as one token, so
"四川省人民政府" could never match "四川". Both passages and queries are cut
here with ``jieba.cut_for_search`` (which also yields the short words inside
long ones) and stored space-separated, so FTS5 only has to split on spaces.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Iterable

from govqa.index.simplified import to_simplified

# Function words and question words: frequent in questions, useless as evidence in passages.
STOPWORDS = frozenset(
    "的 了 是 和 与 及 或 在 有 为 对 把 被 将 等 也 都 就 这 那 这个 那个 之 其 "
    "哪些 哪个 哪里 哪 什么 多少 几 怎么 怎样 如何 为什么 是否 吗 呢 吧 啊 呀 么 请问 请 "
    "the a an of and or to in on for is are what which how".split()
)

_jieba_lock = threading.Lock()
_jieba = None


def _cutter():
    """jieba, initialised once and quietly (it logs its dictionary loading otherwise)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def _is_word(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


def _terms(text: str) -> list[str]:
    text = to_simplified(unicodedata.normalize("NFKC", text))  # full-width ＧＤＰ / １９８９ → GDP / 1989
    return [t.strip() for t in _cutter().cut_for_search(text) if _is_word(t) and t.strip().lower() not in STOPWORDS]


def tokenize(text: str) -> list[str]:
    """Lowercased search-mode tokens of ``text``, without punctuation, whitespace or stopwords."""
    return [t.lower() for t in _terms(text)]


def index_text(text: str) -> str:
    """The string stored in the FTS5 table: tokens separated by spaces."""
    return " ".join(tokenize(text))


def query_terms(text: str) -> list[str]:
    """The distinct content words of a question as they appear in text (case kept), e.g. for highlighting."""
    return list(dict.fromkeys(_terms(text)))


def query_tokens(text: str) -> list[str]:
    """The tokens a question searches with: ``tokenize`` without the pieces of a longer token.

    Search mode cuts "生产总值" into 生产, 总值 and 生产总值, and every one of
    them matches a passage holding the word, so BM25 would count one word of
    the question three times. Keeping the longest form counts it once; the
    passages still match it, since they are indexed with all the forms.
    """
    tokens = list(dict.fromkeys(tokenize(text)))
    return [t for t in tokens if not any(t != other and t in other for other in tokens)]


def match_expression(tokens: Iterable[str]) -> str:
    """An FTS5 MATCH expression: every distinct token double-quoted, joined with OR.

    Quoting makes each token a literal phrase, so user text containing ``"``,
    ``*``, ``NEAR(``, ``OR``, ``-``, ``:`` or ``^`` cannot change the query's
    meaning or break its syntax. No tokens give ``""`` (meaning: no keyword hits).
    """
    quoted = ['"' + t.replace('"', '""') + '"' for t in dict.fromkeys(tokens) if t]
    return " OR ".join(quoted)
