"""The part of a long, chatty question that asks, apart from the asker's background.

"我是一名个体工商户，2023年的时候申请过一次补贴，后来听朋友说政策有变化，想问一下
今年小微企业的贷款贴息政策是什么" asks about 今年's 小微企业贷款贴息政策; 2023 is
when the asker applied, not the year asked about, and 个体工商户, 申请, 补贴
are the asker's story. Embedded whole, such a question is far from every
sentence that answers it, and its background years become year filters.

``asking_part`` keeps what asks and drops what tells:

- only questions of ``LONG_QUESTION`` characters or more are read so (the
  short questions staff type are all asking part: "小微企业借钱难，市里有什么
  帮扶举措" needs its first clause);
- sentences without a question word after the last one that has one are
  background ("…？我问这个是因为2017年我们小区…"), and so are those before the
  first one;
- in the first asking sentence, everything before the clause that asks is
  background up to the last clause that turns to the question ("有个问题一直
  没搞明白，", "麻烦帮忙看一下，") or tells the asker's story (我/我们, 的时候,
  当时, 听朋友说); a turn inside the clause that asks ("想问一下今年…是什么",
  "想咨询一个问题：援藏项目") cuts it there.

What is left is what the question is about: its years, relative years,
terms, kind and unit are read from it (``qa.question.understand``), BM25
searches it, and its embedding weighs more than the whole question's
(``[search] asking_weight``).
"""

from __future__ import annotations

import re

# Questions shorter than this are taken whole: the longest of the dev and check sets has 34 characters.
LONG_QUESTION = 40
_SENTENCES = re.compile(r"[^。！？!?\n]+[。！？!?\n]*")
_CLAUSE_END = "，,；;：:"
_ASKS = re.compile(
    r"什么|哪|多少|几[个项条家所次年天月号种类位名]|怎么|怎样|如何|为什么|为何|是否|有没有|是不是|能不能|可不可以|"
    r"吗|呢|谁|何时|啥|多[大长高远久]|([\u4e00-\u9fff])不\1"  # A-not-A: 够不够, 满不满意
)
# A turn to the question: what follows it asks. Polite openings and closings are no content either.
_TURN = re.compile(
    r"(?:想|要)?(?:请问|问一下|问问|问一问|请教一下|请教|咨询一下|咨询|了解一下|打听一下|打听)(?:一个问题|个问题|一下)?|"
    r"(?:麻烦|劳驾)(?:您|你)?(?:帮忙|帮我)?(?:看一下|看看|查一下|解答一下|告诉我)?|想知道|告诉我|"
    rf"有个问题[^{_CLAUSE_END}]*"  # "有个问题一直没搞明白，": the whole clause turns to the question
)
_CONTENT = re.compile(r"[\u4e00-\u9fff0-9A-Za-z]")
# The asker's own story: first person, family and friends, a time of their life.
_PERSONAL = re.compile(r"我|本人|咱|俺|的时候|那时候|当时|曾经|听.{0,3}说")


def asking_part(question: str) -> str:
    """The part of ``question`` that asks (see the module's docstring); the question itself when short or plain."""
    if len(question) < LONG_QUESTION:
        return question
    sentences = [s for s in _SENTENCES.findall(question) if s.strip()]
    asking = [i for i, s in enumerate(sentences) if _ASKS.search(s)]
    # A term asked about without a question word ("…想请教一下：援藏项目"): the whole is one asking sentence.
    kept = sentences[asking[0] : asking[-1] + 1] if asking else ["".join(sentences)]
    kept[0] = _without_background(kept[0])
    part = "".join(kept).strip()
    return part or question


def _without_background(sentence: str) -> str:
    """``sentence`` from the end of its last turn or personal clause before the clause that asks."""
    clauses = re.findall(rf"[^{_CLAUSE_END}]+[{_CLAUSE_END}]*", sentence)
    # The first clause that asks (the question may run over several: "派了多少人、去了哪里"), else the last.
    first = next((i for i, c in enumerate(clauses) if _ASKS.search(c)), len(clauses) - 1)
    start = 0
    for i in range(first + 1):
        turns = list(_TURN.finditer(clauses[i]))
        rest = clauses[i][turns[-1].end() :].lstrip("：:，, ") if turns else ""
        if turns and _CONTENT.search(rest):  # "请问为经济困难的老人…，": the question follows the turn
            clauses[i], start = rest, i
        elif turns or (i < first and _PERSONAL.search(clauses[i])):
            start = i + 1
    return "".join(clauses[start:])
