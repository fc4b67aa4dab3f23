"""Cleaning rules: character normalisation, chrome lines, tails, trailing spam."""

from govqa.ingest import clean
from govqa.ingest.build import build_document
from govqa.ingest.document import Line, RawDocument


def raw(*lines: str, name: str = "2020年测试市政府工作报告.txt") -> RawDocument:
    return RawDocument(name=name, source=name, lines=[Line(t) for t in lines])


def test_full_width_digits_and_letters_become_ascii_but_chinese_punctuation_stays():
    assert clean.normalise_chars("１９８９年ＧＤＰ增长５％，（一）") == "1989年GDP增长5%，（一）"


def test_ideographic_indentation_and_invisible_characters_are_removed():
    assert clean.clean_line("\u3000\u3000各位代表：\u200b") == "各位代表："


def test_emphasis_markers_are_stripped_but_words_kept():
    assert clean.strip_emphasis("地区生产总值增长**7%左右**") == "地区生产总值增长7%左右"


def test_chrome_lines_are_recognised_by_shape():
    for line in [
        "网站首页 > 工作方案> 文章内容",
        "※发布时间:2020-6-20 1:51:17   ※发布作者:habao   ※出自何处: ",
        "下载",
        "打印",
        "【字号：",
        "加大",
        "】",
        "分享：",
        "来源：解放日报",
        "责任编辑：张三",
        "扫一扫在手机打开当前页",
        "当前位置：首页 > 政务公开",
    ]:
        assert clean.is_chrome(line), line
    for line in [
        "各位代表：",
        "一、2025年工作回顾",
        "来源广泛的社会资本参与建设。",
        "分享经济蓬勃发展，数字经济占比提高。",
    ]:
        assert not clean.is_chrome(line), line


def test_trailing_spam_after_the_last_sentence_is_cut():
    line = "努力打造利企便民新高地、全国发展新亮点。眼跳测吉凶"
    assert clean.strip_trailing_spam(line) == "努力打造利企便民新高地、全国发展新亮点。"


def test_link_bait_at_the_end_is_cut_but_the_same_words_elsewhere_are_kept():
    line = "我们要坚定信心，攻坚克难，为全面建设社会主义现代化国家作出新的更大贡献！点击查看更多"
    assert clean.strip_trailing_spam(line).endswith("贡献！")
    early = "据说有人算命。" + "我们要坚定信心，攻坚克难，奋力开创高质量发展新局面，" * 2 + "作出新的更大贡献！"
    assert clean.strip_trailing_spam(early) == early


def test_a_heading_like_fragment_after_the_last_sentence_is_kept():
    line = "如遇到问题,可拨打0891-95113。(二)全区24小时自助办税终端网点分布"
    assert clean.strip_trailing_spam(line) == line


def test_a_normal_last_sentence_is_kept():
    line = "为全面建设社会主义现代化国家作出新的更大贡献！"
    assert clean.strip_trailing_spam(line) == line


def test_related_reports_tail_and_page_chrome_are_dropped_from_documents():
    doc = build_document(
        raw(
            "下载",
            "打印",
            "【字号：",
            "大",
            "中",
            "小",
            "】",
            "来源：新华网",
            "2026年某省政府工作报告",
            "各位代表：",
            "一、过去一年的工作",
            "经济运行稳中向好，地区生产总值增长5.5%。",
            "二、今年的主要任务",
            "坚持稳中求进。",
            "相关报道：",
            "某省召开新闻发布会",
        )
    )
    assert "下载" not in doc.text and "字号" not in doc.text and "新华网" not in doc.text
    assert "相关报道" not in doc.text and "新闻发布会" not in doc.text
    assert doc.text.startswith("2026年某省政府工作报告")
    assert doc.text.endswith("坚持稳中求进。")


def test_blank_line_runs_collapse_to_one():
    doc = build_document(raw("第一段。", "", "", "", "第二段。", "", ""))
    assert doc.text == "第一段。\n\n第二段。"


def test_tool_written_titles_give_way_to_the_file_name():
    from govqa.ingest.metadata import title_of

    assert (
        title_of("2024年某市政府工作报告.pdf", [], {"title": "Microsoft Word - 报告终稿.doc"})
        == "2024年某市政府工作报告"
    )
    assert title_of("x.pdf", [], {"title": "2024年某市政府工作报告"}) == "2024年某市政府工作报告"


def test_reposting_site_chrome_is_recognised_by_shape():
    for line in [
        "浏览量: 时间:",
        "浏览量：1024  时间：2021-03-02",
        "时间:2019-05-14 10:45:55下载本文作者:会员上传",
        "下载本文 作者:会员上传",
        "阅读量：",
        "第一篇:湖南省人民政府办公厅文件",
        "简介:写写帮文库小编为你整理了多篇相关的《某文件》,但愿对你工作学习有帮助。",
    ]:
        assert clean.is_chrome(line), line
    for line in ["简要回顾过去一年的工作。", "第一篇章：开好局起好步", "时间紧、任务重，全市上下攻坚克难。"]:
        assert not clean.is_chrome(line), line


def test_portal_footer_block_is_dropped_but_the_same_labels_in_the_report_stay():
    doc = build_document(
        raw(
            "某市人民政府关于做好就业工作的通知",
            "各区县人民政府：",
            "主办单位：市人社局、市财政局，各区县人民政府",
            "一、扩大就业。全年新增就业8万人。",
            "二、加强保障。落实各项补贴政策。",
            "特此通知。",
            "主办：某市人民政府办公室  承办：某市大数据中心",
            "网站标识码：4300000001",
            "湘ICP备05012345号-1  湘公网安备 43010202000123号",
            "地址：某市人民路1号",
        )
    )
    assert "主办单位：市人社局" in doc.text
    assert doc.text.endswith("特此通知。")


def test_letter_spaced_cjk_runs_are_closed_but_latin_words_and_short_spacing_stay():
    assert clean.clean_line("全 市 新 建 5 G 基 站 1 8 6 0 个 。") == "全市新建5G基站1860个。"
    assert clean.clean_line("政 府 工 作 报 告") == "政府工作报告"
    assert clean.clean_line("Smart City Index of a b c d e") == "Smart City Index of a b c d e"
    assert clean.clean_line("由 2020 年 2 月 29 日延长") == "由 2020 年 2 月 29 日延长"
    assert clean.clean_line("是 | 否 | 是 | 否 | 是") == "是 | 否 | 是 | 否 | 是"


def test_a_title_written_on_two_lines_stays_one_title():
    doc = build_document(
        raw(
            "湘政办发〔2009〕24号",
            "",
            "湖南省人民政府办公厅关于加强普通高等学校",
            "",
            "毕业生就业工作的通知",
            "",
            "各市州人民政府：",
            "现就有关问题通知如下。",
            name="notice.txt",
        )
    )
    assert "湖南省人民政府办公厅关于加强普通高等学校毕业生就业工作的通知" in doc.text.splitlines()
    assert doc.title == "湖南省人民政府办公厅关于加强普通高等学校毕业生就业工作的通知"


def test_a_one_line_title_is_not_joined_to_the_next_title_like_line():
    doc = build_document(
        raw(
            "某市人民政府办公室文件",
            "关于印发某市就业工作方案的通知",
            "某市人民政府办公室",
            "各区县人民政府：",
            name="notice.txt",
        )
    )
    assert doc.text.splitlines()[:3] == [
        "某市人民政府办公室文件",
        "关于印发某市就业工作方案的通知",
        "某市人民政府办公室",
    ]
