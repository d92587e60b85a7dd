"""End to end in a real browser: Debian's chromium driven by Playwright (never a downloaded browser)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from . import new_documents as new
from .conftest import CORPUS, REPO, free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO / "tests" / "artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                reason="Debian chromium is not installed (CI installs it)")


@contextmanager
def serving(index_dir: Path, corpus: Path, *extra: str) -> Iterator[str]:
    """`qa serve` on a free loopback port, as a subprocess; its URL once it answers."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--port", str(port), "--index",
                                str(index_dir), "--corpus", str(corpus), *extra], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail("qa serve exited:\n" + process.stdout.read())
                time.sleep(0.5)
        else:
            pytest.fail("qa serve did not start")
        print(f"\nstart-up: {time.perf_counter() - started:.1f} s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(index_dir):
    with serving(index_dir, CORPUS) as url:
        yield url


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
        page = context.new_page()
        # Headless chromium has no system clipboard to read back: record what the page copies instead.
        page.add_init_script("navigator.clipboard.writeText = (text) => { window.__copied = text; "
                             "return Promise.resolve(); };")
        page.requests_seen = []
        page.on("request", lambda request: page.requests_seen.append(request.url))
        page.goto(server)
        page.wait_for_selector("#qa-question textarea", timeout=60_000)
        yield page
        browser.close()


def test_question_shows_answer_and_citation(page):
    box = page.locator("#qa-question textarea")
    box.fill("谁负责退役军人的职业培训？")
    started = time.perf_counter()
    page.click("#qa-send")
    card = page.locator(".qa-card").first
    card.wait_for(timeout=60_000)
    print(f"\none question through the page: {time.perf_counter() - started:.2f} s")
    direct = page.locator(".qa-direct").first.inner_text()
    assert "市退役军人事务局" in direct and "（九）" in direct
    assert "（九）着力打造“中部匠都”" in card.locator(".qa-cite").inner_text()
    assert "市残联" in card.inner_text()
    card.locator(".qa-copy").click()
    page.wait_for_function("document.querySelector('.qa-copy').textContent === '已复制'", timeout=5_000)
    assert "（九）着力打造“中部匠都”" in page.evaluate("window.__copied")
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)
    box.fill("双师型比例要达到多少？")  # a second question: the first one also warmed the engine up
    started = time.perf_counter()
    page.click("#qa-send")
    page.wait_for_function("[...document.querySelectorAll('.qa-direct')].some(e => e.innerText.includes('60%'))",
                           timeout=60_000)
    print(f"\nsecond question through the page: {time.perf_counter() - started:.2f} s")


def test_outline_tab(page):
    page.get_by_role("tab", name="目录").click()
    outline = page.locator("#qa-outline")
    outline.wait_for()
    text = outline.inner_text()
    assert "三、推进职业院校高位优质发展" in text and "（十二）落实职业院校用人自主权" in text
    outline.get_by_text("第二章 职业教育体系", exact=True).click()  # a statute's chapters start folded
    assert "第十五条" in outline.inner_text()
    page.locator("#qa-clause-picker input").click()
    page.get_by_role("option", name="四、创新职教发展机制 › （十二）落实职业院校用人自主权").click()
    view = page.locator("#qa-clause-view")
    page.wait_for_function("document.querySelector('#qa-clause-view').innerText.includes('双师型')",
                           timeout=10_000)
    assert "市委编办" in view.inner_text()
    page.screenshot(path=str(ARTIFACTS / "outline.png"), full_page=True)


def test_departments_tab(page):
    page.get_by_role("tab", name="责任单位").click()
    heat = page.locator("#qa-heatmap table")
    heat.wait_for()
    assert heat.locator("tr").count() == 1 + 15
    assert "市财政局" in heat.inner_text()
    page.locator("#qa-department input").click()
    page.get_by_role("option", name="市财政局", exact=True).click()
    page.wait_for_function("document.querySelector('#qa-duties-view').innerText.includes('5 项工作')",
                           timeout=10_000)
    assert "（十二）落实职业院校用人自主权" in page.locator("#qa-duties-view").inner_text()
    page.screenshot(path=str(ARTIFACTS / "departments.png"), full_page=True)


def test_targets_tab(page):
    page.get_by_role("tab", name="目标").click()
    table = page.locator("#qa-targets")
    table.wait_for()
    page.wait_for_function("document.querySelector('#qa-targets').innerText.includes('3-4所')", timeout=10_000)
    page.locator("#qa-deadline input").click()
    page.get_by_role("option", name="到2025年").click()  # only the targets with that deadline remain
    page.wait_for_function("!document.querySelector('#qa-targets').innerText.includes('3-4所')", timeout=10_000)
    assert "200门" in table.inner_text()
    page.screenshot(path=str(ARTIFACTS / "targets.png"), full_page=True)


def test_no_request_left_the_machine(page):
    hosts = {urlparse(url).hostname for url in page.requests_seen if urlparse(url).scheme in ("http", "https")}
    assert hosts <= {"127.0.0.1", "localhost"}, hosts


# ------------------------------------------------------------- issue 11: downloads and the deadline chart


def test_division_table_downloads_as_word(page, tmp_path):
    from docx import Document as WordDocument
    from docx.oxml.ns import qn

    page.get_by_role("tab", name="责任单位").click()
    button = page.locator("#qa-division-docx")
    button.wait_for()
    with page.expect_download(timeout=30_000) as download:
        button.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".docx"
    table = WordDocument(str(path)).tables[0]
    labels = [row.cells[2].text[: row.cells[2].text.index("）") + 1] for row in table.rows[1:]]
    assert labels[0] == "（三）" and labels[-1] == "（十八）" and len(labels) == 16
    assert table.rows[1].cells[4].text == "市委组织部"
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    page.locator("#qa-department input").click()
    page.get_by_role("option", name="市财政局", exact=True).click()
    task = page.locator("#qa-task-list")
    task.wait_for(state="visible", timeout=10_000)
    with page.expect_download(timeout=30_000) as download:
        task.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    rows = WordDocument(str(path)).tables[0].rows[1:]
    assert [r.cells[1].text[:4] for r in rows] == ["（九）着", "（十二）", "（十四）", "（十五）", "（十六）"]


def test_targets_timeline_chart(page, tmp_path):
    page.get_by_role("tab", name="目标").click()
    chart = page.locator("#qa-timeline")
    chart.locator(".main-svg").first.wait_for(timeout=30_000)  # plotly drew it, from Gradio's own bundle
    chart.scroll_into_view_if_needed()
    points = chart.locator(".scatterlayer .point")
    assert points.count() == 15  # every target with a deadline
    box = points.nth(0).bounding_box()  # plotly listens on the layer above the points: move the mouse there
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#qa-timeline .hovertext", timeout=10_000)
    assert "到2025年" in chart.locator(".hovertext").text_content()  # an SVG element: no innerText
    page.screenshot(path=str(ARTIFACTS / "timeline.png"), full_page=True)
    with page.expect_download(timeout=30_000) as download:
        page.locator("#qa-targets-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_no_request_left_the_machine_after_the_downloads_and_chart(page):
    hosts = {urlparse(url).hostname for url in page.requests_seen if urlparse(url).scheme in ("http", "https")}
    assert hosts <= {"127.0.0.1", "localhost"}, hosts


@contextmanager
def own_page(page, url: str) -> Iterator:
    """A page of its own at `url`, in a new context of the module's browser (one Playwright per process)."""
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    try:
        own = context.new_page()
        own.goto(url)
        own.wait_for_selector("#qa-question textarea", timeout=60_000)
        yield own
    finally:
        context.close()


# -- issue 13: a conversation with follow-ups, 👎 with a comment, and `qa log` shows it (a server with the log on)


@pytest.fixture(scope="module")
def logged(page, index_dir, tmp_path_factory):
    """A second server, with the log on, in a new context of the browser the `page` fixture runs (one Playwright
    per process)."""
    log_dir = tmp_path_factory.mktemp("log")
    with serving(index_dir, CORPUS, "--log", str(log_dir)) as url, own_page(page, url) as chat_page:
        yield chat_page, log_dir


def test_conversation_feedback_and_log(logged):
    page, log_dir = logged
    page.locator("#qa-question textarea").fill("（九）讲了什么？")
    page.click("#qa-send")
    page.locator("#qa-chat .qa-card").first.wait_for(timeout=60_000)
    page.locator("#qa-question textarea").fill("它的责任单位有哪些？")
    page.click("#qa-send")
    resolved = page.locator("#qa-chat .qa-resolved").last
    resolved.wait_for(timeout=60_000)
    assert "按上文理解为：（九）的责任单位有哪些？" in resolved.inner_text()
    direct = page.locator("#qa-chat .qa-direct").last.inner_text()
    assert "市残联" in direct and "各园区管委会" in direct
    page.locator("#qa-chat button[aria-label='踩']").last.click()  # 👎 (the zh-CN label) on the last answer
    status = page.locator("#qa-feedback-status")
    page.wait_for_function("document.querySelector('#qa-feedback-status').innerText.includes('已记录 👎')",
                           timeout=10_000)
    page.locator("#qa-comment textarea").fill("应写出各单位的分工")
    page.click("#qa-comment-send")
    page.wait_for_function("document.querySelector('#qa-feedback-status').innerText.includes('意见已记录')",
                           timeout=10_000)
    assert "意见已记录" in status.inner_text()
    page.screenshot(path=str(ARTIFACTS / "conversation.png"), full_page=True)
    run = subprocess.run([sys.executable, "-m", "qa.cli", "log", str(log_dir)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert "共 2 个问题" in run.stdout and "👎 1 个" in run.stdout
    assert "（九）的责任单位有哪些？ → units" in run.stdout and "意见：应写出各单位的分工" in run.stdout
    page.get_by_role("tab", name="统计").click()  # no accounts: this local user is the administrator
    page.wait_for_function("document.querySelector('#qa-stats').innerText.includes('应写出各单位的分工')",
                           timeout=10_000)
    page.get_by_role("tab", name="问答").click()
    page.click("#qa-new")  # 新对话: the next question has nothing to refer back to
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-card').length === 0", timeout=10_000)
    page.locator("#qa-question textarea").fill("市财政局呢？")
    page.click("#qa-send")
    page.locator("#qa-chat .qa-card").first.wait_for(timeout=60_000)
    assert page.locator("#qa-chat .qa-resolved").count() == 0


# ------------------------------------------------------------------------------ the 文件 tab (a library)


@pytest.fixture(scope="module")
def library_server(index_dir, tmp_path_factory):
    """`qa serve` on a writable copy of the corpus and of its index (the `server` above stays read-only)."""
    folder = tmp_path_factory.mktemp("library")
    shutil.copytree(CORPUS, folder / "corpus", ignore=shutil.ignore_patterns("_*", "README.md"))
    shutil.copytree(index_dir, folder / "index")
    with serving(folder / "index", folder / "corpus") as url:
        yield url, folder


def _ask_new(page, question: str) -> list[str]:
    """Ask in the chat; the citations of the cards of this answer only."""
    page.get_by_role("tab", name="问答").click()
    before = page.locator(".qa-card").count()
    page.locator("#qa-question textarea").fill(question)
    page.click("#qa-send")
    page.wait_for_function(f"document.querySelectorAll('.qa-card').length > {before}", timeout=60_000)
    cards = page.locator(".qa-card")
    return [cards.nth(i).locator(".qa-cite-text").inner_text() for i in range(before, cards.count())]


def test_files_tab_adds_and_removes_documents(library_server, page, tmp_path):
    from qa.documents import SUPPORTED

    url, folder = library_server
    opinion = new.opinion_docx(tmp_path)
    pdf = new.to_pdf(new.rules_docx(tmp_path), tmp_path / "pdf")
    assert pdf is not None and pdf.is_file(), "LibreOffice (soffice) is needed to make the PDF"
    pdf_supported = ".pdf" in SUPPORTED  # PDF reading comes with qa/documents.py's PDF support
    with own_page(page, url) as page:
        page.get_by_role("tab", name="文件").click()
        page.locator("#qa-upload input[type=file]").set_input_files([str(opinion), str(pdf)])
        uploaded = time.perf_counter()
        # Questions are answered while the documents are processed (from the index in use until then).
        assert any("（九）" in c for c in _ask_new(page, "谁负责退役军人的职业培训？"))
        page.get_by_role("tab", name="文件").click()
        listing = page.locator("#qa-files")
        pdf_state = "已加入" if pdf_supported else "失败"
        page.wait_for_function(
            "([a, b, s]) => { const rows = [...document.querySelectorAll('#qa-files [role=row]')].map(r => r.innerText);"
            " return rows.some(r => r.includes(a) && r.includes('已加入'))"
            " && rows.some(r => r.includes(b) && r.includes(s)); }",
            arg=[opinion.name, pdf.name, pdf_state], timeout=60_000)
        print(f"\nupload to listed: {time.perf_counter() - uploaded:.1f} s")
        text = listing.inner_text()
        assert new.OPINION_TITLE in text and "政策文件" in text and "4 条" in text
        page.screenshot(path=str(ARTIFACTS / "files.png"), full_page=True)
        # the other tabs follow the library: the outline lists the new document, the department picker its
        # departments
        page.get_by_role("tab", name="目录").click()
        page.wait_for_function(f"document.querySelector('#qa-outline').innerText.includes('{new.OPINION_TITLE}')",
                               timeout=10_000)
        cited = _ask_new(page, new.OPINION_QUESTION)
        assert new.OPINION_ANSWER in cited[0] and cited[0].startswith(new.OPINION_TITLE)
        if pdf_supported:
            cited = _ask_new(page, new.RULES_QUESTION)
            assert cited[0].startswith(new.RULES_TITLE) and cited[0].endswith(new.RULES_ANSWER)
        else:
            assert "不支持的文件类型" in text
        assert time.perf_counter() - uploaded < 60, "questions about the new documents answered within 60 s"

        page.get_by_role("tab", name="文件").click()
        page.locator("#qa-remove-pick input").click()
        page.get_by_role("option", name=f"{new.OPINION_TITLE}（{opinion.name}）").click()
        page.click("#qa-remove")
        page.wait_for_function(f"!document.querySelector('#qa-files').innerText.includes('{opinion.name}')",
                               timeout=60_000)
        assert not (folder / "corpus" / opinion.name).exists()
        page.get_by_role("tab", name="目录").click()
        page.wait_for_function(f"!document.querySelector('#qa-outline').innerText.includes('{new.OPINION_TITLE}')",
                               timeout=10_000)
        assert not any(c.startswith(new.OPINION_TITLE) for c in _ask_new(page, new.OPINION_QUESTION))
        if pdf_supported:  # the other new document is still answered from
            assert _ask_new(page, new.RULES_QUESTION)[0].startswith(new.RULES_TITLE)


def _row_text(page, file: str) -> str:
    rows = page.locator("#qa-files [role=row]")
    return next((rows.nth(i).inner_text() for i in range(rows.count()) if file in rows.nth(i).inner_text()), "")


def _wait_row(page, file: str, text: str, seconds: float = 120) -> None:
    page.wait_for_function(
        "([f, t]) => [...document.querySelectorAll('#qa-files [role=row]')]"
        ".some(r => r.innerText.includes(f) && r.innerText.includes(t))", arg=[file, text], timeout=seconds * 1000)


def test_files_tab_reads_a_scan_with_progress_and_cancel(library_server, page, tmp_path):
    """A scanned regulation uploaded in the 文件 tab: its OCR pages show as they are read; 取消上传 stops it and
    the library is unchanged; uploaded again it is added, answers a question citing its OCR'd article, and the
    目录 tab lists it."""
    from .pdf_fixtures import scanned_statute

    url, folder = library_server
    scanned = scanned_statute(tmp_path, new.SCAN_PAGES, name=f"{new.SCAN_TITLE}.pdf")
    with own_page(page, url) as page:
        page.get_by_role("tab", name="文件").click()
        manifest = (folder / "index" / "manifest.json").read_bytes()
        page.locator("#qa-upload input[type=file]").set_input_files([str(scanned)])
        _wait_row(page, scanned.name, "OCR 识别第 1/2 页")
        page.click("#qa-cancel")
        _wait_row(page, scanned.name, "已取消")
        assert (folder / "index" / "manifest.json").read_bytes() == manifest
        assert not (folder / "corpus" / scanned.name).exists()

        page.locator("#qa-upload input[type=file]").set_input_files([str(scanned)])
        _wait_row(page, scanned.name, "OCR 识别第 2/2 页")
        page.screenshot(path=str(ARTIFACTS / "files-ocr-progress.png"), full_page=True)
        _wait_row(page, scanned.name, "已加入")
        assert new.SCAN_TITLE in _row_text(page, scanned.name)
        cited = _ask_new(page, new.SCAN_QUESTION)
        assert cited[0].startswith(new.SCAN_TITLE) and new.SCAN_ANSWER in cited[0] and "（OCR 识别）" in cited[0]
        page.get_by_role("tab", name="目录").click()
        page.wait_for_function(f"document.querySelector('#qa-outline').innerText.includes('{new.SCAN_TITLE}')",
                               timeout=10_000)
