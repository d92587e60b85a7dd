"""Two short made-up documents that are not in corpus/, for the library tests: a statute-style 办法 with
articles and a policy-style 实施意见 with （一） clauses and 责任单位, as .docx (python-docx) and as PDF
(LibreOffice headless); and a 办法 that exists only as a scan (tests/pdf_fixtures.py's scanned_statute)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

RULES_TITLE = "某市职业技能培训补贴管理办法"
RULES = [
    "第一条 为规范职业技能培训补贴资金管理，提高资金使用效益，根据有关规定，制定本办法。",
    "第二条 本办法适用于本市行政区域内职业技能培训补贴的申请、审核、拨付和监督管理。",
    "第三条 参加培训并取得职业技能等级证书的城乡劳动者，可以申请培训补贴。初级工每人补贴1000元，中级工每人补贴1500元，"
    "高级工每人补贴2000元。",
    "第四条 培训补贴申请材料应当在取得证书之日起十二个月内提交至户籍所在地人力资源社会保障部门。",
    "第五条 人力资源社会保障部门应当在受理申请之日起二十个工作日内完成审核，审核通过的补贴资金直接拨付至申请人本人社会保障卡银行账户。",
    "第六条 以虚假材料骗取培训补贴的，追回已拨付资金，申请人五年内不得再次申请。",
    "第七条 本办法自2025年1月1日起施行。",
]
RULES_QUESTION, RULES_ANSWER = "取得中级工证书可以领多少培训补贴？", "第三条"

OPINION_TITLE = "关于推进家政服务业提质扩容的实施意见"
OPINION = [
    "一、总体要求",
    "（一）发展目标。到2026年，全市家政服务从业人员达到5万人，持证上岗率达到80%以上。（责任单位：市商务局、市人社局）",
    "二、重点任务",
    "（二）加强家政从业人员培训。依托职业院校和家政企业，每年开展家政技能培训1万人次。（责任单位：市人社局、市教育局）",
    "（三）建立家政服务信用体系。推行家政服务员持居家上门服务证上门服务，建立家政服务员信用记录查询制度。"
    "（责任单位：市商务局、市发展改革委）",
    "（四）完善社区家政服务网点。每个街道至少建设1个家政服务网点。（责任单位：市民政局、市住房城乡建设局）",
]
OPINION_QUESTION, OPINION_ANSWER = "家政服务员上门服务要持什么证？", "（三）建立家政服务信用体系"

# A regulation that exists only as a scan (two page images, read by OCR).
SCAN_TITLE = "某市中等职业学校学生实习管理办法"
SCAN_PAGES = [
    [SCAN_TITLE,
     "第一条 为规范中等职业学校学生实习工作，保障实习学生合法权益，制定本办法。",
     "第二条 本办法适用于本市中等职业学校组织的认识实习和岗位实习。",
     "第三条 学生岗位实习一般为6个月，实习单位应当为实习学生购买实习责任保险。"],
    ["第四条 实习单位应当按月向岗位实习学生支付实习报酬，报酬不低于本单位相同岗位试用期工资标准的80%。",
     "第五条 学校和实习单位不得安排学生在法定节假日实习，不得安排学生加班和夜班。",
     "第六条 本办法自2025年9月1日起施行。"],
]
SCAN_QUESTION, SCAN_ANSWER = "实习生的报酬不能低于试用期工资的多少？", "第四条"


def write_docx(path: Path, title: str, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(title, 0)
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def rules_docx(folder: Path) -> Path:
    return write_docx(folder / f"{RULES_TITLE}.docx", RULES_TITLE, RULES)


def opinion_docx(folder: Path) -> Path:
    return write_docx(folder / f"{OPINION_TITLE}.docx", OPINION_TITLE, OPINION)


def to_pdf(docx_path: Path, folder: Path) -> Path | None:
    """The .docx printed to PDF by LibreOffice (None when soffice is not installed)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    profile = folder / "lo-profile"  # its own profile: never the user's, never shared between runs
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), str(docx_path)], check=True, capture_output=True, timeout=120)
    return folder / f"{docx_path.stem}.pdf"
