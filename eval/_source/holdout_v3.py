# -*- coding: utf-8 -*-
"""Writes holdout_v3.jsonl (fresh held-out questions) and validates them against
plan.txt / law.md only. Run: python3 holdout_v3_source.py"""
import json, os, re, sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
PLAN = "关于加快推进职业教育现代化服务的实施方案"
LAW = "中华人民共和国职业教育法"
A, T, N = "admin", "teacher", "newcomer"
Q = []  # (doc, type, user, colloquial, question, gold, keys, extra)


def P(typ, user, coll, q, gold, keys, **extra):
    Q.append((PLAN, typ, user, coll, q, gold, keys, extra))


def L(typ, user, coll, q, gold, keys, **extra):
    Q.append((LAW, typ, user, coll, q, gold, keys, extra))


def O(user, coll, q):
    Q.append((None, "out_of_scope", user, coll, q, [], [], {}))


def who(user, coll, q, clause, deps, keys=None):
    P("who", user, coll, q, [clause], keys or [deps[0]], departments=deps)


def duties(user, coll, q, dep, gold, keys):
    P("duties", user, coll, q, gold, keys, department=dep)


EDU, HR, COUNTY, PARK = "市教育局", "市人力资源和社会保障局", "各县市区人民政府", "各园区管委会"

# ------------------------------------------------------------------ plan
# overview: outline / main content
P("overview", N, False, "这个实施方案分为哪几个部分？", ["OUTLINE"], [])
P("overview", N, False, "市里这份职业教育实施方案的主要内容是什么？", ["OUTLINE"], [])
P("overview", A, False, "方案部署了哪些重点任务？", ["OUTLINE"], [])
P("overview", N, True, "刚来单位，这个职教方案大概讲了些啥？", ["OUTLINE"], [])
P("overview", N, True, "方案一共分几大块，每块说的是啥？", ["OUTLINE"], [])
P("overview", T, True, "能不能简单帮我捋一下这个方案的框架？", ["OUTLINE"], [])
P("overview", A, False, "实施方案从哪些方面提出了推进职业教育现代化的措施？", ["OUTLINE"], [])
# overview: goal / guiding idea clauses
P("overview", N, False, "方案的总体目标是什么？", ["（二）"], ["职业教育集约集群发展标杆", "区域创新发展标杆"])
P("overview", N, False, "这个方案的指导思想是什么？", ["（一）"], ["职业教育制度和模式", "提供技术技能人才支撑"])
P("overview", N, True, "这方案的大目标到底是啥？", ["（二）"], ["产教协同创新标杆"])
P("overview", N, False, "方案第一部分“总体要求”包括哪些内容？", ["（一）", "（二）"], ["职业教育制度和模式", "铸魂强能育人标杆"])

# 前言
P("goal", N, False, "这个实施方案是为贯彻落实哪些精神而制定的？", ["前言"], ["整省推进职业教育现代化服务"])
P("goal", N, True, "市里搞这个方案，最后是想把咱这儿打造成个啥？", ["前言"], ["打造区域教育中心"])
P("goal", N, False, "方案提出要更好地服务哪些城市建设？", ["前言"], ["省域副中心城市建设"])

# （一）
P("goal", N, False, "方案把职业教育现代化放在什么位置？", ["（一）"], ["教育现代化的重要方面"])
P("goal", T, True, "说白了，办好职业教育是要给“三高四新”战略提供什么？", ["（一）"], ["提供技术技能人才支撑"])

# （二）
P("goal", N, False, "总体目标里提出要成为哪几个“标杆”？", ["（二）"], ["铸魂强能育人标杆", "成为区域创新发展标杆"])
P("fact", N, False, "方案对标的是哪些国家层面的文件？", ["（二）"], ["对标中国教育现代化2035"])
P("fact", A, False, "市里推进职业教育要坚持怎样的工作思路？", ["（二）"], ["整市推进、分类指导"])

# （三）
who(A, False, "全面加强党的建设由哪些单位负责？", "（三）", ["市委组织部", EDU, HR])
P("fact", A, False, "方案对职业院校领导班子选人有什么标准？", ["（三）"], ["政治过硬、品行优良"])
P("fact", T, True, "学校党支部要搞的“五化”那个事，方案是怎么说的？", ["（三）"], ["党支部“五化”建设提质"])

# （四）
P("fact", A, False, "方案对职业院校章程的作用有什么要求？", ["（四）"], ["依法依章程行使自主权"])
who(A, False, "提高职业教育治理水平这一条归哪些部门负责？", "（四）", [EDU, HR], ["市人力资源和社会保障局"])
P("fact", A, True, "学校里办事没个准章程，方案让怎么整改？", ["（四）"], ["规范办事程序", "明确岗位工作职责"])

# （五）
P("fact", T, False, "中等职业学校哪几门课程要开齐开足？", ["（五）"], ["思想政治、语文、历史课程"])
P("fact", T, True, "劳动课是不是必须上？成绩跟能不能毕业有关系吗？", ["（五）"], ["设立劳动教育必修课程", "作为学生毕业依据"])
P("fact", T, False, "思政课建设方面要开展哪些遴选活动？", ["（五）"], ["开展思政示范课堂"])
P("fact", T, True, "我们学校每年办的“文明风采”，方案里有提到吗？", ["（五）"], ["“文明风采”活动"])
who(A, False, "深化“三全育人”综合改革的责任单位是哪些？", "（五）", [EDU, HR])
P("fact", T, False, "方案要求思政、语文、历史课程发挥哪几方面的育人作用？", ["（五）"], ["培根、铸魂、启智、润心"])

# （六）
P("fact", N, True, "交通工程学院以后是要变成本科吗？", ["（六）"], ["转型为应用型本科高校"])
P("fact", A, False, "哪些高职院校被支持升格为本科层次职业教育？", ["（六）"], ["环境生物职业技术学院", "升格本科层次职业教育"])
P("number", A, True, "中专升大专这事，市里打算支持几所？", ["（六）"], ["3-4所优质中职学校"])
P("fact", A, False, "技师学院今后纳入什么序列？", ["（六）"], ["纳入高等职业技术学院序列"])
who(A, False, "“确立高层次高质量发展方向”由哪些单位负责落实？", "（六）", [EDU, "市发展改革委", HR, COUNTY], ["市发展改革委"])

# （七）
P("fact", N, True, "以后上中专的和上普高的人数，方案想弄成个啥比例？", ["（七）"], ["职普比大体相当"])
P("fact", N, False, "工业职业中专和商贸职业中专分别对接哪些产业？", ["（七）"], ["对接一、二产业建好工业职业中专", "对接三产业建好商贸职业中专"])
P("number", A, False, "到2025年要争取几所中职学校立项国家优质中等职业学校？", ["（七）"], ["争取5所中职学校"])
P("number", A, True, "评上楚怡品牌的学校，市里想拿下几所？", ["（七）"], ["3-5所立项省楚怡品牌学校"])
P("number", A, True, "到25年，中职学校硬件这些都得够上啥标准？", ["（七）"], ["国家中职学校设置标准"])
P("fact", T, True, "初中毕业直接读五年拿大专那种，方案里有吗？", ["（七）"], ["五年制高职教育试点"])
who(A, False, "提高中等职业教育发展水平的责任单位有哪些？", "（七）", [EDU, HR, COUNTY])

# （八）
P("number", T, True, "网上能看的那种精品课，到2025年要做出来多少门？", ["（八）"], ["200门精品在线课程"])
P("number", T, False, "到2025年要立项建设多少门省级以上精品课程？", ["（八）"], ["省级以上50门精品课程"])
P("number", T, True, "用电脑模拟操作的那种实训中心，省级的要建几个？", ["（八）"], ["10个省级虚拟仿真实训中心"])
P("number", N, True, "带地方特色的数字博物馆要弄几个？", ["（八）"], ["3个湖湘特色数字博物馆"])
P("fact", A, False, "职业教育信息化方面要制定实施什么计划？", ["（八）"], ["职业教育信息化三年行动计划"])
P("fact", A, True, "学校想弄点高科技教室、模拟工厂，方案支持吗？", ["（八）"], ["建设一批智慧教室", "虚拟仿真工厂"])
P("fact", T, False, "在改进教学方法上，方案要求推行哪些教学方式？", ["（八）"], ["推行慕课教学、仿真实训"])
P("number", T, False, "省级职业教育专业教学资源库要立项多少个？", ["（八）"], ["专业教学资源库"])
who(A, False, "提升信息化育人能力由谁负责？", "（八）", [EDU, HR, COUNTY])

# （九）
P("number", A, True, "一年要培训多少人次才算完成任务？", ["（九）"], ["年培训量达到5万人次以上"])
P("fact", N, True, "退伍的、下岗的人能到职业学校去学技术吗？", ["（九）"], ["面向退役军人、下岗职工"])
P("fact", N, False, "方案提出助力培养什么后备人才？", ["（九）"], ["助力培养“百万工匠”后备人才"])
P("fact", A, False, "县域职教中心在职业培训中发挥什么作用？", ["（九）"], ["县域职教中心的统筹作用"])
P("fact", T, True, "职业学校能不能给街坊邻居办办培训班、搞点继续教育？", ["（九）"], ["深入开展社区教育", "实施公益性继续教育"])
who(A, False, "着力打造“中部匠都”这一条的责任单位有哪些？", "（九）",
    [EDU, HR, "市财政局", "市退役军人事务局", "市农业农村局", "市乡村振兴局", "市残联", COUNTY, PARK], ["市退役军人事务局"])
P("goal", N, False, "方案提出要大力发展什么经济？", ["（九）"], ["大力发展“能人经济”"])

# （十）
P("fact", A, False, "方案提出加强与哪些区域的职业教育创新合作？", ["（十）"], ["粤港澳大湾区、长江经济带"])
P("fact", A, True, "我们学校想跟外地名校合伙办学，方案支不支持？", ["（十）"], ["开展联合办学"])
who(A, False, "扩大职业教育开放合作由哪些部门负责？", "（十）", [EDU, HR, COUNTY])

# （十一）
P("fact", A, True, "中专读一半想转去普高，之前修的学分还算数吗？", ["（十一）"], ["与普通高中学分互认"])
P("number", A, True, "让中小学生去体验当工人、当厨师的地方，打算建多少个？", ["（十一）"], ["10个以上中小学职业体验中心"])
P("fact", T, False, "中小学教师每年要参加什么职业教育方面的培训？", ["（十一）"], ["现代职业教育通识培训"])
P("fact", T, False, "综合实践活动课程在学生评价中处于什么地位？", ["（十一）"], ["学生综合素质评价的重要内容"])
who(A, False, "加快实施职普教育融通的责任单位有哪些？", "（十一）", [EDU, HR, COUNTY])

# （十二）
P("number", T, False, "职业院校新进专业专任教师原则上需要几年企业工作经历？", ["（十二）"], ["3年以上企业工作经历"])
P("number", T, True, "既能上课又懂实操的老师，占比要到多少？", ["（十二）"], ["“双师型”比例达到60%"])
P("number", T, False, "到2025年要培养多少名产业教授（导师）？", ["（十二）"], ["100名产业教授（导师）"])
P("number", A, False, "到2025年培养多少名省级产教融合领军人才？", ["（十二）"], ["10名省级产教融合领军人才"])
P("number", T, False, "省级职业教育专业教学团队要建多少个？", ["（十二）"], ["40个省级职业教育专业教学团队"])
P("fact", T, False, "市级职业院校骨干专业对名师工作室有什么要求？", ["（十二）"], ["至少建设1个名师工作室"])
P("fact", T, True, "企业的人来学校兼课，他单位会把这个算进考核里吗？", ["（十二）"], ["兼职情况纳入业绩考核评价"])
P("fact", A, False, "职业院校自主招聘实行什么备案制度？", ["（十二）"], ["事前申报事后备案制度"])
who(A, False, "落实职业院校用人自主权的责任单位有哪些？", "（十二）", ["市委编办", HR, "市财政局", EDU, COUNTY], ["市委编办"])
P("fact", A, False, "教职工岗位比例依据什么来设置？", ["（十二）"], ["市委编委核定的编制总量"])

# （十三）
P("fact", A, False, "到2025年，县市区政府举办的职业院校要达到什么建设标准？", ["（十三）"], ["省示范性中等职业学校建设标准"])
P("fact", T, True, "中职的文化课会不会全市统一考一考？", ["（十三）"], ["公共基础课普遍测试"])
P("fact", T, False, "中职学生综合素质评价要怎样推进？", ["（十三）"], ["全面实施中职学生综合素质评价"])
who(A, False, "完善职业教育评价机制的责任单位是哪些？", "（十三）", [EDU, HR, COUNTY])

# （十四）
P("number", A, False, "要高标准建设几个省级校企合作公共实训基地？", ["（十四）"], ["1个省级校企合作公共实训基地"])
P("number", A, False, "到2025年建设多少个市级生产性实训示范基地？", ["（十四）"], ["10个左右"])
P("fact", A, True, "县里要不要自己也搞个学校和企业一起的园区？", ["（十四）"], ["县级产教融合示范园区"])
P("fact", N, False, "市产教融合示范园区要创建哪些中心？", ["（十四）"], ["创建生产性实训中心", "就业创业孵化中心"])
who(A, False, "建设产教融合示范园区由哪些单位负责？", "（十四）",
    ["市发展改革委", EDU, "市工业和信息化局", HR, "市财政局", "市自然资源和规划局", COUNTY, PARK], ["市自然资源和规划局"])

# （十五）
P("number", N, False, "方案要求重点办好服务于多少条产业链的相关专业？", ["（十五）"], ["14条产业链相关专业"])
P("number", A, False, "重点建设多少个市级以上高水平中职专业（群）？", ["（十五）"], ["20个市级以上高水平中职专业"])
P("number", A, True, "高职那边的好专业打算重点扶几个？", ["（十五）"], ["10个高水平高职专业"])
P("fact", A, False, "专业设置与产业需求对接要构建什么机制？", ["（十五）"], ["专业动态优化调整机制"])
P("fact", A, True, "几个学校开的专业都差不多，方案说怎么办？", ["（十五）"], ["专业错位优势发展", "推进区域内学校专业整合"])
who(A, False, "统筹专业对接产业布局这一条谁来负责？", "（十五）",
    ["市工业和信息化局", "市财政局", "市发展改革委", EDU, HR, "市国资委", "市自然资源和规划局", COUNTY, PARK], ["市工业和信息化局"])

# （十六）
P("number", A, False, "到2025年争取多少家企业通过产教融合型企业认定？", ["（十六）"], ["争取20家企业"])
P("fact", A, False, "方案对产教融合型企业落实什么组合式激励政策？", ["（十六）"], ["“金融+财政+土地+信用”"])
P("number", A, False, "技术研发和推广服务中心要重点建几个？", ["（十六）"], ["5个技术研发和推广服务中心"])
P("fact", A, True, "企业凭啥愿意掺和办学？市里给了啥甜头？", ["（十六）"], ["组合式激励政策"])
who(A, False, "激发企业参与职业教育积极性的责任单位有哪些？", "（十六）",
    ["市发展改革委", EDU, "市工业和信息化局", "市国资委", "市财政局", "市自然资源和规划局", COUNTY, PARK], ["市国资委"])
P("goal", N, False, "在城市层面，方案提出要加快创建什么？", ["（十六）"], ["省级产教融合型城市"])

# （十七）
P("number", T, True, "每年挑多少学生重点培养成小工匠？", ["（十七）"], ["每年遴选1000名中高职学生"])
P("number", A, True, "大企业得拿出多少岗位给学生实习？", ["（十七）"], ["职工总数的2%"])
P("number", A, False, "到2025年要建设多少个市级示范性企业学徒基地？", ["（十七）"], ["市级示范性企业学徒基地"])
P("fact", T, False, "职业教育“四位一体”德育体系指的是哪四方？", ["（十七）"], ["“学校、家庭、企业、社区”"])
P("fact", T, True, "开冠名班这种跟企业合作的路子，方案认不认？", ["（十七）"], ["引企驻校、引校进企、冠名班"])
P("fact", T, False, "方案探索的产教融合模式是什么？", ["（十七）"], ["以专业办企业，以企业促专业"])
who(A, False, "强化校企双主体协同育人由哪些单位负责？", "（十七）", [EDU, "市工业和信息化局", "市国资委", HR, COUNTY, PARK])

# （十八）
P("number", A, True, "是不是每个职业学校都得加入职教集团？", ["（十八）"], ["职业教育集团参与率达到100%"])
P("fact", A, False, "组建职业教育集团以什么为平台？", ["（十八）"], ["以产业链为平台"])
P("fact", A, True, "职教集团要实打实地运作，靠什么把各家拴在一起？", ["（十八）"], ["产业链、资产链和人才链"])

# duties
duties(A, False, "市财政局在方案中负责哪些工作？", "市财政局",
       ["（九）", "（十二）", "（十四）", "（十五）", "（十六）"], ["着力打造“中部匠都”", "落实职业院校用人自主权"])
duties(A, False, "市发展改革委承担方案中的哪些任务？", "市发展改革委",
       ["（六）", "（十四）", "（十五）", "（十六）"], ["确立高层次高质量发展方向"])
duties(A, False, "市委编办负责哪一项工作？", "市委编办", ["（十二）"], ["落实职业院校用人自主权"])
duties(A, True, "管工业和信息化的那个局，在这个方案里要干哪些活？", "市工业和信息化局",
       ["（十四）", "（十五）", "（十六）", "（十七）"], ["建设产教融合示范园区"])
duties(A, False, "市自然资源和规划局涉及方案中的哪些条款？", "市自然资源和规划局",
       ["（十四）", "（十五）", "（十六）"], ["统筹专业对接产业布局"])
duties(A, False, "市国资委在方案里有哪些职责？", "市国资委",
       ["（十五）", "（十六）", "（十七）"], ["强化校企双主体协同育人"])
duties(A, True, "残联在这个方案里要管啥事？", "市残联", ["（九）"], ["着力打造“中部匠都”"])
duties(A, False, "市退役军人事务局负责方案中的什么工作？", "市退役军人事务局", ["（九）"], ["着力打造“中部匠都”"])
duties(A, False, "市委组织部在职业教育方案中负责什么？", "市委组织部", ["（三）"], ["全面加强党的建设"])
duties(A, False, "市乡村振兴局负责哪项任务？", "市乡村振兴局", ["（九）"], ["着力打造“中部匠都”"])
duties(A, True, "我们园区管委会要配合做哪些事？", "各园区管委会",
       ["（九）", "（十四）", "（十五）", "（十六）", "（十七）"], ["建设产教融合示范园区"])

# ------------------------------------------------------------------ law
L("overview", N, False, "职业教育法一共分几章，主要规定了什么？", ["OUTLINE"], [])
L("overview", N, True, "职业教育法大体上管了哪些事？", ["OUTLINE"], [])
L("goal", N, False, "职业教育法的立法目的是什么？", ["第一条"], ["推动职业教育高质量发展"])
L("goal", T, False, "国家要求职业教育坚持哪些办学原则？", ["第四条"], ["坚持立德树人、德技并修", "坚持产教融合、校企合作"])
L("fact", N, False, "法律所称职业教育包括哪些？", ["第二条"], ["包括职业学校教育和职业培训"])
L("fact", N, True, "读职校是不是比读普高低一等？法律上怎么说？", ["第三条"], ["同等重要地位的教育类型"])
L("fact", N, True, "我一个普通老百姓想去学门技术，法律上有这个权利吗？", ["第五条"], ["公民有依法接受职业教育的权利"])
L("fact", A, False, "职业教育实行什么样的管理体制？", ["第六条"], ["政府统筹、分级管理"])
L("number", T, True, "国家那个职业教育宣传周是几月份？", ["第十二条"], ["每年5月的第二周"])
L("fact", N, False, "职业学校教育分为哪几个层次？", ["第十五条"], ["分为中等职业学校教育"])
L("fact", A, False, "国家法律对技师学院纳入高等职业学校序列是怎么规定的？", ["第十五条"], ["技师学院纳入高等职业学校序列"])
L("fact", T, True, "教残疾孩子学手艺的老师，有没有额外补贴？", ["第十八条"], ["享受特殊教育津贴"])
L("fact", T, False, "普通中小学要开展哪些职业方面的教育？", ["第十九条"], ["职业启蒙、职业认知"])
L("fact", A, False, "县级人民政府可以设立什么学校开展职业教育？", ["第二十二条"], ["设立职业教育中心学校"])
L("fact", A, False, "企业招用技术工种劳动者上岗前必须进行哪些培训？", ["第二十四条"], ["安全生产教育和技术培训"])
L("fact", A, False, "国家对产教融合型企业给予哪些支持？", ["第二十七条"], ["金融、财政、土地等支持"])
L("fact", A, False, "企业与职业学校联合招生搞学徒培养，要签订什么协议？", ["第三十条"], ["签订学徒培养协议"])
L("fact", A, False, "设立职业学校应当符合哪些基本条件？", ["第三十三条"], ["有组织机构和章程", "有合格的教师和管理人员"])
L("fact", A, False, "设立实施本科及以上层次教育的高等职业学校由谁审批？", ["第三十三条"], ["由国务院教育行政部门审批"])
L("fact", A, False, "公办职业学校实行什么领导体制？", ["第三十五条"], ["基层组织领导的校长负责制"])
L("fact", A, True, "职业学校开什么专业能自己说了算吗？", ["第三十六条"], ["依法自主设置专业"])
L("fact", N, True, "学校能打着安排实习的旗号另外收钱吗？", ["第四十二条"], ["安排实习实训等名义违法收取费用"])
L("fact", T, False, "法律对职业学校专业课教师的工作经历有什么要求？", ["第四十六条"], ["一定年限的相应工作经历"])
L("fact", T, True, "厂里的老师傅文凭不高，能去职校当专业课老师吗？", ["第四十六条"], ["视情况降低学历要求"])
L("fact", T, True, "学生去厂里顶岗干活，有没有工钱拿？", ["第五十条"], ["给予适当的劳动报酬"])
L("fact", T, False, "职业学校不得安排学生从事什么样的实习实训？", ["第五十条"], ["与所学专业无关的实习实训"])
L("fact", T, True, "外面培训考的技能证书，能换成学校里的学分吗？", ["第五十一条"], ["转化为相应的学历教育学分"])
L("fact", N, True, "职校毕业出来考编、找工作，会不会被看低？", ["第五十三条"], ["享有平等机会", "妨碍职业学校毕业生平等就业"])
L("fact", A, False, "职业学校的学费收入能否冲抵生均拨款？", ["第五十五条"], ["冲抵生均拨款"])
L("number", A, False, "职业学校通过劳务派遣单位安排学生实习的，罚款标准是多少？", ["第六十六条"], ["违法所得一倍以上五倍以下的罚款", "按一万元计算"])
L("fact", A, False, "职业学校教育教学质量低下、造成严重后果的，会受到什么处理？", ["第六十五条"], ["责令暂停招生、限期整顿"])
L("fact", A, False, "职业学校从学费收入中提取的资金应当用于什么？", ["第五十二条"], ["用于奖励和资助学生"])
L("fact", T, True, "单位派我去职校进修，这段时间工资还发不发？", ["第五十八条"], ["依法支付工资"])
L("number", N, True, "新版职教法是哪天开始管用的？", ["第六十九条"], ["本法自2022年5月1日起施行"])
L("fact", T, False, "规模以上企业在接纳职业学校教师实践方面有什么义务？", ["第四十五条"], ["安排一定比例的岗位"])

# ------------------------------------------------------------------ out of scope
O(N, True, "个税专项附加扣除在哪里填？")
O(N, True, "明天市里会不会下雨？")
O(N, True, "看病花的钱怎么找医保报？")
O(T, False, "方案规定中职学生每年学费是多少钱？")
O(T, False, "职业院校教师评高级职称需要发表几篇论文？")
O(N, False, "今年高考志愿填报什么时候开始？")
O(N, True, "普高今年录取分数线划到多少了？")
O(N, True, "住房公积金怎么提出来？")
O(N, False, "研究生考试报名时间是什么时候？")
O(N, False, "孩子上公办幼儿园需要满足什么条件？")
O(N, True, "驾照快到期了去哪换？")
O(T, False, "中小学教师资格证考试的报名条件是什么？")
O(A, False, "义务教育阶段课后服务怎么收费？")
O(N, False, "职工养老保险最低要缴满多少年？")


# ------------------------------------------------------------------ parsing
SENT = re.compile(r"[^。！？；]+[。！？；]?")


def sentences(text):
    return [s for s in SENT.findall(text) if s.strip()]


def parse_plan():
    lines = [l.strip() for l in open(os.path.join(HERE, "plan.txt"), encoding="utf-8") if l.strip()]
    units, cur = {}, None
    pre = []
    for l in lines[1:]:
        m = re.match(r"^（([一二三四五六七八九十]+)）", l)
        if m:
            cur = "（%s）" % m.group(1)
            units[cur] = l
        elif re.match(r"^[一二三四五六七八九十]+、", l):
            cur = "SECTION"
        elif l.startswith("【"):
            continue
        elif cur is None:
            pre.append(l)
        elif cur in units:
            units[cur] += l
    units["前言"] = "".join(pre)
    resp = {}
    for k, v in units.items():
        m = re.search(r"（责任单位：([^）]*)）", v)
        if m:
            resp[k] = m.group(1).split("、")
    return units, resp


def parse_law():
    arts, cur = {}, None
    for l in open(os.path.join(HERE, "law.md"), encoding="utf-8"):
        l = l.strip()
        if not l:
            continue
        m = re.match(r"^(第[一二三四五六七八九十百]+条)", l)
        if m:
            cur = m.group(1)
            arts[cur] = l
        elif l.startswith("#"):
            cur = None
        elif cur:
            arts[cur] += "\n" + l
    return arts


def main():
    units, resp = parse_plan()
    arts = parse_law()
    errors = []
    out, counters = [], {PLAN: 0, LAW: 0, None: 0}
    prefix = {PLAN: "plan3", LAW: "law3", None: "oos3"}
    seen = set()
    for doc, typ, user, coll, q, gold, keys, extra in Q:
        counters[doc] += 1
        qid = "%s-%03d" % (prefix[doc], counters[doc])
        if q in seen:
            errors.append((qid, "duplicate question"))
        seen.add(q)
        src = units if doc == PLAN else arts
        if typ == "out_of_scope":
            if gold or keys:
                errors.append((qid, "oos must have empty gold/keys"))
        elif gold == ["OUTLINE"]:
            if typ != "overview" or keys:
                errors.append((qid, "OUTLINE only for overview with keys []"))
        else:
            if not gold or not (1 <= len(keys) <= 2):
                errors.append((qid, "gold/keys count"))
            for g in gold:
                if g not in src:
                    errors.append((qid, "unknown gold label", g))
            for k in keys:
                if not (4 <= len(k) <= 15):
                    errors.append((qid, "key length", k, len(k)))
                ok = any(g in src and k in src[g] and any(k in s for s in sentences(src[g])) for g in gold)
                if not ok:
                    errors.append((qid, "key not in a gold sentence", k))
        if typ == "who":
            if resp.get(gold[0]) != extra.get("departments"):
                errors.append((qid, "departments mismatch", resp.get(gold[0]), extra.get("departments")))
        if typ == "duties":
            dep = extra.get("department")
            expect = [k for k in resp if dep in resp[k]]
            expect = [k for k in units if k in expect]  # document order
            if expect != gold:
                errors.append((qid, "duties gold mismatch", expect, gold))
        o = {"id": qid, "question": q, "doc": doc, "type": typ, "user": user, "colloquial": coll,
             "gold": gold, "keys": keys}
        o.update(extra)
        o["split"] = "test3"
        out.append(o)
    with open(os.path.join(HERE, "holdout_v3.jsonl"), "w", encoding="utf-8") as f:
        for o in out:
            f.write(json.dumps(o, ensure_ascii=False) + "\n")
    # summary
    n = len(out)
    nc = sum(o["colloquial"] for o in out)
    print("total", n, "| plan", counters[PLAN], "| law", counters[LAW], "| oos", counters[None])
    print("colloquial", nc, "(%.1f%%)" % (100.0 * nc / n))
    print("by doc/type:", sorted(Counter((("plan" if o["doc"] == PLAN else "law" if o["doc"] == LAW else "oos"), o["type"]) for o in out).items()))
    print("by doc/colloquial:", sorted(Counter((("plan" if o["doc"] == PLAN else "law" if o["doc"] == LAW else "oos"), o["colloquial"]) for o in out).items()))
    print("by user:", sorted(Counter(o["user"] for o in out).items()))
    print("overview:", sum(o["type"] == "overview" for o in out))
    checks = [counters[PLAN] >= 80, counters[LAW] >= 25, counters[None] >= 12, nc * 3 >= n,
              sum(o["type"] == "overview" for o in out) >= 12]
    if not all(checks):
        errors.append(("quota", checks))
    print("validation errors:", len(errors))
    for e in errors:
        print("  ", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
