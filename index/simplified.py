"""The simplified-character form of text, for matching only: a 繁體 report answers a 简体 question and the reverse.

Both sides of every comparison (BM25 tokens, the embedded retrieval text, the
query, the verdict's words) are folded to simplified characters with OpenCC's
``t2s`` configuration (the ``opencc`` package: the reference C++ converter with
its dictionaries bundled in the wheel, so it works offline). Displayed and
cited text stays as the report wrote it. OpenCC converts a million characters
of simplified text in about 20 ms (measured on the 49 national reports; the
pure-Python ``opencc-python-reimplemented`` took 1.1 s), so simplified text,
most of the corpus, pays next to nothing.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_converter = None


def _t2s():
    global _converter
    if _converter is None:
        with _lock:
            if _converter is None:
                try:
                    import opencc
                except ImportError as exc:  # pragma: no cover - a declared dependency
                    raise ImportError("OpenCC is not available: install it with `pip install opencc`") from exc
                _converter = opencc.OpenCC("t2s")
    return _converter


def to_simplified(text: str) -> str:
    """``text`` with traditional characters and phrases in their simplified form (鄉村振興 → 乡村振兴).

    Simplified text comes back unchanged but for rare variant forms (拚 → 拼).
    The length may differ for a few phrases, so never use offsets of the result
    on the original.
    """
    return _t2s().convert(text) if text else text
