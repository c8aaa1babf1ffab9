"""Praise and complaint keywords (zh-hans and bo) for the level/text contradiction check.

Negative phrases are matched first and cut out of the text, so "不满意" never counts as
"满意" and "ཡག་པོ་མེད" ("not good") never as "ཡག་པོ" ("good").
"""

from __future__ import annotations

NEGATIVE = [
    # zh-hans
    "不满意",
    "很不满意",
    "非常不满意",
    "不好",
    "很差",
    "太差",
    "差劲",
    "态度差",
    "态度恶劣",
    "态度生硬",
    "推诿",
    "刁难",
    "拖延",
    "拖拉",
    "敷衍",
    "投诉",
    "乱收费",
    "吃拿卡要",
    "效率低",
    "不耐烦",
    "不作为",
    "跑了好几趟",
    "多次跑",
    "排队太久",
    "没人管",
    "失望",
    "糟糕",
    # bo
    "ཡག་པོ་མི་འདུག",
    "ཡག་པོ་མེད",
    "བློ་ཁ་མ་ཚིམ",
    "སྡུག་པོ",
    "ངན་པ",
    "ཞན་པ",
    "ཁ་ཚིག་རྩུབ",
    "དུས་ཚོད་འགོར",
]

POSITIVE = [
    # zh-hans
    "非常满意",
    "很满意",
    "满意",
    "很好",
    "非常好",
    "热情",
    "耐心",
    "高效",
    "效率高",
    "点赞",
    "感谢",
    "谢谢",
    "方便",
    "快捷",
    "周到",
    "贴心",
    "专业",
    "一次办好",
    "称赞",
    "表扬",
    # bo
    "ཡག་པོ",
    "བློ་ཁ་ཚིམ",
    "ཐུགས་རྗེ་ཆེ",
    "བཀའ་དྲིན་ཆེ",
    "སྟབས་བདེ",
    "མགྱོགས་པོ",
]

_NEGATIVE = sorted(NEGATIVE, key=len, reverse=True)
_POSITIVE = sorted(POSITIVE, key=len, reverse=True)


def polarity(text: str) -> tuple[list[str], list[str]]:
    """(negative phrases found, positive phrases found) in ``text``."""
    rest = text or ""
    negative: list[str] = []
    for word in _NEGATIVE:
        if word in rest:
            negative.append(word)
            rest = rest.replace(word, " ")
    positive: list[str] = []
    for word in _POSITIVE:
        if word in rest:
            positive.append(word)
            rest = rest.replace(word, " ")
    return negative, positive
