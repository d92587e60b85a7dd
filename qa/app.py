"""Web UI (Gradio Blocks) over the same Assistant as the CLI.

Tabs: 问答 (chat with cited clauses), 目录 (outline), 责任单位 (department × clause heatmap and table,
downloads of the 分工表 and a department's 任务清单), 目标 (targets and deadlines, their timeline chart and an
Excel download), 统计 (the question log's report, administrator only), 文件 (the document library:
upload, status, remove; see qa/library.py). A named API endpoint `/ask` returns
the same JSON as `qa ask --json`; with `history` (the conversation's previous questions) it resolves
follow-ups like the chat does.

The chat is a conversation (qa/conversation.py): each session keeps the previous answer's facts in a gr.State,
「新对话」 clears them. With `qa serve --log DIR` every answer is logged (qa/log.py) and can be rated 👍/👎 with an
optional comment; without a log nothing is kept, and the rating controls are hidden.

Requests are answered in parallel (CONCURRENCY at a time, see `launch`): the Assistant keeps no per-request
state; jieba, OpenCC and the model are warmed up before the first request.

Documents can change while the app runs: questions are answered by `live.assistant`, which the library's
background job replaces in one assignment when a new index generation is committed (a question already
being answered finishes on the old one).

Document text is always escaped before it reaches the page (`escape_text`): HTML and Markdown in a clause show
as text. Offline: analytics are off (qa/__init__.py), the theme uses system fonts, nothing is fetched from
outside the machine.
"""
from __future__ import annotations

import html
import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr  # at module level: Gradio resolves the gr.Request / gr.LikeData hints of the handlers here

from . import export
from .answer import Assistant, QuestionError
from .conversation import ask as ask_in_context
from .conversation import replay, resolver_of
from .facts import Target, duties_by_document, duty_matrix
from .index import Index
from .log import QuestionLog, Report, entry_of, report
from .structure import Clause

# Requests answered at once; QA_CONCURRENCY overrides it (eval/load.py measured 1, 2, 4, 8 on 2 cores:
# eval/RESULTS.md).
CONCURRENCY = 4
NEED_ADMIN = "需要管理员账号（--admin）"
NEED_CHANGE = f"{NEED_ADMIN}才能增删文件"

EXAMPLES = {
    "学校管理者": ["谁负责退役军人培训？", "市财政局负责哪些工作？", "产教融合示范园区由哪些部门负责？"],
    "教师": ["新进专业教师要几年企业经历？", "双师型比例要达到多少？", "精品在线课程要建多少门？"],
    "新来的同事": ["这个方案的总体目标是什么？", "第三部分讲什么？", "职业学校教育分为哪几个层次？"],
}
# Markdown's active characters, turned into numeric entities so that they display literally.
MARKDOWN_CHARS = re.compile(r"[\\`*_{}\[\]()#+\-.!|~>$]")
CSS = """
.qa-card {border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 12px; margin: 8px 0;}
.qa-weak {border-style: dashed; opacity: 0.8;}
.qa-cite {font-weight: 600; color: #1f4e79;}
.qa-hl {background: #fff3b0; padding: 1px 2px;}
.qa-tag {display: inline-block; background: #e8f0fe; border-radius: 10px; padding: 0 8px; margin: 2px;
         font-size: 0.85em;}
.qa-direct {border-left: 4px solid #2f81f7; background: #f3f8ff; padding: 8px 12px; margin: 6px 0;}
.qa-none {border-left-color: #d29922; background: #fff8e6;}
.qa-score {color: #6e7781; font-size: 0.8em;}
.qa-copy {font-size: 0.8em; margin-left: 8px; cursor: pointer;}
.qa-heat {border-collapse: collapse; font-size: 0.85em;}
.qa-heat td, .qa-heat th {border: 1px solid #d0d7de; padding: 2px 6px; text-align: center;}
.qa-heat td.on {background: #2f81f7; color: #fff;}
.qa-outline ul {margin: 0 0 0 1.2em;}
.qa-resolved {color: #57606a; font-size: 0.9em;}
"""
# Copy buttons live inside sanitised chat HTML (no inline handlers or data- attributes survive), so one
# delegated listener on the page handles them all, copying the citation text beside the button.
COPY_JS = """
() => {
  document.addEventListener('click', (event) => {
    const button = event.target.closest('.qa-copy');
    if (!button) return;
    const cite = button.closest('.qa-cite');
    const text = cite ? cite.querySelector('.qa-cite-text').textContent : '';
    const done = () => { button.textContent = '已复制'; };
    const fallback = () => {
      const area = document.createElement('textarea');
      area.value = text; document.body.appendChild(area); area.select();
      try { document.execCommand('copy'); } finally { area.remove(); }
      done();
    };
    if (navigator.clipboard) { navigator.clipboard.writeText(text).then(done, fallback); } else { fallback(); }
  });
}
"""


def escape_text(text: str) -> str:
    """HTML-escape and neutralise Markdown so that document text is shown exactly as written."""
    escaped = html.escape(text, quote=True)
    return MARKDOWN_CHARS.sub(lambda m: f"&#{ord(m.group(0))};", escaped)


# ------------------------------------------------------------------------------------------ chat answers


def render_clause_card(result: dict[str, Any]) -> str:
    highlights = set(result["highlight"])
    body = "".join(
        f'<span class="qa-hl">{escape_text(s)}</span>' if s in highlights else escape_text(s)
        for s in _sentences_of(result)
    )
    shown = "".join(f'<p>▶ <span class="qa-hl">{escape_text(s)}</span></p>' for s in result["highlight"][:2])
    weak = " qa-weak" if result.get("weak") else ""
    return (
        f'<div class="qa-card{weak}"><div class="qa-cite"><span class="qa-cite-text">{escape_text(result["citation"])}'
        f'</span><button class="qa-copy">复制引用</button></div>'
        f"{shown}<div>{department_tags(result['departments'], result.get('departments_cut', False))}</div>"
        f"<details><summary>全文</summary><p>{body}</p></details>"
        f'{"<div class=qa-score>相关度低，仅供参考</div>" if result.get("weak") else ""}</div>'
    )


def department_tags(departments: list[str], cut: bool) -> str:
    tags = "".join(f'<span class="qa-tag">{escape_text(d)}</span>' for d in departments)
    return tags + ('<span class="qa-tag">责任单位原文截断</span>' if cut else "")


def _sentences_of(result: dict[str, Any]) -> list[str]:
    # The highlighted sentences are substrings of the text: split the text around them, keeping all of it.
    text = result["text"]
    for sentence in result["highlight"]:
        text = text.replace(sentence, f"\x00{sentence}\x00", 1)
    return [part for part in text.split("\x00") if part]


def render_direct(direct: dict[str, Any] | None) -> str:
    if not direct or direct["type"] == "passages":
        return ""
    if direct["type"] == "none":
        return f'<div class="qa-direct qa-none">{escape_text(direct["text"])}。以下为最接近的条款，仅供参考。</div>'
    lines = "<br>".join(escape_text(line) for line in direct["text"].split("\n"))
    return f'<div class="qa-direct"><b>答：</b>{lines}</div>'


def render_answer(answer: dict[str, Any]) -> str:
    parts = [f'<p class="qa-resolved">{escape_text(note)}</p>' if note.startswith("按上文理解为") else
             f"<p>{escape_text(note)}</p>" for note in answer.get("notes", [])]
    parts.append(render_direct(answer.get("answer")))
    if not answer["results"]:
        parts.append("<p>文件中未找到相关内容。</p>")
    parts.extend(render_clause_card(r) for r in answer["results"])
    return "".join(parts)


# ------------------------------------------------------------------------------ outline, duties, targets


def render_outline(clauses: list[Clause]) -> str:
    """Documents › parts › clauses as nested lists; a statute's chapters start folded (they are many)."""
    out = ['<div class="qa-outline">']
    for version in dict.fromkeys((c.doc, c.version) for c in clauses):  # two versions of a title: two documents
        mine = [c for c in clauses if (c.doc, c.version) == version]
        folded = any(c.kind == "article" for c in mine)
        out.append(f"<details open><summary><b>{escape_text(mine[0].document_name)}</b></summary><ul>")
        groups: dict[tuple[str, ...], list[Clause]] = {}
        for clause in mine:
            groups.setdefault(tuple(clause.path), []).append(clause)
        for path, members in groups.items():
            items = "".join(f"<li>{escape_text(clause_name(c))}</li>" for c in members)
            if not path:
                out.append(items)
                continue
            state = "" if folded else " open"
            out.append(f"<li><details{state}><summary>{escape_text(' › '.join(path))}</summary>"
                       f"<ul>{items}</ul></details></li>")
        out.append("</ul></details>")
    out.append("</div>")
    return "".join(out)


def clause_name(clause: Clause) -> str:
    return f"{clause.label}{clause.title}" if clause.kind != "article" else clause.label


def clause_choices(clauses: list[Clause]) -> list[tuple[str, int]]:
    return [(c.citation, i) for i, c in enumerate(clauses)]


def timeline_of(targets: list[Target]):
    """The deadline chart, or None when no target has a deadline."""
    from .timeline import timeline_figure

    return timeline_figure(targets) if any(t.deadline for t in targets) else None


def render_clause(clause: Clause) -> str:
    paragraphs = "".join(f"<p>{escape_text(p)}</p>" for p in clause.text.split("\n"))
    return (f'<div class="qa-card"><div class="qa-cite">{escape_text(clause.citation)}</div>{paragraphs}'
            f"<div>{department_tags(clause.departments, clause.departments_cut)}</div></div>")


def render_heatmap(clauses: list[Clause]) -> str:
    names, listed, matrix = duty_matrix(clauses)
    if not names:
        return "<p>文件中没有列出责任单位。</p>"
    head = "".join(f'<th title="{html.escape(c.title)}">{escape_text(c.label)}</th>' for c in listed)
    rows = []
    for name, row in zip(names, matrix):
        cells = "".join('<td class="on">●</td>' if on else "<td></td>" for on in row)
        rows.append(f"<tr><th>{escape_text(name)}</th>{cells}<td>{sum(row)}</td></tr>")
    return f'<table class="qa-heat"><tr><th>部门 \\ 条款</th>{head}<th>合计</th></tr>{"".join(rows)}</table>'


def duty_rows(clauses: list[Clause]) -> tuple[list[str], list[list[Any]]]:
    names, listed, matrix = duty_matrix(clauses)
    headers = ["部门", *[c.label for c in listed], "合计"]
    return headers, [[name, *["●" if on else "" for on in row], sum(row)] for name, row in zip(names, matrix)]


def render_duties(department: str, clauses: list[Clause]) -> str:
    """The department's clauses, grouped by document when several plans name it (under their names for it)."""
    found = [(doc, name, listed) for doc, name, listed in duties_by_document(department, clauses) if listed]
    parts = []
    for doc, name, listed in found:
        items = "".join(f"<li>{escape_text(c.citation)}</li>" for c in listed)
        source = f"《{escape_text(doc)}》：" if len(found) > 1 else ""
        parts.append(f"<p>{source}<b>{escape_text(name)}</b>是以下 {len(listed)} 项工作的责任单位：</p><ul>{items}</ul>")
    return "".join(parts)


TARGET_HEADERS = ["条款", "期限", "数量", "内容", "出处"]


def target_rows(targets: list[Target], deadline: str = "全部", label: str = "全部") -> list[list[str]]:
    rows = []
    for t in targets:
        if deadline != "全部" and (t.deadline or "无") != deadline.removeprefix("到"):
            continue
        if label != "全部" and t.label != label:
            continue
        rows.append([t.label, f"到{t.deadline}" if t.deadline else "—", f"{t.number}{t.unit}{t.qualifier}",
                     t.what, t.citation])
    return rows


# ------------------------------------------------------------------------------------------- downloads


class Downloads:
    """The files behind the download buttons, written by qa/export.py into one temporary folder (Gradio
    serves files from the system's temp directory)."""

    def __init__(self, clauses: list[Clause], targets: list[Target]):
        self.clauses, self.targets = clauses, targets
        self.folder = Path(tempfile.mkdtemp(prefix="qa-export-"))

    def _write(self, build, fmt: str) -> str | None:
        try:
            built = build()
        except export.ExportError:
            return None  # nothing to export (no 责任单位, no targets): the button stays hidden
        return str(export.write(built, self.folder / export.file_name(built, fmt), fmt))

    def division(self, fmt: str) -> str | None:
        return self._write(lambda: export.division_table(self.clauses, self.targets), fmt)

    def task_list(self, department: str, fmt: str = "docx") -> str | None:
        return self._write(lambda: export.task_list(department, self.clauses, self.targets), fmt)

    def targets_xlsx(self) -> str | None:
        return self._write(lambda: export.targets_table(self.targets), "xlsx")


# ------------------------------------------------------------------------------------ statistics, admin


def render_report(rep: Report) -> str:
    def table(headers: list[str], rows: list[list[Any]]) -> str:
        head = "".join(f"<th>{escape_text(h)}</th>" for h in headers)
        body = "".join("<tr>" + "".join(f"<td>{escape_text(str(v))}</td>" for v in row) + "</tr>" for row in rows)
        return f'<table class="qa-heat"><tr>{head}</tr>{body}</table>' if rows else "<p>（无）</p>"

    return "".join([
        f"<p>共 {rep.total} 个问题，未找到答案 {rep.declined} 个；👍 {rep.up} 个，👎 {rep.down} 个。</p>",
        "<h4>最常问的主题词</h4>", table(["主题词", "次数"], [list(t) for t in rep.topics]),
        "<h4>最常引用的条款</h4>", table(["条款", "次数"], [list(c) for c in rep.clauses]),
        "<h4>未找到答案的问题（按主题词分组）</h4>",
        table(["主题词", "问题数", "问题"], [[w, len(qs), "；".join(qs)] for w, qs in rep.declined_groups]),
        "<h4>👎 的回答</h4>",
        table(["时间", "问题（按上文理解）", "回答类型", "主要条款", "意见"],
              [[d["time"][:19], d["resolved"], d["answer_type"], d["clause"], d["comment"]] for d in rep.disliked]),
    ])


# ------------------------------------------------------------------------------- access and the library


@dataclass(frozen=True)
class Access:
    """Who may use the app and who may change it: `--auth user:password` (everyone who logs in) and
    `--admin user:password` (the administrator; Gradio accepts both accounts), `--read-only`."""

    auth: tuple[str, str] | None = None
    admin: tuple[str, str] | None = None
    read_only: bool = False

    def accounts(self) -> list[tuple[str, str]] | None:
        """The logins Gradio accepts; None: no login (neither --auth nor --admin)."""
        found = [a for a in (self.auth, self.admin) if a]
        return found or None


def is_admin(request: Any, access: Access) -> bool:
    """Whether the user of `request` is the administrator (changes documents, sees the 统计 tab): the
    administrator account when there is one; everyone when the app has no login at all (local use); nobody
    when it has logins but no administrator."""
    if access.admin:
        return getattr(request, "username", None) == access.admin[0]
    return access.auth is None


def may_change_documents(request: Any, access: Access) -> bool:
    return not access.read_only and is_admin(request, access)


# the status column has room for a step (「解析中：OCR 识别第 3/12 页」) or a failure's reason
FILE_COLUMN_WIDTHS = ["20%", "20%", "8%", "9%", "9%", "9%", "6%", "19%"]
FILE_HEADERS = ["文件", "标题", "类型", "发布", "施行", "版本", "条款", "状态"]


class Live:
    """The assistant questions are answered with; replaced whole when the documents change."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant

    def use(self, index: Index) -> None:
        self.assistant = self.assistant.with_index(index)  # derived first, then swapped in one assignment

    @property
    def generation(self) -> str:
        return self.assistant.index.manifest.get("generation", "")


@dataclass
class View:
    """What the 目录, 责任单位 and 目标 tabs show, derived from one index generation."""

    clauses: list[Clause]
    targets: list[Target]
    names: list[str]  # the departments of the 责任单位 lists
    downloads: Downloads

    @classmethod
    def of(cls, assistant: Assistant) -> View:
        clauses = assistant.index.clauses
        return cls(clauses, assistant.targets, duty_matrix(clauses)[0], Downloads(clauses, assistant.targets))

    def deadlines(self) -> list[str]:
        return ["全部", *sorted({f"到{t.deadline}" for t in self.targets if t.deadline}), "无"]

    def labels(self) -> list[str]:
        return ["全部", *dict.fromkeys(t.label for t in self.targets)]


class Views:
    """The view of the generation in use: derived once per generation, so that after a document is added or
    removed the tabs show the new set (issue 10's note: they kept the documents of start-up)."""

    def __init__(self, live: Live):
        self.live = live
        self._view: tuple[str, View] | None = None

    def current(self) -> View:
        generation = self.live.generation
        if self._view is None or self._view[0] != generation:
            self._view = (generation, View.of(self.live.assistant))
        return self._view[1]


def file_rows(records: list[dict[str, Any]], pending: list[Any]) -> list[list[Any]]:
    """The 文件 tab's table: work in progress and failures first, then the library's documents."""
    from .library import Entry, with_version_status

    rows = [[s.file, "", "", "", "", "", "", s.text] for s in pending]
    for e in with_version_status([Entry.from_record(r) for r in records]):
        rows.append([e.file, e.title, e.kind_name, e.fact("published"), e.fact("effective"),
                     e.status or e.fact("version"), e.size, "已加入"])
    return rows


# ----------------------------------------------------------------------------------------------- the app


def new_conversation() -> dict[str, Any]:
    """A chat session's state: the previous answer's facts, the log rows of its answers by message position."""
    return {"context": None, "session": uuid.uuid4().hex[:12], "rows": {}, "rated": None}


def build_app(assistant: Assistant, access: Access | None = None, corpus: Path | None = None,
              log: QuestionLog | None = None):
    access = access or Access()
    live = Live(assistant)
    views = Views(live)
    view = views.current()
    docs = assistant.document_labels()  # two versions of one title are two entries

    def record(answer, session: str, request: Any) -> int | None:
        user = getattr(request, "username", None) or ""
        return log.record(entry_of(answer, session, user)) if log else None

    def ask(question: str, k: int = 5, history: list[str] | None = None) -> dict:
        """Answer a question: the same JSON as `qa ask --json`. `history`: the conversation's previous
        questions, oldest first (optional); they are answered again to resolve follow-ups such as
        「它的责任单位有哪些？」, and the JSON then has "resolved" (the question as answered)."""
        try:
            context = replay(live.assistant, list(history)) if history else None
            answer, _ = ask_in_context(live.assistant, question, context, k=int(k))
            if not history:
                answer.resolved = ""  # a single question: the JSON of `qa ask --json`, unchanged
            record(answer, "api", None)
            return answer.to_dict()
        except QuestionError as exc:
            return {"question": question, "error": str(exc), "results": []}

    def chat(question: str, history: list[dict[str, Any]], chosen: list[str], k: float, all_versions: bool,
             state: dict[str, Any], request: gr.Request):
        state = dict(state or new_conversation())
        try:
            answer, state["context"] = ask_in_context(live.assistant, question, state["context"], k=int(k),
                                                      docs=set(chosen) if chosen else None,
                                                      all_versions=bool(all_versions))
            reply = render_answer(answer.to_dict())
            row = record(answer, state["session"], request)
        except QuestionError as exc:
            reply, row = f"<p>{escape_text(str(exc))}</p>", None
        history = history + [{"role": "user", "content": escape_text(question or "")},
                             {"role": "assistant", "content": reply}]
        if row is not None:
            state["rows"] = {**state["rows"], len(history) - 1: row}
        return "", history, state

    def rate(state: dict[str, Any], data: gr.LikeData):
        index = data.index if isinstance(data.index, int) else data.index[0]
        row = (state or {}).get("rows", {}).get(index)
        if row is None or log is None:
            return state, "这条回答没有记录，无法反馈"
        vote = {True: 1, False: -1}.get(data.liked) if isinstance(data.liked, bool) else None
        log.feedback(row, vote)
        state = {**state, "rated": row}
        return state, ("已记录 👍" if vote == 1 else "已记录 👎，可在下面写下意见（可选）")

    def comment(text: str, state: dict[str, Any]):
        rows = (state or {}).get("rows", {})
        row = state.get("rated") if state and state.get("rated") else (rows[max(rows)] if rows else None)
        if log is None or row is None or not (text or "").strip():
            return text, "请先提问，并写下意见"
        log.feedback(row, comment=text)
        return "", "意见已记录，谢谢"

    def stats(request: gr.Request):
        if not is_admin(request, access):
            return f"<p>{NEED_ADMIN}</p>"
        if log is None:
            return "<p>未开启问题记录：用 qa serve --log DIR 启动后，这里显示常问主题、未找到答案的问题和 👎 的回答。</p>"
        return render_report(report(log.rows()))

    def export_log(request: gr.Request):
        if log is None or not is_admin(request, access):
            return None
        target = Path(tempfile.mkdtemp(prefix="qa-log-")) / "questions.csv"
        log.export_csv(target)
        return str(target)

    with gr.Blocks(title="政策问答") as app:
        gr.Markdown("## 政策问答\n基于文件原文的离线检索问答：回答均引自文件条款，并标注出处。")
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                state = gr.State(new_conversation)
                chatbot = gr.Chatbot(label="问答", height=520, sanitize_html=True, elem_id="qa-chat",
                                     feedback_options=("Like", "Dislike") if log else None)
                with gr.Row():
                    box = gr.Textbox(placeholder="请输入问题，例如：谁负责退役军人培训？（可以接着追问：它的责任单位有哪些？）",
                                     show_label=False, scale=8, elem_id="qa-question")
                    send = gr.Button("提问", variant="primary", scale=1, elem_id="qa-send")
                    fresh = gr.Button("新对话", scale=1, elem_id="qa-new")
                with gr.Row(visible=log is not None):
                    remark = gr.Textbox(placeholder="对回答的意见（可选）：先点回答下方的赞或踩，再填写", show_label=False, scale=8,
                                        elem_id="qa-comment")
                    remark_send = gr.Button("提交意见", scale=1, elem_id="qa-comment-send")
                feedback_status = gr.Markdown(elem_id="qa-feedback-status")
                with gr.Row():
                    chosen = gr.Dropdown(docs, value=docs, multiselect=True, label="检索范围（文件）",
                                         visible=len(docs) > 1, scale=4)
                    versions = gr.Checkbox(False, label="包含已修订版本", visible=bool(assistant.old), scale=1,
                                           elem_id="qa-all-versions")
                    k = gr.Slider(1, 10, value=5, step=1, label="显示条款数", scale=1)
                with gr.Row():
                    for who, questions in EXAMPLES.items():
                        with gr.Column():
                            gr.Examples(questions, inputs=box, label=f"示例问题 · {who}")
                for event in (send.click, box.submit):
                    event(chat, [box, chatbot, chosen, k, versions, state], [box, chatbot, state], api_visibility="private")
                fresh.click(lambda: ([], new_conversation(), ""), None, [chatbot, state, feedback_status],
                            api_visibility="private")
                chatbot.clear(new_conversation, None, state, api_visibility="private")  # the chat's own 清空对话
                if log is not None:  # nothing to rate into without a log
                    chatbot.like(rate, state, [state, feedback_status], api_visibility="private")
                    remark_send.click(comment, [remark, state], [remark, feedback_status], api_visibility="private")
            with gr.Tab("目录", id="outline"):
                with gr.Row():
                    with gr.Column(scale=2):
                        outline_view = gr.HTML(render_outline(view.clauses), elem_id="qa-outline", js_on_load=None)
                    with gr.Column(scale=3):
                        picker = gr.Dropdown(clause_choices(view.clauses), value=None,
                                             label="选择条款", elem_id="qa-clause-picker")
                        clause_view = gr.HTML(elem_id="qa-clause-view", js_on_load=None)
                picker.change(lambda i: render_clause(views.current().clauses[i]) if i is not None else "", picker,
                              clause_view, api_visibility="private")
            with gr.Tab("责任单位", id="departments"):
                heatmap = gr.HTML(render_heatmap(view.clauses), elem_id="qa-heatmap", js_on_load=None)
                headers, rows = duty_rows(view.clauses)
                duty_table = gr.Dataframe(rows, headers=headers, interactive=False, label="部门 × 条款", max_height=420)
                division_buttons = []
                with gr.Row():
                    for fmt, name in (("docx", "Word"), ("xlsx", "Excel")):
                        path = view.downloads.division(fmt)
                        division_buttons.append(gr.DownloadButton(
                            f"下载重点任务分工表（{name}）", value=path, visible=path is not None,
                            elem_id=f"qa-division-{fmt}"))
                department = gr.Dropdown(view.names, value=None, label="选择部门", elem_id="qa-department")
                duties_view = gr.HTML(elem_id="qa-duties-view", js_on_load=None)
                task_file = gr.DownloadButton("下载该部门任务清单（Word）", visible=False, elem_id="qa-task-list")
                department.change(lambda d: render_duties(d, views.current().clauses) if d else "", department,
                                  duties_view, api_visibility="private")
                department.change(lambda d: gr.update(value=views.current().downloads.task_list(d) if d else None,
                                                      visible=bool(d)),
                                  department, task_file, api_visibility="private")
            with gr.Tab("目标", id="targets"):
                with gr.Row():
                    by_deadline = gr.Dropdown(view.deadlines(), value="全部", label="期限", elem_id="qa-deadline")
                    by_label = gr.Dropdown(view.labels(), value="全部", label="条款")
                table = gr.Dataframe(target_rows(view.targets), headers=TARGET_HEADERS, interactive=False,
                                     show_search="filter", label="量化目标与期限（点击表头排序）",
                                     elem_id="qa-targets", wrap=True)
                for control in (by_deadline, by_label):
                    control.change(lambda d, lab: target_rows(views.current().targets, d, lab),
                                   [by_deadline, by_label], table, api_visibility="private")
                path = view.downloads.targets_xlsx()
                targets_file = gr.DownloadButton("下载量化目标（Excel）", value=path, visible=path is not None,
                                                 elem_id="qa-targets-xlsx")
                timeline = gr.Plot(timeline_of(view.targets), label="完成时限时间线（悬停查看原句）",
                                   elem_id="qa-timeline", visible=any(t.deadline for t in view.targets))
            followers = [outline_view, picker, clause_view, heatmap, duty_table, *division_buttons, department,
                         duties_view, task_file, by_deadline, by_label, table, targets_file, timeline]

            def follow() -> tuple:
                """The tabs' components for the generation in use (after a document was added or removed)."""
                now = views.current()
                headers, rows = duty_rows(now.clauses)
                division = [now.downloads.division(fmt) for fmt in ("docx", "xlsx")]
                targets_path = now.downloads.targets_xlsx()
                return (render_outline(now.clauses), gr.update(choices=clause_choices(now.clauses), value=None), "",
                        render_heatmap(now.clauses), gr.update(value=rows, headers=headers),
                        *(gr.update(value=p, visible=p is not None) for p in division),
                        gr.update(choices=now.names, value=None), "", gr.update(value=None, visible=False),
                        gr.update(choices=now.deadlines(), value="全部"), gr.update(choices=now.labels(), value="全部"),
                        target_rows(now.targets), gr.update(value=targets_path, visible=targets_path is not None),
                        gr.update(value=timeline_of(now.targets), visible=any(t.deadline for t in now.targets)))

            with gr.Tab("统计", id="stats") as stats_tab:
                stats_view = gr.HTML(elem_id="qa-stats", js_on_load=None)
                with gr.Row():
                    refresh = gr.Button("刷新", scale=0, elem_id="qa-stats-refresh")
                    export_button = gr.Button("导出 CSV", scale=0)
                csv_file = gr.File(label="问题记录（CSV）", interactive=False)
                stats_tab.select(stats, None, stats_view, api_visibility="private")
                refresh.click(stats, None, stats_view, api_visibility="private")
                export_button.click(export_log, None, csv_file, api_visibility="private")
            if not access.read_only:
                files_tab(app, live, access, corpus, chosen, followers, follow)
        gr.api(ask, api_name="ask")
    return app


def warm_up(assistant: Assistant) -> None:
    """Load jieba's dictionary, OpenCC and the model's first forward pass before requests arrive in parallel."""
    assistant.ask("谁负责职业教育？", k=1)
    resolver_of(assistant)


def files_tab(app, live: Live, access: Access, corpus: Path | None, chosen, followers: list, follow) -> None:
    """The 文件 tab: upload (several files at once), the library with each file's status, remove. Changes
    run in the library's background job; a timer shows their progress and, when a new index generation is
    in use, offers its documents in the chat's document filter and refreshes the other tabs (`followers`,
    their values from `follow()`)."""
    from .documents import SUPPORTED
    from .library import Jobs

    index_dir = live.assistant.index.folder
    corpus = Path(corpus or live.assistant.index.manifest["corpus"])
    jobs = Jobs(corpus, index_dir, live.assistant.embedder, live.use)

    def table() -> list[list[Any]]:
        return file_rows(live.assistant.index.documents, jobs.pending())

    def removable() -> list[tuple[str, str]]:
        return [(f"{r['title']}（{r['file']}）", r["file"]) for r in live.assistant.index.documents]

    def upload(files: list[Any] | None, request: gr.Request):
        if not may_change_documents(request, access):
            return None, NEED_CHANGE, table()
        paths = [Path(f if isinstance(f, str) else f.name) for f in files or []]
        if paths:
            jobs.add(paths)
        return None, f"已收到 {len(paths)} 个文件，正在解析……" if paths else "", table()

    def cancel(request: gr.Request):
        if not may_change_documents(request, access):
            return NEED_CHANGE, table()
        count = jobs.cancel()
        return (f"正在取消 {count} 批上传……文件库保持不变" if count else "没有进行中的上传"), table()

    def remove(file: str | None, request: gr.Request):
        if not may_change_documents(request, access):
            return NEED_CHANGE, table()
        if not file:
            return "请先选择要移除的文件", table()
        jobs.remove(file)
        return f"正在移除 {file}……", table()

    def state() -> dict[str, Any]:
        return {"generation": live.generation, "titles": live.assistant.document_labels(), "revision": jobs.revision}

    def tick(seen: dict[str, Any], selected: list[str] | None):
        """Refresh the table when a status changed; on a new generation also the remove list and the chat's
        document filter (a filter that had every document selected gets every document again)."""
        unchanged = (gr.skip(),) * len(followers)
        if seen["generation"] == live.generation:
            if seen["revision"] == jobs.revision:
                return seen, gr.skip(), gr.skip(), gr.skip(), *unchanged
            return {**seen, "revision": jobs.revision}, table(), gr.skip(), gr.skip(), *unchanged
        now = state()
        had_all = not selected or set(selected) >= set(seen["titles"])
        value = now["titles"] if had_all else [t for t in now["titles"] if t in set(selected)]
        return (now, table(), gr.update(choices=removable(), value=None),
                gr.update(choices=now["titles"], value=value, visible=len(now["titles"]) > 1), *follow())

    def on_load(request: gr.Request):
        allowed = may_change_documents(request, access)
        return (gr.update(interactive=allowed), gr.update(interactive=allowed), gr.update(interactive=allowed),
                "" if allowed else NEED_CHANGE)

    with gr.Tab("文件", id="files"):
        seen = gr.State(state())
        upload_box = gr.File(file_count="multiple", label="上传文件（可多选；" + "、".join(SUPPORTED) + "）",
                             elem_id="qa-upload")
        with gr.Row():
            message = gr.Markdown(elem_id="qa-files-message")
            cancel_button = gr.Button("取消上传", variant="secondary", elem_id="qa-cancel", scale=0, min_width=120)
        listing = gr.Dataframe(table(), headers=FILE_HEADERS, interactive=False, wrap=True, label="文件库",
                               elem_id="qa-files", column_widths=FILE_COLUMN_WIDTHS)
        with gr.Row():
            pick = gr.Dropdown(removable(), value=None, label="选择要移除的文件", elem_id="qa-remove-pick", scale=4)
            remove_button = gr.Button("移除", variant="stop", elem_id="qa-remove", scale=1)
        upload_box.upload(upload, upload_box, [upload_box, message, listing], api_visibility="private")
        remove_button.click(remove, pick, [message, listing], api_visibility="private")
        cancel_button.click(cancel, None, [message, listing], api_visibility="private")
        timer = gr.Timer(1.0)
        timer.tick(tick, [seen, chosen], [seen, listing, pick, chosen, *followers], show_progress="hidden",
                   api_visibility="private")
    app.load(on_load, None, [upload_box, remove_button, cancel_button, message], api_visibility="private")


def launch(assistant: Assistant, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None,
           block: bool = True, admin: tuple[str, str] | None = None, read_only: bool = False,
           corpus: Path | None = None, log: QuestionLog | None = None):
    """Serve the app. `auth`: the login for everyone; `admin`: the administrator's login (changes documents,
    sees 统计); `read_only`: no 文件 tab. With neither login, everyone is the administrator (local use)."""
    access = Access(auth, admin, read_only)
    app = build_app(assistant, access, corpus, log)
    warm_up(assistant)
    theme = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    if threads := os.environ.get("QA_TORCH_THREADS"):  # for eval/load.py's measurements
        import torch

        torch.set_num_threads(int(threads))
    # status_update_rate stays "auto" (an update to every waiting client at each finished job): a fixed interval
    # saved ~7 % of server CPU but let a queued client's stream fall silent past httpx's 5 s read time-out.
    app.queue(default_concurrency_limit=int(os.environ.get("QA_CONCURRENCY") or CONCURRENCY))
    app.launch(server_name=host, server_port=port, auth=access.accounts(), share=False, theme=theme, css=CSS,
               js=COPY_JS, footer_links=["api"], prevent_thread_lock=not block, quiet=False)
    return app  # with block=False the server runs in a thread until app.close()
