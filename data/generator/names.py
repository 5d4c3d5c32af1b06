"""Chinese names for the people, places and firms of a generated county.

Person names never end in a character that marks an organisation (公司, 店, 所, 站, 社 …), so
the cash-payment rule's "is this an organisation" test reads them as individuals. A few given
names use characters that exist in GB18030 but not in GBK, as real registers do (䶮 was
famously chosen for a child's name); the legacy GB18030 exports must carry them intact.
"""

from __future__ import annotations

import random

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARACTERS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰华玉萍红建国文辉海林春梅荣生福贵德金宝永庆"
    "胜利志成俊峰云清宏新兵东亮飞鹏斌凤珍莲琴雪燕慧婷玲芬淑荷菊祥根发水泉山松柏树长旺喜财顺昌兴"
    "富忠义仁礼智信和安康乐亚晓大"
)
# In GB18030 but not in GBK: U+4DAE, U+2C317, U+36C3.
GB18030_ONLY_CHARACTERS = "䶮𬌗㛃"

TOWN_NAMES = (
    "青石", "白沙", "桃源", "柳溪", "龙泉", "梅岭", "石桥", "双河", "清水", "金竹", "枫林", "东山",
    "西河", "南坪", "北岭", "黄泥", "红岩", "大坪", "新塘", "古城", "长岗", "杨柳", "凤凰", "马鞍",
)
TOWN_FIRST = "青白桃柳龙梅石双清金枫东西南北黄红大新古长杨凤马三高官花塔安"
TOWN_SECOND = "石沙源溪泉岭桥河水竹林山坪塘城岗庄园湾口"
# Village names avoid 镇/乡/街 so "青石镇下坝村" splits into town and village unambiguously.
VILLAGE_FIRST = "下上中李王张陈石桥河山林竹梅桃杏柳松枫茶稻麦田塘溪湾坝岭坡岗冲坳口坪沟庄寨堡营屯"
VILLAGE_SECOND = "坝家湾坪岭冲口沟塘岗桥庄园寨洞河溪山林田坡垭"

FIRM_WORDS = "鑫盛恒达宏远金利兴旺顺发永安华泰广源隆昌富民瑞丰嘉禾通"


def person_name(rng: random.Random) -> str:
    """A common-looking name: surname and one or two given characters."""
    given_length = 1 if rng.random() < 0.3 else 2
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN_CHARACTERS, k=given_length))


def rare_person_name(rng: random.Random) -> str:
    """A name whose given part holds a character outside GBK."""
    return rng.choice(SURNAMES) + rng.choice(GIVEN_CHARACTERS) + rng.choice(GB18030_ONLY_CHARACTERS)


def distinct_names(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """``count`` person names not in ``taken`` (which is updated)."""
    names: list[str] = []
    while len(names) < count:
        name = person_name(rng)
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def town_names(rng: random.Random, count: int) -> list[str]:
    """Town names with their kind: mostly 镇, some 乡, a few 街道."""
    stems = list(TOWN_NAMES)
    extra = [a + b for a in TOWN_FIRST for b in TOWN_SECOND if a != b and a + b not in stems]
    rng.shuffle(extra)
    stems.extend(extra)
    if count > len(stems):
        raise ValueError(f"最多支持 {len(stems)} 个乡镇，请求了 {count} 个")
    kinds = ["镇", "乡", "镇", "镇", "街道", "镇", "乡"]
    return [stem + kinds[index % len(kinds)] for index, stem in enumerate(stems[:count])]


def village_names(rng: random.Random, count: int) -> list[str]:
    """Distinct village names ending in 村."""
    stems = [a + b for a in VILLAGE_FIRST for b in VILLAGE_SECOND if a != b]
    if count > len(stems):
        raise ValueError(f"最多支持 {len(stems)} 个村，请求了 {count} 个")
    return [stem + "村" for stem in rng.sample(stems, count)]


def place_name(rng: random.Random) -> str:
    """A two-character place name, as firms from elsewhere in the region carry."""
    return rng.choice(TOWN_FIRST) + rng.choice(TOWN_SECOND)


def firm_name(rng: random.Random, place: str, trade: str) -> str:
    """A firm named like local businesses: place, two lucky characters, trade."""
    return place + "".join(rng.sample(FIRM_WORDS, 2)) + trade
