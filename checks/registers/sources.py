"""The laws and regulations the register checks rest on, defined once. Statute texts are those
published by the National People's Congress (国家法律法规数据库, flk.npc.gov.cn, which also carries
provincial and municipal regulations); ``tests/checks/test_sources.py`` holds them to the same
standard as the journal rules' (:mod:`checks.sources`)."""

from __future__ import annotations

from checks.sources import CIVIL_CODE, NPC_DATABASE, Basis

RENT_DUE_DATES = Basis(
    "《中华人民共和国民法典》（全国人民代表大会，2020）第七百二十一条：对支付租金的期限没有约定或者约定不明确的，"
    "租赁期限不满一年的，应当在租赁期限届满时支付；一年以上的，应当在每届满一年时支付",
    CIVIL_CODE,
)
RENT_ARREARS = Basis(
    "《中华人民共和国民法典》第七百二十二条：承租人无正当理由未支付或者迟延支付租金的，出租人可以请求承租人"
    "在合理期限内支付；逾期不支付的，出租人可以解除合同",
    CIVIL_CODE,
)
INDEFINITE_LEASE = Basis(
    "《中华人民共和国民法典》第七百三十四条：租赁期限届满，承租人继续使用租赁物，出租人没有提出异议的，"
    "原租赁合同继续有效，但是租赁期限为不定期",
    CIVIL_CODE,
)
LEASE_CAP = Basis(
    "《中华人民共和国民法典》第七百零五条：租赁期限不得超过二十年；超过二十年的，超过部分无效",
    CIVIL_CODE,
)
WRITTEN_LEASE = Basis(
    "《中华人民共和国民法典》第七百零七条：租赁期限六个月以上的，应当采用书面形式",
    CIVIL_CODE,
)
CONTRACT_FORMED = Basis(
    "《中华人民共和国民法典》第四百九十条：当事人采用合同书形式订立合同的，自当事人均签名、盖章或者按指印时"
    "合同成立",
    CIVIL_CODE,
)
FULL_PERFORMANCE = Basis(
    "《中华人民共和国民法典》第五百零九条：当事人应当按照约定全面履行自己的义务",
    CIVIL_CODE,
)
LAND_TERMS = Basis(
    "《中华人民共和国农村土地承包法》（全国人民代表大会常务委员会，2018 年修正）第二十一条："
    "耕地的承包期为三十年，林地的承包期为三十年至七十年；第三十八条：流转期限不得超过承包期的剩余期限",
    NPC_DATABASE,
)
RESERVE_LAND = Basis(
    "《中华人民共和国农村土地承包法》第六十七条：机动地面积不得超过本集体经济组织耕地总面积的百分之五；"
    "机动地一般一年一发包、最长三年为地方通行要求，本县可按本地文件调整",
    NPC_DATABASE,
)
WASTELAND_TERM = Basis(
    "《济南市农村四荒资源开发管理条例》（济南市人民代表大会常务委员会，2010）第十条：承包、租赁、拍卖四荒使用权的"
    "期限最长不超过五十年",
    NPC_DATABASE,
)
OUTSIDER_CONTRACTING = Basis(
    "《中华人民共和国农村土地承包法》第五十二条：发包给本集体经济组织以外的单位或者个人承包，应当事先经村民会议"
    "三分之二以上成员或者三分之二以上村民代表同意，并报乡（镇）人民政府批准",
    NPC_DATABASE,
)
ZHEJIANG_PLATFORM = Basis(
    "《浙江省农村集体资产管理条例》（浙江省人民代表大会常务委员会，2020）第三十五条：达到县（市、区）人民政府确定的"
    "标的额的农村集体资产交易，应当进入农村产权交易市场公开进行",
    NPC_DATABASE,
)
ZHEJIANG_RESERVE_PRICE = Basis(
    "《浙江省农村集体资产管理条例》第三十七条：可以对农村集体资产设定保留价",
    NPC_DATABASE,
)
ZHEJIANG_REGISTER = Basis(
    "《浙江省农村集体资产管理条例》第九条：建立资产登记制度，定期清查，如实登记资产存量及变动情况，做到资产明晰、"
    "账实相符；对实行承包和租赁经营的资产，应当登记承包人、承租人以及承包、租赁的期限、收益等情况",
    NPC_DATABASE,
)
ZHEJIANG_AUDIT = Basis(
    "《浙江省农村集体资产管理条例》第三十九条：审计包括承包、租赁、转让等合同的签订和履行",
    NPC_DATABASE,
)
COLLECTIVE_LOW_PRICE = Basis(
    "《中华人民共和国农村集体经济组织法》（全国人民代表大会常务委员会，2024）第三十五条第二款第（六）项："
    "理事会成员、监事会成员或者监事、主要经营管理人员不得将集体财产低价折股、转让、租赁",
    NPC_DATABASE,
)
COLLECTIVE_DUTY = Basis(
    "《中华人民共和国农村集体经济组织法》第三十五条：理事会成员、监事、主要经营管理人员应当为集体经济组织及其成员的"
    "利益管理集体财产，不得侵占、挪用、截留、私分集体财产（第二款第（一）项）",
    NPC_DATABASE,
)
COLLECTIVE_PROPERTY = Basis(
    "《中华人民共和国农村集体经济组织法》第四十三条：建立集体财产清查、保管、使用、处置、公开等制度，促进集体财产"
    "保值增值",
    NPC_DATABASE,
)
SPREAD_ONE_OFF_INCOME = Basis(
    "合阳县人民政府《关于规范农村集体经济组织收益分配的通知（征求意见稿）》（2023）：一次性或集中收取的集体资产"
    "承包、出租等收入，须分摊到各个收益年度",
    "http://www.heyang.gov.cn/zfxxgk/zc/xzgfxwj/1649310284389425154.html",
)
