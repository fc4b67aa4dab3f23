"""Generate long, chatty paraphrases of a question set: each question wrapped in personal background.

    python -m govqa.eval.long_questions QUESTIONS --out FILE

Staff and citizens ask at length: "我是一名个体工商户，2016年的时候申请过一次补贴，
金额大概3000元，……想问一下：{question}". The background names other years and
numbers than the question; it must not become the year asked about, nor drown
the part that asks. Each question of QUESTIONS is wrapped in one of a few
templates (chosen by a hash of its id, so the output never changes), each
filled with a year the question does not name (2015–2018) and numbers, and
with filler clauses until it is 80 characters long; a template is taken only
when the result is 80–110 characters long, trying the next ones in turn (the
closest length when none fits). Everything else of the
line (doc, evidence, answer, type) is kept; ``id`` gains ``-long`` and
``short`` holds the question as it was.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from govqa.qa.question import years_in

# {q}: the question; {year}: a year of the background; {n}, {m}, {k}: numbers; {more}: filler clauses, added
# until the question is long enough. The question ends with its own punctuation (？), so a template that goes
# on after it starts a new sentence.
TEMPLATES = (
    "我是一名个体工商户，{year}年的时候申请过一次补贴，金额大概{n}元，{more}后来听朋友说政策有变化，现在想请教一下：{q}",
    "您好，我在这边工作了{m}年，{year}年换过一次工作，家里有{k}口人，{more}最近在看政府工作报告，有个问题一直没搞明白，{q}",
    "打扰了，我是{year}年从外地搬过来的，之前在老家的时候也关心过这些事，{more}前后问过{k}个部门都没问清楚，所以想在这里问问：{q}",
    "我们公司有{n}名员工，{year}年营业额大约{m}00万元，{more}最近在做计划，需要了解一些政策背景，麻烦帮忙看一下，{q}谢谢！",
    "{q}我问这个是因为{year}年我们小区也讨论过类似的事，当时有{n}户居民参加，{more}大家意见不太统一，想了解一下官方的说法。",
    "你好，我去年刚退休，{year}年以前一直在企业上班，每个月退休金{n}元左右，{more}平时比较关注政策，想咨询一个问题：{q}",
)
# Written after qa/asking.py's rules were set, and never used to change them: a check that the rules read
# other phrasings than the ones they were written beside (``--held-out``).
HELD_OUT_TEMPLATES = (
    "领导好！本人是退役军人，{year}年退伍回到地方，那时候安置了一份工作，{more}现在自己开了个小店，有{k}个员工，请问{q}",
    "老师您好，{year}年我读大学时写过一篇关于本地发展的论文，引用过{n}个数据，{more}现在准备再更新一下，麻烦您告诉我：{q}",
    "{q}这个问题我{year}年的时候也问过一次，当时没有得到答复，{more}家里老人一直惦记着这件事，前后已经打了{k}次电话了。",
)
FILLERS = ("说实话我对这些政策了解得不多，", "在网上查了{k}天也没找到准确的说法，", "身边的人说法也都不一样，")
BACKGROUND_YEARS = (2015, 2016, 2017, 2018)
MIN_CHARS, MAX_CHARS = 80, 110


def _digest(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:12], 16)


def lengthen(question_id: str, question: str, templates: tuple[str, ...] = TEMPLATES) -> str:
    """``question`` wrapped in background clauses, the same for the same id and question every time."""
    seed = _digest(question_id)
    named = years_in(question)
    years = [y for y in BACKGROUND_YEARS if y not in named]
    fill = {"year": years[seed % len(years)], "n": 30 + seed % 70 * 100, "m": 3 + seed % 17, "k": 2 + seed % 5}
    made = []
    for i in range(len(templates)):
        template = templates[(seed + i) % len(templates)]
        if template.startswith("{q}") and not question.endswith(("？", "?")):
            continue  # a term searched for ("城市大脑") does not open a sentence
        for extra in range(len(FILLERS) + 1):
            more = "".join(FILLERS[:extra]).format(**fill)
            text = template.format(**fill, q=question, more=more)
            made.append(text)
            if len(text) >= MIN_CHARS:
                break
    fitting = [m for m in made if MIN_CHARS <= len(m) <= MAX_CHARS]
    if fitting:
        return fitting[0]
    return min(made, key=lambda m: min(abs(len(m) - MIN_CHARS), abs(len(m) - MAX_CHARS)))


def main(argv: list[str] | None = None) -> int:
    """Write the long set; one line per question of QUESTIONS (a project JSON Lines file)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--held-out", action="store_true", help="wrap in the held-out templates instead")
    args = parser.parse_args(argv)
    templates = HELD_OUT_TEMPLATES if args.held_out else TEMPLATES
    lines = []
    for raw in args.questions.read_text("utf-8").splitlines():
        if not raw.strip():
            continue
        record = json.loads(raw)
        record["short"] = record["question"]
        record["question"] = lengthen(record.get("id", record["question"]), record["question"], templates)
        record["id"] = f"{record.get('id', '')}-long"
        lines.append(json.dumps(record, ensure_ascii=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", "utf-8")
    lengths = sorted(len(json.loads(line)["question"]) for line in lines)
    print(f"{len(lines)} questions, {lengths[0]}–{lengths[-1]} characters", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
