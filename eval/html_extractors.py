"""Which main-text extractor reads a saved policy web page (issue 18 item 4): trafilatura against
readability-lxml, on the same pages, made here from documents whose text we know.

    .venv/bin/pip install trafilatura readability-lxml && .venv/bin/python eval/html_extractors.py

Pages: each bundled document (and a few laws of ../shared/laws when present) put into four layouts of
government sites — navigation bar, breadcrumb, title, 发布时间/来源 line, the body as <p> paragraphs (or as
<div>s with <br>, or inside a table cell, as older CMSs write it), a sidebar of related links, share buttons,
attachments and a footer with 版权所有/备案号. Per extractor and layout: recall (share of the body's
paragraphs found whole in the extracted text), noise (share of the extracted characters that are boilerplate:
in no body paragraph), paragraphs kept apart (share of body paragraphs that are one line each), seconds per
page (the title line counts as noise: it is not a body paragraph). Prints a Markdown table for
eval/RESULTS.md.
"""
from __future__ import annotations

import html
import statistics
import time
from pathlib import Path

from qa.documents import read_document

ROOT = Path(__file__).resolve().parent.parent
NAV = "".join(f'<li><a href="/{i}">{w}</a></li>' for i, w in enumerate(
    "首页 政务公开 政策文件 政策解读 办事服务 互动交流 走进我市 专题专栏".split()))
SIDEBAR = "".join(f'<li><a href="/r{i}">{t}</a></li>' for i, t in enumerate([
    "关于做好2024年职业院校招生工作的通知", "市教育局2023年工作总结", "职业教育活动周启动仪式举行",
    "我市召开产教融合推进会", "关于公布市级示范专业名单的通知"]))
FOOTER = ("<p>主办单位：XX市人民政府办公室　承办：XX市大数据中心</p><p>版权所有：XX市人民政府　"
          "网站标识码：4300000001　湘ICP备12345678号</p><p>联系电话：0731-12345678　建议使用1920×1080分辨率浏览</p>")
SHARE = '<div class="share">分享到：<a>微信</a><a>微博</a><a>QQ空间</a>　【打印本页】【关闭窗口】</div>'


def body_html(paragraphs: list[str], layout: str) -> str:
    escaped = [html.escape(p) for p in paragraphs]
    if layout == "div-br":  # older CMS: one block, lines broken by <br>
        return '<div class="TRS_Editor">' + "<br>".join(escaped) + "</div>"
    if layout == "table":  # the body in a layout table's cell
        return ('<table width="100%"><tr><td class="nav-cell">' + NAV + '</td></tr><tr><td class="content">'
                + "".join(f"<p>{p}</p>" for p in escaped) + "</td></tr></table>")
    return '<div class="article-content">' + "".join(f"<p>{p}</p>" for p in escaped) + "</div>"


def page(title: str, paragraphs: list[str], layout: str) -> str:
    meta = '<div class="info">发布时间：2022-03-01　来源：市政府办公室　浏览次数：1024　字号：【大 中 小】</div>'
    attachments = '<div class="attach">附件：<a href="/f.docx">1. 重点任务分工表.docx</a></div>'
    sidebar = f'<aside class="side"><h3>相关文章</h3><ul>{SIDEBAR}</ul></aside>' if layout != "plain" else ""
    layout = "p" if layout in ("plain", "sidebar") else layout
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}_XX市人民政府'
            f'</title></head><body><header><div class="logo">XX市人民政府</div><nav><ul>{NAV}</ul></nav></header>'
            f'<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zc">政策文件</a> &gt; 正文</div>'
            f'<main><h1>{html.escape(title)}</h1>{meta}{body_html(paragraphs, layout)}{attachments}{SHARE}</main>'
            f'{sidebar}<footer>{FOOTER}</footer></body></html>')


def trafilatura_text(source: str) -> str:
    import trafilatura

    return trafilatura.extract(source, include_comments=False, include_tables=True, favor_recall=True) or ""


def readability_text(source: str) -> str:
    import lxml.html
    from readability import Document

    summary = Document(source).summary(html_partial=True)
    tree = lxml.html.fromstring(summary)
    for element in tree.iter("br", "p", "div", "td", "tr", "li", "h1", "h2", "h3"):  # a line per block
        element.tail = "\n" + (element.tail or "")
    return "\n".join(b for b in (" ".join(x.split()) for x in tree.text_content().split("\n")) if b)


def product_text(source: str) -> str:
    """What `qa` reads: readability-lxml, then the site-frame lines dropped (qa/documents.py)."""
    from qa.documents import _read_html

    title, paragraphs = _read_html(Path("page.html"), source)
    return "\n".join([title, *(p.text for p in paragraphs)])


EXTRACTORS = {"trafilatura": trafilatura_text, "readability-lxml": readability_text,
              "qa (readability-lxml + site lines dropped)": product_text}


def score(extracted: str, paragraphs: list[str]) -> dict[str, float]:
    lines = [" ".join(line.split()) for line in extracted.split("\n") if line.strip()]
    flat = "".join(extracted.split())
    found = [p for p in paragraphs if "".join(p.split()) in flat]
    own = {"".join(p.split()) for p in paragraphs}
    noise_chars = sum(len(line) for line in lines if not any("".join(line.split()) in p for p in own))
    apart = sum(1 for p in paragraphs if " ".join(p.split()) in set(lines))
    return {"recall": len(found) / len(paragraphs), "noise": noise_chars / max(1, sum(map(len, lines))),
            "apart": apart / len(paragraphs)}


def documents() -> list[tuple[str, list[str]]]:
    files = sorted(p for p in (ROOT / "corpus").iterdir() if p.suffix in (".docx", ".md") and p.name != "README.md")
    laws = ROOT.parent / "shared" / "laws"
    if laws.is_dir():
        files += sorted(laws.glob("社会法/*.md"))[:4]
    out = []
    for path in files:
        document = read_document(path)
        out.append((document.title, [p.text for p in document.paragraphs if p.heading_level is None]))
    return out


def main() -> None:
    docs = documents()
    print(f"{len(docs)} documents × 4 layouts\n")
    print("| extractor | layout | recall | noise | paragraphs apart | ms per page |")
    print("|---|---|---|---|---|---|")
    for name, extract in EXTRACTORS.items():
        for layout in ("plain", "sidebar", "div-br", "table"):
            rows, seconds = [], []
            for title, paragraphs in docs:
                source = page(title, paragraphs, layout)
                started = time.perf_counter()
                text = extract(source)
                seconds.append(time.perf_counter() - started)
                rows.append(score(text, paragraphs))
            mean = {k: statistics.mean(r[k] for r in rows) for k in rows[0]}
            print(f"| {name} | {layout} | {mean['recall']:.3f} | {mean['noise']:.3f} | {mean['apart']:.3f} | "
                  f"{1000 * statistics.mean(seconds):.0f} |")


if __name__ == "__main__":
    main()
