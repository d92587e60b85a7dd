from __future__ import annotations


import pytest

from qa.app import escape_text, launch, render_answer

from .conftest import free_port


def test_document_text_is_escaped():
    shown = escape_text("<script>alert(1)</script> **粗体** [链接](http://x)")
    assert "<script>" not in shown and "**" not in shown and "](" not in shown
    assert shown.startswith("&lt;script&gt;")


def test_rendered_card_escapes_clause_text():
    result = {"citation": "文件 › <b>部分</b>", "text": "甲<script>x</script>。乙。", "highlight": ["乙。"],
              "departments": ["市教育局"], "departments_cut": False, "score": 0.5}
    html = render_answer({"question": "q", "results": [result]})
    assert "<script>" not in html and "<b>部分</b>" not in html
    assert '<span class="qa-hl">乙。</span>' in html and "市教育局" in html


@pytest.fixture(scope="module")
def server(assistant):
    port = free_port()
    app = launch(assistant, port=port, block=False)
    yield f"http://127.0.0.1:{port}/"
    app.close()


def test_ask_endpoint_returns_cited_clauses(server):
    from gradio_client import Client

    client = Client(server, verbose=False)
    for question, label in [("谁负责退役军人的职业培训", "（九）"), ("职业学校教育分为哪几个层次？", "第十五条")]:
        data = client.predict(question, 3, api_name="/ask")
        assert data["question"] == question
        assert data["results"][0]["label"] == label and len(data["results"]) == 3
    assert "error" in client.predict("   ", 3, api_name="/ask")
