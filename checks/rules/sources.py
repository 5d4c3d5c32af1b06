"""The regulations and local rules the rules rest on (REFERENCE.md §2, §6), defined once."""

from __future__ import annotations

from checks.rules.rule import Basis

ACCOUNTING_BASICS = Basis(
    "《会计基础工作规范》：记账凭证须写明会计科目、借贷方向和金额，连续编号，注明所附原始凭证张数；"
    "复式记账“有借必有贷，借贷必相等”",
    "http://exam8.com/kuaiji/kjz/fudao/201103/1933821_2.html",
)
RED_INK = Basis(
    "冲销或更正错账用红字（负数）金额，须在摘要中注明冲销、红字等",
    "REFERENCE.md §6 Balanced vouchers",
)
CHART_2004 = Basis(
    "《村集体经济组织会计制度》财会〔2004〕12号，适用于 2024 年 1 月以前的会计期间",
    "http://www.darehui.com/kuaiji/1115902.html",
)
CHART_2023 = Basis(
    "《农村集体经济组织会计制度》财会〔2023〕14号，2024 年 1 月 1 日起施行；"
    "新旧衔接按财会〔2023〕20号",
    "https://shui5.cn/article/c3/181566.html",
)
VOUCHER_WORDS = Basis(
    "凭证按会计期间和凭证字（记/收/付/转）从 1 号起连续编号",
    "REFERENCE.md §2.4 Voucher words",
)
MONTH_END = Basis(
    "“当月发生的收支凭证，必需在当月底前全部结清、记账”",
    "https://taowenge.com/p-82949019.html",
)
YEAR_END_CLOSE = Basis(
    "年终将损益类科目结转“本年收益”，结转后本科目应无余额；结账后不得再补记已结账期间",
    "http://m.35331.cn/lhd_9d3lf3u48a3bj0w6iip07zlrl1bk8m012xr_3.html",
)
PREPARER_REVIEWER = Basis(
    "制单人与审核人不能为同一人（财务软件的通用控制）",
    "https://wenku.docs.qq.com/detail?docId=GJmk5X8Gj8",
)
AGENCY_DUTIES = Basis(
    "“出纳人员不得兼管稽核、会计档案保管和收入、费用、债权债务账目的登记工作”（揭阳市揭东区）",
    "http://ggfw.jiedong.gov.cn/cwgk/openInfoContent.action?theID=230957",
)
CASH_CEILING_XINCHANG = Basis(
    "与单位往来 1,000 元以上不得使用现金；库存现金限额 3,000 元（浙江新昌县南明街道）",
    "http://m.shaoxing.com.cn/news/content/2018-11/22/content_2685812.htm",
)
CASH_CEILING_GAOYOU = Basis(
    "1,000 元以上通过银行转账支付（江苏高邮）",
    "http://www.gytoday.cn/zh/2018-12-21/54848.html",
)
CASH_LIMIT = Basis(
    "库存现金“一般为 5000 元”，日清月结，每日结出余额",
    "https://www.fanwen9.com/zhidu/334374.html",
)
CASH_BANS = Basis(
    "不准坐收坐支，不准白条或预领条抵库，禁止大额现金支付；"
    "收入 7 日内存入统管资金专户（山西交城县）",
    "http://www.fanwen118.com/info_15/fw_2869920.html",
)
CASH_STATUTE = Basis(
    "财会人员不得以“白条子”抵库、坐支现金，库存现金不得超过规定限额",
    "http://www.fymate.net/html/text/lar/168198/16819823_2.html",
)
FOUR_DELIBERATIONS = Basis(
    "四议两公开：党支部提议、两委会商议、党员大会审议、村民（代表）会议决议，决议和实施结果公开",
    "https://tunchang.fytlaw.com/news/202501/09/5929.html",
)
APPROVAL_TIERS = Basis(
    "非生产性开支 1 万元以上须经村民代表会议讨论并形成书面决议",
    "https://www.mingyanjiaju.org/fanwen/guizhangzhidu/1432317063066469_2.htm",
)
WORKS_TENDER = Basis(
    "村级工程 10 万元以上须经村民代表大会决议并公开招投标（浙江安吉县村级小微工程办法）",
    "http://zfdyw.org/show-483356.html",
)
WRITTEN_CONTRACTS = Basis(
    "资金、资产、资源的投资、发包、租赁一律签订书面合同，杜绝口头协议（长治市 2025）",
    "http://www.nagasaki-momotani.com/xxgkml/zfxxgkml/szfgzbm/snywyh/czsrmzf/GFXWJ/202507/"
    "t20250701_3062156.shtml",
)
SPLIT_CASES = Basis(
    "拆分规避招标：安吉马吉村 9.05 万元与 9.34 万元同付一家公司；丹阳拆成 4.79 万元与 2.3 万元",
    "http://js.news.cn/2023-04/23/c_1129550978.htm",
)
NO_HOSPITALITY = Basis("“村级不得开支招待费”（曲江乡）", "http://bprcd.com/html/9..show2143684.html")
NO_BANQUETS = Basis(
    "“严格控制村接待费支出，严禁用公款吃喝送礼”；不准以白条抵库",
    "https://www.mingyanjiaju.org/fanwen/guizhangzhidu/1432317063066469_2.htm",
)
SPECIAL_FUND = Basis(
    "专项资金专户核算、通过银行转账支付；以现金支出专项应付款是截留套取的常见手法"
    "（重庆巴南中坪村以虚假劳务表册截留 13 万元）。全国性条文未检索到，属通行做法",
    "https://wxredian.com/art?id=aa8bd0cec03564e06bf29975a3426074",
)
