"""The laws, regulations, Party rules and auditing standards the journal rules and signals rest
on, defined once.

Each basis names its document (《…》), the body that issued it and the year, the document number
where one is certain, and the article where it is known; numeric thresholds that the documents
leave to the county or town say so and name their parameter. The source is the official
publisher: the document's own page where it is known, else the official database or site that
publishes it, searched there by title — 国家法律法规数据库 (flk.npc.gov.cn) for laws and
administrative regulations, 中国政府网 (www.gov.cn) for documents of the State Council and the
General Offices, 中央纪委国家监委网站 (www.ccdi.gov.cn) for Party rules, 财政部 (mof.gov.cn) for
accounting rules. ``tests/checks/test_sources.py`` fails for a basis without a document name, or
with a source that is not an official or reputable publisher.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Basis:
    """The regulation or local rule a check enforces (its text names the document and article),
    and where it is published."""

    text: str
    source: str


NPC_DATABASE = "https://flk.npc.gov.cn"
CIVIL_CODE = "http://www.npc.gov.cn/npc/c30834/202006/75ba6483b8344591abd07917e1d25cc8.shtml"
GOV_POLICIES = "https://www.gov.cn/zhengce/"
CCDI = "https://www.ccdi.gov.cn"
MOF_ACCOUNTING = "https://kjs.mof.gov.cn"
MOF_AGRICULTURE = "https://nys.mof.gov.cn"
CICPA = "https://www.cicpa.org.cn"
IAASB = "https://www.iaasb.org"
CAQ = "https://www.thecaq.org"
WILEY = "https://www.wiley.com"

# Accounting rules

VOUCHER_CONTENTS = Basis(
    "《会计基础工作规范》（财政部，1996 年发布、2019 年修改）第五十一条：记账凭证必须具备填制凭证"
    "的日期、凭证编号、经济业务摘要、会计科目、金额、所附原始凭证张数，以及有关人员签名或者盖章；"
    "除结账和更正错误的记账凭证可以不附原始凭证外，其他记账凭证必须附有原始凭证",
    MOF_ACCOUNTING,
)
VOUCHER_NUMBERING = Basis(
    "《会计基础工作规范》第五十一条：填制记账凭证时，应当对记账凭证进行连续编号；一笔经济业务需要"
    "填制两张以上记账凭证的，可以采用分数编号法编号",
    MOF_ACCOUNTING,
)
DOUBLE_ENTRY = Basis(
    "《农村集体经济组织会计制度》（财政部，财会〔2023〕14号）与《村集体经济组织会计制度》（财政部"
    "，财会〔2004〕12号）：会计核算采用借贷记账法，每笔经济业务以相等的金额同时记入借方和贷方",
    MOF_ACCOUNTING,
)
RED_INK = Basis(
    "《会计基础工作规范》第五十一条：已经登记入账的记账凭证在当年内发现填写错误时，可以用红字填写"
    "一张与原内容相同的记账凭证，在摘要栏注明“注销某月某日某号凭证”字样，同时再用蓝字重新填制一张"
    "正确的记账凭证",
    MOF_ACCOUNTING,
)
CHART_2004 = Basis(
    "《村集体经济组织会计制度》（财政部，财会〔2004〕12号）会计科目表，适用于 2024 年 1 月以前的会"
    "计期间",
    MOF_ACCOUNTING,
)
CHART_2023 = Basis(
    "《农村集体经济组织会计制度》（财政部，财会〔2023〕14号）会计科目表，2024 年 1 月 1 日起施行",
    MOF_ACCOUNTING,
)
ACCOUNTING_YEAR = Basis(
    "《中华人民共和国会计法》（全国人民代表大会常务委员会，2017 年修正文本）第十一条：会计年度自公"
    "历1 月 1 日起至 12 月 31 日止",
    NPC_DATABASE,
)
PERIOD_CLOSING = Basis(
    "《会计基础工作规范》（财政部）关于结账的规定：各单位应当按照规定定期结账；结账前，必须将本期"
    "内所发生的各项经济业务全部登记入账",
    MOF_ACCOUNTING,
)
YEAR_END_CLOSE = Basis(
    "《村集体经济组织会计制度》（财会〔2004〕12号）与《农村集体经济组织会计制度》（财会〔2023〕14"
    "号）的会计科目使用说明：年度终了，将收入、支出类科目的余额转入“本年收益”科目，结转后这些科目"
    "应无余额",
    MOF_ACCOUNTING,
)
TRUE_RECORDS = Basis(
    "《中华人民共和国会计法》（全国人民代表大会常务委员会，2017 年修正文本）第九条：各单位必须根据"
    "实际发生的经济业务事项进行会计核算，不得以虚假的经济业务事项或者资料进行会计核算",
    NPC_DATABASE,
)
DUTIES_SEPARATED = Basis(
    "《中华人民共和国会计法》（全国人民代表大会常务委员会，2017 年修正文本）第二十七条：记账人员与"
    "经济业务事项和会计事项的审批人员、经办人员、财物保管人员的职责权限应当明确，并相互分离、相互"
    "制约；第三十七条：会计机构内部应当建立稽核制度，出纳人员不得兼任稽核、会计档案保管和收入、支"
    "出、费用、债权债务账目的登记工作",
    NPC_DATABASE,
)

# Cash

CASH_SCOPE = Basis(
    "《现金管理暂行条例》（国务院，1988 年发布、2011 年修订）第五条：开户单位可以在职工工资津贴、"
    "个人劳务报酬、出差人员差旅费、结算起点（1000 元）以下的零星支出等范围内使用现金，其他款项通过"
    "银行转账结算；村级对单位付现金的限额由县、乡镇规定（参数 cash_payment_ceiling）",
    NPC_DATABASE,
)
CASH_LIMIT = Basis(
    "《现金管理暂行条例》第九条：开户银行根据实际需要，核定开户单位 3 天至 5 天日常零星开支所需的"
    "库存现金限额（边远地区不超过 15 天），超过限额的现金应当送存银行；村级库存现金限额由县、乡镇"
    "规定（参数 cash_holding_limit）",
    NPC_DATABASE,
)
CASH_DISCIPLINE = Basis(
    "《现金管理暂行条例》（国务院）与中国人民银行《现金管理暂行条例实施细则》：不得坐支现金；不准"
    "用不符合财务制度的凭证顶替库存现金（白条抵库）；现金账目应当日清月结、账款相符",
    NPC_DATABASE,
)

# Democratic decisions, tendering, contracts

VILLAGERS_DECIDE = Basis(
    "《中华人民共和国村民委员会组织法》（全国人民代表大会常务委员会，2018 年修正）第二十四条：从村"
    "集体经济所得收益的使用、本村公益事业的兴办和建设承包方案、村集体经济项目的立项和承包方案、以"
    "借贷租赁或者其他方式处分村集体财产等事项，经村民会议讨论决定方可办理；村民会议可以授权村民代"
    "表会议讨论决定",
    NPC_DATABASE,
)
FOUR_DELIBERATIONS = Basis(
    "《中国共产党农村基层组织工作条例》（中共中央，2019）：村级重大事项决策实行“四议两公开”，即村"
    "党组织提议、村“两委”会议商议、党员大会审议、村民会议或者村民代表会议决议，决议公开、实施结果"
    "公开",
    GOV_POLICIES,
)
COLLECTIVE_FINANCE = Basis(
    "《农村集体经济组织财务制度》（财政部、农业农村部，财农〔2021〕121号，2022 年 1 月 1 日起施行"
    "）第四条：财务管理坚持民主管理、公开透明、成员受益、支持公益；须经民主决策的开支金额由县、乡"
    "镇规定（参数 approval_tier）",
    MOF_AGRICULTURE,
)
TENDERING = Basis(
    "《中华人民共和国招标投标法》（全国人民代表大会常务委员会，1999 年通过、2017 年修正）第四条："
    "任何单位和个人不得将依法必须进行招标的项目化整为零或者以其他任何方式规避招标；村级工程须招标"
    "的金额由县、乡镇规定（参数 tender_line）",
    NPC_DATABASE,
)
WORKS_CONTRACT = Basis(
    "《中华人民共和国民法典》（全国人民代表大会，2020）第七百八十九条：建设工程合同应当采用书面形"
    "式",
    CIVIL_CODE,
)
SPECIAL_FUND = Basis(
    "《农村集体经济组织会计制度》（财政部，财会〔2023〕14号）设“专项应付款”科目，核算政府拨入、有"
    "专门用途、须按规定用途支付的资金",
    MOF_ACCOUNTING,
)

# Hospitality, gifts, tobacco and alcohol

EIGHT_POINT_RULES = Basis(
    "《十八届中央政治局关于改进工作作风、密切联系群众的八项规定》（中共中央政治局，2012）及《中共"
    "中央政治局贯彻落实中央八项规定实施细则》（2017）：厉行勤俭节约，严格执行公务接待规定",
    CCDI,
)
FRUGALITY_REGULATION = Basis(
    "《党政机关厉行节约反对浪费条例》（中共中央、国务院，2013）：严格控制公务接待，不得用公款报销"
    "或者支付应由个人负担的费用",
    GOV_POLICIES,
)
RECEPTION_RULES = Basis(
    "《党政机关国内公务接待管理规定》（中共中央办公厅、国务院办公厅，2013）：无公函的公务活动一律"
    "不予接待；工作餐不得提供香烟和高档酒水；不得以任何名义赠送礼金、有价证券、纪念品和土特产品",
    GOV_POLICIES,
)
PARTY_DISCIPLINE = Basis(
    "《中国共产党纪律处分条例》（中共中央，2023 年修订）：违反有关规定用公款宴请、赠送或者发放礼品"
    "、消费卡（券）等，属违反中央八项规定精神，依规给予党纪处分",
    CCDI,
)
VILLAGE_CADRE_INTEGRITY = Basis(
    "《农村基层干部廉洁履行职责若干规定（试行）》（中共中央办公厅、国务院办公厅，2011）：禁止违反"
    "公共财物管理和使用的规定，假公济私、化公为私；村级是否可以列支招待费由乡镇规定（参数 hospital"
    "ity_banned）",
    GOV_POLICIES,
)

# Auditing standards behind the signals

FRAUD_STANDARD_CHINA = Basis(
    "《中国注册会计师审计准则第 1141 号——财务报表审计中与舞弊相关的责任》（财政部发布）：注册会计"
    "师应当测试日记账分录和其他调整是否适当，关注异常的分录",
    CICPA,
)
FRAUD_STANDARD_ISA = Basis(
    "《国际审计准则第 240 号——财务报表审计中与舞弊相关的责任》（ISA 240，国际审计与鉴证准则理事会"
    "）应用材料：不当日记账分录的特征包括记入不相关、异常或很少使用的科目，在期末或结账后编制、摘"
    "要很少，以及金额为整数或尾数一致",
    IAASB,
)
JOURNAL_TESTING_AID = Basis(
    "《Practice Aid for Testing Journal Entries and Post-Closing Adjustments》（美国审计质量中心 C"
    "AQ，2008）：按收款方与金额查找重复分录，查找在周末、节假日编制的分录",
    CAQ,
)
BENFORD_NIGRINI = Basis(
    "《Benford's Law: Applications for Forensic Accounting, Auditing, and Fraud Detection》（Mark "
    "J. Nigrini，Wiley，2012）：首位数字检验的平均绝对偏差（MAD）超过 0.015 为不符合",
    WILEY,
)
PUBLIC_HOLIDAYS = Basis(
    "《全国年节及纪念日放假办法》（国务院，2024 年修订）及国务院办公厅每年发布的部分节假日安排通知"
    "：法定节假日和调休上班日",
    GOV_POLICIES,
)
