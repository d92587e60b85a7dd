"""Deadlines of the quantitative targets over time: a text timeline for `qa targets --timeline` and a plotly
chart for the web app's 目标 tab (years across, one row per clause, the sentence on hover).

Plotly's JavaScript is bundled with Gradio (gr.Plot), so the chart loads nothing from outside the machine;
the figure avoids what would fetch (maps, MathJax: no `$` in its text).
"""
from __future__ import annotations

import html
import textwrap
from collections import defaultdict

from .facts import Target

UNDATED = "未写期限"
CJK_FONTS = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"


def _document(target: Target) -> str:
    return target.citation.split(" › ")[0]


def by_deadline(targets: list[Target]) -> dict[str, list[Target]]:
    """Targets grouped by deadline year, earliest first; the undated last."""
    groups: dict[str, list[Target]] = defaultdict(list)
    for target in targets:
        groups[target.deadline or UNDATED].append(target)
    return {key: groups[key] for key in sorted(groups, key=lambda k: (k == UNDATED, k))}


def timeline_text(targets: list[Target]) -> str:
    """到2025年 ── （七）5所 … : one block per deadline, the targets in document order under it."""
    lines: list[str] = []
    many = len({_document(t) for t in targets}) > 1
    for deadline, group in by_deadline(targets).items():
        lines.append(f"{'到' + deadline if deadline != UNDATED else UNDATED}（{len(group)} 项）")
        for number, target in enumerate(group):
            branch = "└─" if number == len(group) - 1 else "├─"
            source = f"《{_document(target)}》" if many else ""
            lines.append(f"  {branch} {source}{target.label} {target.number}{target.unit}{target.qualifier}：{target.what}")
    return "\n".join(lines)


def timeline_figure(targets: list[Target]):
    """A plotly scatter: x the deadline year, y the clause; markers of one clause and year side by side so
    that each has its own hover with the full sentence. Undated targets are left out (said in the title)."""
    import plotly.graph_objects as go

    dated = [t for t in targets if t.deadline]
    rows: dict[tuple[str, str, str], list[Target]] = defaultdict(list)
    for target in dated:
        rows[(_document(target), target.label, target.deadline)].append(target)
    clauses = list(dict.fromkeys((_document(t), t.label) for t in dated))
    many = len({doc for doc, _ in clauses}) > 1
    name = {(doc, label): f"{doc[:8]}…{label}" if many else label for doc, label in clauses}  # one row per clause
    figure = go.Figure()
    for document in dict.fromkeys(doc for doc, _ in clauses):
        xs, ys, texts, hovers = [], [], [], []
        for (doc, label, deadline), group in rows.items():
            if doc != document:
                continue
            year = int(deadline.removesuffix("年"))
            for i, target in enumerate(group):
                xs.append(year + (i - (len(group) - 1) / 2) * 0.12)
                ys.append(name[(doc, label)])
                texts.append(f"{target.number}{target.unit}{target.qualifier}")
                hovers.append(_hover(target))
        figure.add_trace(go.Scatter(x=xs, y=ys, mode="markers+text", text=texts, textposition="top center",
                                    hovertext=hovers, hoverinfo="text", name=document[:20],
                                    marker={"size": 12, "symbol": "diamond"}))
    years = sorted({int(t.deadline.removesuffix("年")) for t in dated}) or [0]
    undated = len(targets) - len(dated)
    figure.update_layout(
        title=f"量化目标完成时限（{len(dated)} 项有期限；{undated} 项未写期限，见上表）",
        font={"family": CJK_FONTS, "size": 13}, height=max(320, 60 * len(clauses) + 140),
        xaxis={"title": "完成时限（年）", "dtick": 1, "range": [years[0] - 1, years[-1] + 1], "tickformat": "d"},
        yaxis={"title": "条款", "type": "category", "categoryorder": "array", "automargin": True,
               "categoryarray": [name[key] for key in reversed(clauses)]},
        showlegend=many, margin={"l": 80, "r": 30, "t": 60, "b": 50},
        hoverlabel={"font": {"family": CJK_FONTS}},
    )
    return figure


def _hover(target: Target) -> str:
    sentence = "<br>".join(html.escape(line) for line in textwrap.wrap(target.sentence, 28))
    return f"<b>{target.label} · 到{target.deadline}：{target.number}{target.unit}{target.qualifier}</b><br>{sentence}"
