"""Web UI (Gradio Blocks) over the same Assistant as the CLI.

Document text is always escaped before it reaches the page: HTML and Markdown in a clause show as text.
Offline: analytics are off (qa/__init__.py), the theme uses system fonts, nothing is fetched from outside.
"""
from __future__ import annotations

import html
import re
from typing import Any

from .answer import Assistant, QuestionError

EXAMPLES = [
    "谁负责退役军人培训？",
    "市财政局负责哪些工作？",
    "新进专业教师要几年企业经历？",
    "双师型比例要达到多少？",
    "这个方案的总体目标是什么？",
    "职业学校教育分为哪几个层次？",
]
# Markdown's active characters, turned into numeric entities so that they display literally.
MARKDOWN_CHARS = re.compile(r"[\\`*_{}\[\]()#+\-.!|~>$]")
CSS = """
.qa-card {border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 12px; margin: 8px 0;}
.qa-cite {font-weight: 600; color: #1f4e79;}
.qa-hl {background: #fff3b0; padding: 1px 2px;}
.qa-tag {display: inline-block; background: #e8f0fe; border-radius: 10px; padding: 0 8px; margin: 2px;
         font-size: 0.85em;}
.qa-score {color: #6e7781; font-size: 0.8em;}
"""


def escape_text(text: str) -> str:
    """HTML-escape and neutralise Markdown so that document text is shown exactly as written."""
    escaped = html.escape(text, quote=True)
    return MARKDOWN_CHARS.sub(lambda m: f"&#{ord(m.group(0))};", escaped)


def render_clause_card(result: dict[str, Any]) -> str:
    highlights = set(result["highlight"])
    body = "".join(
        f'<span class="qa-hl">{escape_text(s)}</span>' if s in highlights else escape_text(s)
        for s in _sentences_of(result)
    )
    tags = "".join(f'<span class="qa-tag">{escape_text(d)}</span>' for d in result["departments"])
    if result.get("departments_cut"):
        tags += '<span class="qa-tag">责任单位原文截断</span>'
    shown = "".join(f'<p>▶ <span class="qa-hl">{escape_text(s)}</span></p>' for s in result["highlight"])
    return (
        f'<div class="qa-card"><div class="qa-cite">{escape_text(result["citation"])}</div>'
        f"{shown}<div>{tags}</div>"
        f"<details><summary>全文</summary><p>{body}</p></details>"
        f'<div class="qa-score">相关度 {result["score"]:.3f}</div></div>'
    )


def _sentences_of(result: dict[str, Any]) -> list[str]:
    # The highlighted sentences are substrings of the text: split the text around them, keeping all of it.
    text = result["text"]
    for sentence in result["highlight"]:
        text = text.replace(sentence, f"\x00{sentence}\x00", 1)
    return [part for part in text.split("\x00") if part]


def render_answer(answer: dict[str, Any]) -> str:
    parts = [f"<p>{escape_text(note)}</p>" for note in answer.get("notes", [])]
    if not answer["results"]:
        parts.append("<p>文件中未找到相关内容。</p>")
    parts.extend(render_clause_card(r) for r in answer["results"])
    return "".join(parts)


def build_app(assistant: Assistant):
    import gradio as gr

    def ask(question: str, k: int = 5) -> dict:
        """Answer a question: the same JSON as `qa ask --json`."""
        try:
            return assistant.ask(question, k=int(k)).to_dict()
        except QuestionError as exc:
            return {"question": question, "error": str(exc), "results": []}

    def chat(question: str, history: list[dict[str, Any]]):
        answer = ask(question)
        reply = f"<p>{escape_text(answer['error'])}</p>" if "error" in answer else render_answer(answer)
        history = history + [{"role": "user", "content": escape_text(question)},
                             {"role": "assistant", "content": reply}]
        return "", history

    with gr.Blocks(title="政策问答") as app:
        gr.Markdown("## 政策问答\n基于文件原文的离线检索问答：回答均引自文件条款，并标注出处。")
        chatbot = gr.Chatbot(label="问答", height=560, sanitize_html=True, feedback_options=None)
        with gr.Row():
            box = gr.Textbox(placeholder="请输入问题，例如：谁负责退役军人培训？", show_label=False, scale=8)
            send = gr.Button("提问", variant="primary", scale=1)
        gr.Examples(EXAMPLES, inputs=box, label="示例问题")
        send.click(chat, [box, chatbot], [box, chatbot], api_visibility="private")
        box.submit(chat, [box, chatbot], [box, chatbot], api_visibility="private")
        gr.api(ask, api_name="ask")
    return app


def launch(assistant: Assistant, host: str = "127.0.0.1", port: int = 7860,
           auth: tuple[str, str] | None = None, block: bool = True):
    import gradio as gr

    app = build_app(assistant)
    theme = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    app.launch(server_name=host, server_port=port, auth=auth, share=False, theme=theme, css=CSS,
               footer_links=["api"], prevent_thread_lock=not block, quiet=False)
    return app  # with block=False the server runs in a thread until app.close()

