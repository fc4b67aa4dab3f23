"""The matching rule: NFKC, whitespace and `*` removed on both sides, the 30-character policy-qa prefix, same doc."""

from govqa.eval.matching import POLICY_QA_PREFIX, answers, contains_evidence, evidence_prefix, normalize
from govqa.eval.questions import load_questions

DOC = "2021年成都市青羊区政府工作报告（一图读懂）.txt"


def test_normalize_nfkc_whitespace_and_stars():
    assert normalize("１９８９年\u3000GDP  增长 **7%左右**\n") == "1989年GDP增长7%左右"
    assert normalize("ＡＢＣ，（１）") == "ABC,(1)"


def test_markdown_emphasis_in_passage_matches_plain_evidence():
    assert contains_evidence("经济增长**7%左右**，居民收入", ["增长7%左右"])


def test_whitespace_and_line_breaks_inside_passage_are_ignored():
    assert contains_evidence("设置35家定点\n医院 无条件收治", ["设置35家定点医院无条件收治"])


def test_full_width_evidence_matches_half_width_passage():
    assert contains_evidence("地区生产总值1.70万亿元", ["地区生产总值１．７０万亿元"])


def test_evidence_not_in_passage_does_not_match():
    assert not contains_evidence("地区生产总值1.70万亿元", ["1.80万亿元"])


def test_any_of_several_evidence_strings_matches():
    assert contains_evidence("加快骡马市TOD建设", ["不在其中", "骡马市TOD"])


def test_empty_evidence_never_matches():
    assert not contains_evidence("任何文字", [])
    assert not contains_evidence("任何文字", ["  "])


def test_document_must_match():
    assert answers(DOC, ["骡马市TOD"], DOC, "加快骡马市TOD")
    assert not answers(DOC, ["骡马市TOD"], "other.txt", "加快骡马市TOD")
    assert not answers(None, ["骡马市TOD"], DOC, "加快骡马市TOD")


def test_export_rows_are_named_file_hash_row():
    assert answers("corpus_599docs.jsonl#abc", ["答案"], "corpus_599docs.jsonl#abc", "这是答案")
    assert not answers("corpus_599docs.jsonl#abc", ["答案"], "corpus_599docs.jsonl#abd", "这是答案")


def test_policy_qa_prefix_is_first_30_normalised_characters():
    answer = "如年内 继续在京举办且参展中小微企业数量超过参展企业总数50%的，按照不超过实际缴纳场租费用50%的标准给予支持"
    prefix = evidence_prefix(answer)
    assert len(prefix) == POLICY_QA_PREFIX == 30
    assert prefix == normalize(answer)[:30]
    assert " " not in prefix
    # a passage holding only the start of the answer still answers
    passage = "通知：" + answer[:33] + "（后文被切到下一段）"
    assert answers("c.jsonl#1", [prefix], "c.jsonl#1", passage)
    assert not answers("c.jsonl#1", [prefix], "c.jsonl#1", answer[:20])


def test_short_policy_answer_is_used_whole(tmp_path):
    path = tmp_path / "qrels.jsonl"
    path.write_text(
        '{"qid": "q1", "question": "哪家企业？", "docid": "d1", "answer": "北京北铃 专用汽车有限公司"}\n',
        encoding="utf-8",
    )
    (q,) = load_questions(path).questions
    assert q.evidence == ("北京北铃专用汽车有限公司",)
    assert answers(q.doc, q.evidence, "corpus_599docs.jsonl#d1", "督导检查北京北铃专用汽车有限公司。")
