"""Every basis a rule, signal or register check rests on names its document and cites an
official or reputable publisher: never a file outside the repository, never a content farm. The
charts of accounts and the holiday calendar's notices are held to the same standard."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from checks.charts import CHART_KEYS, packaged_chart
from checks.registers.audit import REGISTER_CHECKS
from checks.rules import RULES
from checks.signals import SIGNALS
from checks.signals.calendar import committed_years, official_years
from checks.sources import Basis

# Publishers a discipline inspector accepts: government sites (gov.cn covers npc.gov.cn,
# ccdi.gov.cn, mof.gov.cn, moa.gov.cn and provincial governments), the Party members' site, the
# state news agency, and the standard setters and publishers of the auditing references.
OFFICIAL_HOSTS = (
    "gov.cn", "12371.cn", "news.cn", "xinhuanet.com", "people.com.cn",
    "iaasb.org", "ifac.org", "thecaq.org", "cicpa.org.cn", "wiley.com",
)
DOCUMENT_NAME = re.compile(r"《[^《》]+》")
# A reference to a file or a section of a document, not a published source.
FILE_REFERENCE = re.compile(r"§|\.md\b|\.txt\b|\.pdf\b|/shared/|\bREFERENCE\b|\bDETECTION\b")

CHECKS = [
    *[(rule.id, basis) for rule in RULES for basis in rule.basis],
    *[(signal.id, basis) for signal in SIGNALS for basis in signal.basis],
    *[(check.id, basis) for check in REGISTER_CHECKS for basis in check.basis],
]


def basis_problems(basis: Basis) -> list[str]:
    """What keeps ``basis`` from standing as a basis; empty when it stands."""
    problems = []
    if not DOCUMENT_NAME.search(basis.text):
        problems.append("names no document 《…》")
    for text in (basis.text, basis.source):
        if FILE_REFERENCE.search(text):
            problems.append(f"cites a file or section: {text[:40]}")
    parts = urlsplit(basis.source)
    host = (parts.hostname or "").lower()
    if parts.scheme not in {"http", "https"} or not host:
        problems.append(f"source is not a web address: {basis.source}")
    elif not any(host == allowed or host.endswith("." + allowed) for allowed in OFFICIAL_HOSTS):
        problems.append(f"source host {host} is not an official or reputable publisher")
    return problems


@pytest.mark.parametrize(("check_id", "basis"), CHECKS,
                         ids=[f"{check_id}-{n}" for n, (check_id, _) in enumerate(CHECKS)])
def test_every_basis_names_its_document_and_an_official_source(check_id, basis):
    assert basis_problems(basis) == [], check_id


# The documents the charts of accounts and the calendar's years come from, as the catalogue
# (checks/RULES.md) cites them.
DOCUMENTS = [
    *[(f"chart {key}", Basis(packaged_chart(key).label(), packaged_chart(key).source))
      for key in CHART_KEYS],
    *[(f"holidays {year}", Basis(arrangement.notice, source))
      for years in (official_years(), committed_years())
      for year, arrangement in years.items() for source in arrangement.sources],
]


@pytest.mark.parametrize(("what", "basis"), DOCUMENTS, ids=[what for what, _ in DOCUMENTS])
def test_the_charts_and_the_holiday_notices_name_their_document_and_an_official_source(
        what, basis):
    assert basis_problems(basis) == [], what


def test_every_check_has_a_basis():
    for check in (*RULES, *SIGNALS, *REGISTER_CHECKS):
        assert check.basis, check.id


@pytest.mark.parametrize(
    "basis",
    [
        Basis("“村级不得开支招待费”（曲江乡）", "http://bprcd.com/html/9..show2143684.html"),
        Basis("《会计基础工作规范》", "notes.md §6 Balanced vouchers"),
        Basis("《会计基础工作规范》（见 REFERENCE §2.4）", "https://kjs.mof.gov.cn"),
        Basis("《现金管理暂行条例》", "https://www.fanwen9.com/zhidu/334374.html"),
        Basis("《现金管理暂行条例》", "https://baike.baidu.com/item/现金管理暂行条例"),
        Basis("《现金管理暂行条例》", "https://notgov.cn.example.com/x"),
        Basis("《村集体经济组织会计制度》", "http://www.darehui.com/kuaiji/1115902.html"),
        Basis("国办发明电〔2022〕16号", "https://www.gov.cn/zhengce/content/2022-12/08/"
                                  "content_5730844.htm"),
        Basis("《国务院办公厅关于2020年部分节假日安排的通知》", "http://gansulong.com/c/0Q25M3X2022_2.html"),
        Basis("《国务院办公厅关于2023年部分节假日安排的通知》", "https://zh.m.wikisource.org/zh/x"),
        Basis("《国务院办公厅关于2024年部分节假日安排的通知》", "https://github.com/LKI/chinese-calendar"),
    ],
)
def test_a_basis_that_would_not_stand_is_refused(basis):
    assert basis_problems(basis)

