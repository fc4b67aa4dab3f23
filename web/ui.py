"""The Gradio page: an Ask tab (question, examples, filters, result cards), a Compare tab and a Library tab.

Handlers only translate between widgets and the ``Service``; HTML comes from
``web.cards``. ``search`` and ``ask`` are also exposed as Gradio API endpoints
(``gradio_client``: ``client.predict("大运会有哪些场馆", api_name="/search")``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import gradio as gr

from govqa.errors import GovqaError
from govqa.qa import Filters, answer_to_json, search_to_json
from govqa.web.auth import ANYONE, Principal
from govqa.web.cards import esc, render_answer, render_message
from govqa.web.compare_tab import CompareTab
from govqa.web.jobs import SHOWN_DOCUMENTS
from govqa.web.params import question_params
from govqa.web.question_row import question_row
from govqa.web.service import Service, ready_message
from govqa.web.uploads import SUFFIXES

if TYPE_CHECKING:
    from govqa.index.stats import IndexStats

TITLE = "政府工作报告问答"
EXAMPLES = ("大运会有哪些场馆", "2019年成都地区生产总值是多少", "青羊区重点抓好哪八个方面工作", "垃圾怎么处理")
STATUS_LABELS = {
    "added": "已添加",
    "unchanged": "未变化",
    "replaced": "已替换",
    "failed": "失败",
    "mixed": "部分添加",
    "pending": "处理中",
    "cancelled": "已取消",
}
STAT_LABELS = {
    "documents": "报告数",
    "chunks": "段落数",
    "model": "模型",
    "dimension": "向量维度",
    "faiss_factory": "向量索引",
    "size": "索引大小",
    "updated_at": "更新时间",
}
# The system's own CJK fonts: nothing is fetched from any font service.
FONTS = [
    "PingFang SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "system-ui",
    "sans-serif",
]
MONO = ["Noto Sans Mono CJK SC", "Consolas", "monospace"]


def theme() -> gr.themes.Base:
    """The page theme: Gradio's default with system fonts only (no Google or bundled web fonts)."""
    return gr.themes.Default(primary_hue="red", neutral_hue="slate", font=FONTS, font_mono=MONO)


def page_css() -> str:
    """The page's own CSS (cards, verdict, phone layout)."""
    return (Path(__file__).parent / "static" / "page.css").read_text(encoding="utf-8")


def filters_of(
    docs: list[str] | None, region: str | None, year: str | int | None, libraries: list[str] | None = None
) -> Filters | None:
    """Filters from the page's widgets (validated as the JSON API validates them); None when nothing is chosen."""
    chosen = {"doc": list(docs or ()), "region": region or None, "year": year or None, "library": list(libraries or ())}
    return question_params(chosen).filters()


class Page:
    """Builds the Blocks and holds the handlers, bound to one ``Service``."""

    def __init__(self, service: Service):
        self.service = service
        self.access = service.access
        self._uploading: dict[str, str] = {}  # the page's session → the job its upload waits for (取消)

    def who(self, request: gr.Request | None, key: str = "") -> Principal:
        """The page's user (its login), else the API key typed on the page, else anyone."""
        return self.access.page_principal(getattr(request, "username", None), key)

    # -- status & library views ------------------------------------------
    def status_html(self, who: Principal = ANYONE) -> str:
        """The status line: build progress, the ready summary (of what ``who`` may read), or the error."""
        p = self.service.progress
        kind = {"ready": "ok", "error": "error"}.get(p.state, "busy")
        message = p.message
        if p.state == "ready":  # live counts: uploads and removals change them
            message = ready_message(self.service.stats(who))
        bar = ""
        if p.state == "building" and p.total:
            bar = f'<progress max="{p.total}" value="{p.done}"></progress>'
        return f'<div class="gq-status gq-{kind}" role="status">{bar}<span>{esc(message)}</span></div>'

    def docs_rows(self, who: Principal = ANYONE, libraries: list[str] | None = None) -> list[list[Any]]:
        """Rows of the documents table (those ``who`` may read, of ``libraries`` when chosen); a scan's row
        gives its OCR confidence (识别置信度)."""
        return [
            [
                d.title or d.name,
                d.name,
                d.library,
                d.region or "",
                d.year or "",
                d.chunks,
                d.chars,
                _when(d.added_at),
                "" if d.ocr_confidence is None else f"{d.ocr_confidence:.3f}",
            ]
            for d in self.service.documents(who, libraries or None)
        ]

    def stats_html(self, who: Principal = ANYONE) -> str:
        """The index statistics worth showing: counts, model, vector settings, size, last update."""
        stats = self.service.index_stats()
        if stats is not None:
            stats = cast("IndexStats", self.service.stats(who))  # the counts of what ``who`` may read
        shown: dict[str, object] = {"documents": 0, "chunks": 0, "model": self.service.config.model.name}
        if stats is not None:
            shown = {
                "documents": stats["documents"],
                "chunks": stats["chunks"],
                "model": stats["model"] or self.service.config.model.name,
                "dimension": stats["dimension"],
                "faiss_factory": stats["faiss_factory"],
                "size": _megabytes(stats["bytes"].get("total")) if "bytes" in stats else "",
                "updated_at": _when(stats["updated_at"]),
            }
        items = "".join(
            f"<div><dt>{esc(STAT_LABELS[k])}</dt><dd>{esc(v)}</dd></div>"
            for k, v in shown.items()
            if v not in (None, "")
        )
        return f'<dl class="gq-stats">{items}</dl>'

    def choices(self, who: Principal = ANYONE) -> tuple[Any, Any, Any, Any]:
        """Dropdown updates: report filter, region filter, year filter, report to remove (what ``who`` may read;
        to remove: what it may edit)."""
        docs = self.service.documents(who)
        labelled = [(d.title or d.name, d.name) for d in docs]
        regions = sorted({d.region for d in docs if d.region})
        years = sorted({str(d.year) for d in docs if d.year}, reverse=True)
        removable = [
            (f"{d.title}（{d.name}）" if d.title and d.title != d.name else d.name, d.name)
            for d in docs
            if self.access.may_edit(who, d.library)
        ]
        return (
            gr.Dropdown(choices=labelled),
            gr.Dropdown(choices=regions),
            gr.Dropdown(choices=years),
            gr.Dropdown(choices=removable, value=None),
        )

    def library_choices(self, who: Principal) -> tuple[Any, Any, Any, Any]:
        """The library selectors of the ask, compare and library tabs (what ``who`` may read) and the upload
        target (what it may edit; an editor of every library may name a new one)."""
        readable = self.service.libraries(who)
        editable = [name for name in readable if self.access.may_edit(who, name)]
        default = self.service.default_library() if self.service.ready else None
        target = default if default in editable else (editable[0] if editable else None)
        return (
            gr.Dropdown(choices=readable),
            gr.Dropdown(choices=readable),
            gr.Dropdown(choices=readable),
            gr.Dropdown(choices=editable, value=target, allow_custom_value=self.access.may_edit(who, "\0new")),
        )

    def audit_html(self, who: Principal) -> Any:
        """The admin's view of the audit log (the newest 50 events), hidden from everyone else."""
        if not who.admin or not self.access.locked:
            return gr.HTML(visible=False)
        events = self.service.audit.events()[-50:][::-1]
        rows = "".join(
            f"<tr><td>{esc(e.at)}</td><td>{esc(e.who)}</td><td>{esc(e.action)}</td><td>{esc(e.library)}</td>"
            f"<td>{esc('、'.join(e.what))}</td><td>{esc(e.address)}</td><td>{esc(e.outcome)}</td>"
            f"<td>{esc(e.detail)}</td></tr>"
            for e in events
        )
        head = "<tr><th>时间</th><th>用户</th><th>操作</th><th>文库</th><th>对象</th><th>来源</th><th>结果</th><th>说明</th></tr>"
        body = f"<table>{head}{rows}</table>" if rows else "<p>审计日志为空。</p>"
        return gr.HTML(f'<section class="gq-audit"><h3>审计日志（管理员）</h3>{body}</section>', visible=True)

    def on_refresh(self, libraries: list[str] | None = None, request: gr.Request | None = None) -> tuple[Any, ...]:
        """Everything that depends on the index contents, as this page's user may see it."""
        who = self.who(request)
        return (
            self.status_html(who),
            gr.Timer(active=not self.service.ready and self.service.progress.state != "error"),
            *self.choices(who),
            self.docs_rows(who, libraries),
            self.stats_html(who),
        )

    def on_load(self, request: gr.Request | None = None) -> tuple[Any, ...]:
        """The page's first views: the index's, then its library selectors and (for an admin) the audit log."""
        who = self.who(request)
        return (*self.on_refresh(None, request), *self.library_choices(who), self.audit_html(who))

    # -- handlers ---------------------------------------------------------
    def on_ask(
        self,
        question: str,
        k: float,
        docs: list[str] | None,
        region: str | None,
        year: str | None,
        libraries: list[str] | None = None,
        request: gr.Request | None = None,
    ) -> str:
        """The Ask tab: verdict and cards, or a notice; only from libraries the page's user may read."""
        who = self.who(request)
        try:
            answer = self.service.ask(question, int(k), filters_of(docs, region, year, libraries), who=who)
        except GovqaError as exc:
            return render_message(exc.page_message, "error")
        return render_answer(answer, lambda chunk, start, end: self.service.context(chunk, start, end, who))

    def may_write(self, key: str, request: gr.Request | None) -> bool:
        """Whether this page user may upload or remove reports (in some library: the service checks which)."""
        if not self.access.locked:
            return True
        return not self.who(request, key).read_only and self.who(request, key).name != "anonymous"

    def on_upload(
        self,
        paths: list[str] | None,
        key: str,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio's own idiom)
        library: str | None = None,
    ) -> tuple[Any, ...]:
        """Add the chosen files one by one (Gradio's progress bar counts them) to ``library``; a line per file."""
        if not paths:
            return (render_message("请先选择要上传的文件。", "error"), *self._library_unchanged())
        if not self.may_write(key, request):
            return (render_message("上传需要有效的 API 密钥或登录。", "error"), *self._library_unchanged())
        who = self.who(request, key)
        address = request.client.host if getattr(request, "client", None) else ""
        try:
            files = [(Path(p).name, Path(p).read_bytes()) for p in paths]
            job = self.service.submit_uploads(files, library or None, who, address)
        except (GovqaError, OSError) as exc:
            return (render_message(getattr(exc, "page_message", str(exc)), "error"), *self._library_unchanged())
        session = getattr(request, "session_hash", None) or job.id
        self._uploading[session] = job.id
        try:
            while not job.ended:  # searches go on meanwhile: the job runs in the service's worker
                progress((job.done, job.total), desc="正在添加到索引", unit="个文件")
                job = self.service.jobs.wait(job.id, 0.5)
        finally:
            self._uploading.pop(session, None)
        lines = [_upload_line(f.name, f.status, _report_text(f)) for f in job.files]
        if job.state in ("failed", "cancelled"):
            lines.append(_upload_line("", job.state, job.message))
        return (_upload_list(lines), *self._library_views(who))

    def on_cancel(self, key: str, request: gr.Request) -> str:
        """Cancel this page's running upload: what it committed stays, the rest is not indexed."""
        if not self.may_write(key, request):
            return render_message("取消需要有效的 API 密钥或登录。", "error")
        job_id = self._uploading.get(getattr(request, "session_hash", None) or "")
        if job_id is None:
            return render_message("没有正在进行的上传。", "error")
        try:
            job = self.service.cancel_job(job_id, self.who(request, key))
        except GovqaError as exc:
            return render_message(exc.page_message, "error")
        return render_message(f"已取消上传（已处理 {job.done}/{job.total} 个文件，已添加的报告保留）。", "ok")

    def on_remove(self, name: str | None, key: str, request: gr.Request) -> tuple[Any, ...]:
        """Remove the chosen report."""
        if not name:
            return (render_message("请先选择要移除的报告。", "error"), *self._library_unchanged())
        if not self.may_write(key, request):
            return (render_message("移除需要有效的 API 密钥或登录。", "error"), *self._library_unchanged())
        who = self.who(request, key)
        address = request.client.host if getattr(request, "client", None) else ""
        try:
            self.service.remove(name, who, address)
        except GovqaError as exc:
            return (render_message(exc.page_message, "error"), *self._library_unchanged())
        return (render_message(f"已移除：{name}", "ok"), *self._library_views(who))

    def _library_views(self, who: Principal = ANYONE) -> tuple[Any, ...]:
        doc_c, region_c, year_c, remove_c = self.choices(who)
        return self.docs_rows(who), self.stats_html(who), doc_c, region_c, year_c, remove_c, self.status_html(who)

    @staticmethod
    def _library_unchanged() -> tuple[Any, ...]:
        return tuple(gr.skip() for _ in range(7))

    # -- Gradio API endpoints (gradio_client) -----------------------------
    def api_search(
        self,
        question: str,
        k: int = 5,
        region: str = "",
        year: str = "",
        doc: str = "",
        library: str = "",
        request: gr.Request | None = None,
    ) -> dict:
        """Search the reports: the JSON of /api/search (schema 1); parameters as /api/search checks them."""
        who = self.who(request)
        return search_to_json(self._answer(self.service.search, question, k, region, year, doc, library, who))

    def api_ask(
        self,
        question: str,
        k: int = 5,
        region: str = "",
        year: str = "",
        doc: str = "",
        library: str = "",
        request: gr.Request | None = None,
    ) -> dict:
        """Answer a question: the JSON of /api/ask (schema 1), verdict found or not_found."""
        who = self.who(request)
        return answer_to_json(self._answer(self.service.ask, question, k, region, year, doc, library, who))

    @staticmethod
    def _answer(
        answer: Any, question: str, k: Any, region: str, year: str, doc: str, library: str, who: Principal
    ) -> Any:
        try:
            asked = {"q": question, "k": k, "region": region, "year": year, "doc": doc, "library": library}
            params = question_params(asked)
            return answer(params.q, params.k, params.filters(), who=who)
        except GovqaError as exc:
            raise gr.Error(str(exc)) from None

    # -- layout -----------------------------------------------------------
    def build(self) -> gr.Blocks:
        """The Blocks of the page."""
        # delete_cache: the page's uploaded copies (reports may be sensitive) go after an hour.
        with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
            gr.HTML(
                f'<header class="gq-header"><h1>{TITLE}</h1>'
                "<p>检索政府工作报告，答案附出处（报告、章节、页码）。</p></header>"
            )
            status = gr.HTML(self.status_html(), elem_id="gq-status")
            timer = gr.Timer(1.0, active=True)
            with gr.Tabs():
                with gr.Tab("问答", id="ask", elem_id="gq-tab-ask"):
                    question, go, example_buttons = question_row(
                        "输入问题后按回车，例如：大运会有哪些场馆",
                        "提问",
                        ("gq-question", "gq-go"),
                        EXAMPLES,
                        autofocus=True,
                    )
                    with gr.Accordion("筛选与设置", open=False, elem_id="gq-filters"):
                        with gr.Row():
                            k = gr.Slider(1, 10, value=5, step=1, label="结果数", elem_id="gq-k", min_width=160)
                            docs = gr.Dropdown(
                                choices=[], multiselect=True, label="报告", elem_id="gq-doc", min_width=160
                            )
                            region = gr.Dropdown(
                                choices=[], label="地区", allow_custom_value=True, elem_id="gq-region", min_width=120
                            )
                            year = gr.Dropdown(choices=[], label="年份", elem_id="gq-year", min_width=100)
                    libraries = gr.Dropdown(
                        choices=[], multiselect=True, label="文库（不选：可读的全部文库）", elem_id="gq-libraries"
                    )
                    results = gr.HTML(elem_id="gq-results")
                compare_libraries = CompareTab(self.service).build()
                with gr.Tab("文库", id="library", elem_id="gq-tab-library"):
                    files = gr.File(
                        label="上传报告（txt、md、pdf、docx、html、csv、jsonl；扫描件 png、jpg、tif，可多选）",
                        file_count="multiple",
                        file_types=list(SUFFIXES),
                        type="filepath",
                        elem_id="gq-files",
                    )
                    upload_library = gr.Dropdown(
                        choices=[], label="上传到文库", elem_id="gq-upload-library", allow_custom_value=False
                    )
                    show_key = bool(self.access.api_key or self.access.policy.keys) and not self.access.login_required
                    key = gr.Textbox(
                        label="API 密钥（上传、移除需要）", type="password", visible=show_key, elem_id="gq-key"
                    )
                    with gr.Row(equal_height=True):
                        add = gr.Button("添加到索引", variant="primary", scale=4, elem_id="gq-add")
                        cancel = gr.Button("取消", variant="secondary", scale=1, min_width=72, elem_id="gq-cancel")
                    upload_result = gr.HTML(elem_id="gq-upload-result")
                    cancel_result = gr.HTML(elem_id="gq-cancel-result")
                    stats = gr.HTML(elem_id="gq-stats")
                    shown_libraries = gr.Dropdown(
                        choices=[], multiselect=True, label="只看这些文库", elem_id="gq-library-filter"
                    )
                    table = gr.Dataframe(
                        headers=["标题", "名称", "文库", "地区", "年份", "段落数", "字数", "添加时间", "OCR置信度"],
                        value=[],
                        interactive=False,
                        wrap=True,
                        label="已索引的报告",
                        elem_id="gq-docs",
                    )
                    with gr.Row(equal_height=True):
                        to_remove = gr.Dropdown(
                            choices=[], label="选择要移除的报告", scale=4, elem_id="gq-remove-choice"
                        )
                        remove = gr.Button("移除", variant="stop", scale=1, min_width=72, elem_id="gq-remove")
                    remove_result = gr.HTML(elem_id="gq-remove-result")
                    audit = gr.HTML(visible=False, elem_id="gq-audit")

            ask_inputs = [question, k, docs, region, year, libraries]
            private: dict[str, Any] = {"api_visibility": "private"}
            question.submit(self.on_ask, ask_inputs, results, concurrency_limit=4, **private)
            go.click(self.on_ask, ask_inputs, results, concurrency_limit=4, **private)
            for button, text in zip(example_buttons, EXAMPLES, strict=False):
                button.click(lambda t=text: t, None, question, queue=False, **private).then(
                    self.on_ask, ask_inputs, results, concurrency_limit=4, **private
                )
            library = [table, stats, docs, region, year, to_remove, status]
            add.click(
                self.on_upload, [files, key, upload_library], [upload_result, *library], concurrency_limit=1, **private
            )
            cancel.click(self.on_cancel, [key], cancel_result, concurrency_limit=4, **private)
            remove.click(self.on_remove, [to_remove, key], [remove_result, *library], concurrency_limit=1, **private)
            refresh_outputs = [status, timer, docs, region, year, to_remove, table, stats]
            timer.tick(self.on_refresh, [shown_libraries], refresh_outputs, show_progress="hidden", **private)
            shown_libraries.change(
                self.on_refresh, [shown_libraries], refresh_outputs, show_progress="hidden", **private
            )
            selectors = [libraries, compare_libraries, shown_libraries, upload_library, audit]
            demo.load(self.on_load, None, [*refresh_outputs, *selectors], show_progress="hidden", **private)
            gr.api(self.api_search, api_name="search", concurrency_limit=4)
            gr.api(self.api_ask, api_name="ask", concurrency_limit=4)
        return demo


def _report_text(report: Any) -> str:
    if report.status in ("failed", "cancelled") or not report.documents or len(report.documents) > SHOWN_DOCUMENTS:
        return report.message
    done = [f"{d.name}：{STATUS_LABELS.get(d.status, d.status)}，{d.chunks} 个段落" for d in report.documents]
    return "；".join(done + [f"请核对扫描件：{note}" for note in report.notes])


def _when(stamp: Any) -> str:
    """``2026-11-22T03:18:06+00:00`` → ``2026-11-22 03:18`` (UTC, as stored)."""
    return str(stamp or "")[:16].replace("T", " ")


def _megabytes(size: Any) -> str:
    return f"{size / 1048576:.1f} MB" if isinstance(size, (int, float)) else ""


def _upload_line(name: str, status: str, message: str) -> str:
    label = STATUS_LABELS.get(status, status)
    return (
        f'<li class="gq-up gq-up-{esc(status)}"><span class="gq-badge">{esc(label)}</span>'
        f'<span class="gq-file">{esc(name)}</span><span class="gq-msg">{esc(message)}</span></li>'
    )


def _upload_list(lines: list[str]) -> str:
    return f'<ul class="gq-uploads">{"".join(lines)}</ul>'
