"""Lhasa's organisation: the city, its 8 districts/counties, parks, ~23 city departments with
county counterparts, halls with windows and staff (DOMAIN.md §2, §10)."""

from __future__ import annotations

import hashlib

from haochaping.core.identifiers import credit_code_check_char, org_code_check_char
from haochaping.demo.context import DemoContext
from haochaping.org.enums import RegionLevel, UnitKind
from haochaping.org.services import (
    hall_create,
    region_create,
    staff_create,
    unit_create,
    window_create,
)

TIBET = ("540000", "西藏自治区", "བོད་རང་སྐྱོང་ལྗོངས།")
LHASA = ("540100", "拉萨市", "ལྷ་ས་གྲོང་ཁྱེར།")
COUNTIES = [
    ("540102", "城关区", "ཁྲིན་ཀོན་ཆུས།"),
    ("540103", "堆龙德庆区", "སྟོད་ལུང་བདེ་ཆེན་ཆུས།"),
    ("540104", "达孜区", "སྟག་རྩེ་ཆུས།"),
    ("540121", "林周县", "ལྷུན་གྲུབ་རྫོང་།"),
    ("540122", "当雄县", "འདམ་གཞུང་རྫོང་།"),
    ("540123", "尼木县", "སྙེ་མོ་རྫོང་།"),
    ("540124", "曲水县", "ཆུ་ཤུར་རྫོང་།"),
    ("540127", "墨竹工卡县", "མལ་གྲོ་གུང་དཀར་རྫོང་།"),
]
PARKS = [
    ("540171", "格尔木藏青工业园区", "格尔木藏青工业园区管理委员会"),
    ("540172", "拉萨经济技术开发区", "拉萨经济技术开发区管理委员会"),
    ("540173", "西藏文化旅游创意园区", "西藏文化旅游创意园区管理委员会"),
    ("540174", "达孜工业园区", "达孜工业园区管理委员会"),
]
# Areas with no statistical code of their own: their committees sit in the city region.
UNCODED_PARKS = ["拉萨柳梧新区管理委员会", "拉萨综合保税区管理委员会"]

# (key, city name, county name or None, kind). The first is the service administration.
DEPARTMENTS = [
    ("shenpi", "拉萨市行政审批和便民服务局", "{c}行政审批和便民服务局", UnitKind.DEPARTMENT),
    ("gongan", "拉萨市公安局", "{c}公安局", UnitKind.DEPARTMENT),
    ("shichang", "拉萨市市场监督管理局", "{c}市场监督管理局", UnitKind.DEPARTMENT),
    ("renshe", "拉萨市人力资源和社会保障局", "{c}人力资源和社会保障局", UnitKind.DEPARTMENT),
    ("minzheng", "拉萨市民政局", "{c}民政局", UnitKind.DEPARTMENT),
    ("ziran", "拉萨市自然资源局", "{c}自然资源局", UnitKind.DEPARTMENT),
    ("nongye", "拉萨市农业农村局", "{c}农业农村局", UnitKind.DEPARTMENT),
    ("zhujian", "拉萨市住房和城乡建设局", None, UnitKind.DEPARTMENT),
    ("jiaotong", "拉萨市交通运输局", None, UnitKind.DEPARTMENT),
    ("weijian", "拉萨市卫生健康委员会", None, UnitKind.DEPARTMENT),
    ("jiaoyu", "拉萨市教育局", None, UnitKind.DEPARTMENT),
    ("sifa", "拉萨市司法局", None, UnitKind.DEPARTMENT),
    ("shengtai", "拉萨市生态环境局", None, UnitKind.DEPARTMENT),
    ("shuili", "拉萨市水利局", None, UnitKind.DEPARTMENT),
    ("shangwu", "拉萨市商务局", None, UnitKind.DEPARTMENT),
    ("wenhua", "拉萨市文化局", None, UnitKind.DEPARTMENT),
    ("yingji", "拉萨市应急管理局", None, UnitKind.DEPARTMENT),
    ("yibao", "拉萨市医疗保障局", None, UnitKind.DEPARTMENT),
    ("tuiyi", "拉萨市退役军人事务局", None, UnitKind.DEPARTMENT),
    ("linye", "拉萨市林业和草原局", None, UnitKind.DEPARTMENT),
    ("chengguan", "拉萨市城市管理和综合执法局", None, UnitKind.DEPARTMENT),
    ("fagai", "拉萨市发展和改革委员会", None, UnitKind.DEPARTMENT),
    ("caizheng", "拉萨市财政局", None, UnitKind.DEPARTMENT),
    ("gongjijin", "拉萨市住房公积金管理中心", None, UnitKind.AGENCY),
    ("dianli", "国网西藏电力有限公司拉萨供电公司", None, UnitKind.ENTERPRISE),
    ("gongshui", "拉萨市自来水有限责任公司", None, UnitKind.ENTERPRISE),
]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵"]
GIVEN = ["丽", "伟", "静", "强", "敏", "磊", "芳", "军"]
TIBETAN_NAMES = [
    "扎西",
    "卓玛",
    "次仁",
    "央金",
    "格桑",
    "旦增",
    "拉巴",
    "普布",
    "德吉",
    "尼玛",
    "索朗",
    "平措",
    "顿珠",
    "曲珍",
    "罗布",
    "白玛",
    "多吉",
    "边巴",
    "巴桑",
    "仁增",
]


def credit_code_for(region_code: str, name: str, *, enterprise: bool = False) -> str:
    """A deterministic, valid unified social credit code for a demo unit."""
    digest = int(hashlib.sha256(name.encode()).hexdigest(), 16)
    org8 = f"{digest % 10**8:08d}"
    first17 = f"{'91' if enterprise else '11'}{region_code}{org8}{org_code_check_char(org8)}"
    return first17 + credit_code_check_char(first17)


def person_name(ctx: DemoContext) -> str:
    if ctx.rng.random() < 0.7:
        return ctx.rng.choice(TIBETAN_NAMES) + ctx.rng.choice(TIBETAN_NAMES)
    return ctx.rng.choice(SURNAMES) + ctx.rng.choice(GIVEN) + ctx.rng.choice(["", *GIVEN])


def _unit(ctx: DemoContext, key: str, name: str, kind: str, region, parent=None, **extra):
    unit = unit_create(
        name=name,
        kind=kind,
        region=region,
        parent=parent,
        credit_code=credit_code_for(region.code, name, enterprise=kind == UnitKind.ENTERPRISE),
        **extra,
    )
    ctx.units[key] = unit
    return unit


def _hall_with_windows(
    ctx: DemoContext, region, name: str, name_bo: str, operator, units: list
) -> None:
    hall = hall_create(name=name, name_bo=name_bo, region=region, operator=operator)
    ctx.halls[region.code] = hall
    letter = "A"
    for index, unit in enumerate(units, start=1):
        count = 2 if index <= 3 else 1  # the busiest units get two windows
        for n in range(count):
            window = window_create(
                hall=hall,
                number=f"{letter}{index:02d}{'-' + str(n + 1) if count > 1 else ''}",
                name=f"{unit.short_name or unit.name}窗口",
                unit=unit,
                bilingual=index % 2 == 1,
            )
            ctx.windows.append(window)
            staff = staff_create(
                unit=unit,
                window=window,
                name=person_name(ctx),
                staff_no=f"{region.code[-3:]}{index:02d}{n + 1}",
                mobile=f"139{ctx.rng.randrange(10**8):08d}",
            )
            ctx.staff.append(staff)


def seed_org(ctx: DemoContext) -> None:
    tibet = region_create(
        code=TIBET[0], name=TIBET[1], name_bo=TIBET[2], level=RegionLevel.PROVINCE
    )
    lhasa = region_create(
        code=LHASA[0], name=LHASA[1], name_bo=LHASA[2], level=RegionLevel.CITY, parent=tibet
    )
    ctx.regions.update({tibet.code: tibet, lhasa.code: lhasa})
    for code, name, name_bo in COUNTIES:
        ctx.regions[code] = region_create(
            code=code, name=name, name_bo=name_bo, level=RegionLevel.COUNTY, parent=lhasa
        )
    for code, name, _committee in PARKS:
        ctx.regions[code] = region_create(
            code=code, name=name, level=RegionLevel.PARK, parent=lhasa
        )

    city_gov = _unit(ctx, "city:gov", "拉萨市人民政府", UnitKind.GOVERNMENT, lhasa)
    city_units = []
    for key, city_name, _county, kind in DEPARTMENTS:
        short = city_name.removeprefix("拉萨市").removeprefix("国网西藏电力有限公司")
        unit = _unit(
            ctx,
            f"city:{key}",
            city_name,
            kind,
            lhasa,
            city_gov if kind != UnitKind.ENTERPRISE else None,
            short_name=short,
            is_service_administration=key == "shenpi",
        )
        city_units.append(unit)
    for code, _name, committee in PARKS:
        _unit(ctx, f"{code}:gov", committee, UnitKind.PARK_COMMITTEE, ctx.regions[code])
    for committee in UNCODED_PARKS:
        _unit(ctx, f"540100:{committee}", committee, UnitKind.PARK_COMMITTEE, lhasa)

    for code, county, county_bo in COUNTIES:
        region = ctx.regions[code]
        gov = _unit(ctx, f"{code}:gov", f"{county}人民政府", UnitKind.GOVERNMENT, region)
        county_units = []
        for key, _city_name, county_name, kind in DEPARTMENTS:
            if county_name is None:
                continue
            name = county_name.format(c=county)
            if key == "gongan" and county.endswith("区"):
                name = f"拉萨市公安局{county}分局"
            county_units.append(
                _unit(
                    ctx,
                    f"{code}:{key}",
                    name,
                    kind,
                    region,
                    gov,
                    short_name=name.removeprefix(county),
                    is_service_administration=key == "shenpi",
                )
            )
        _hall_with_windows(
            ctx,
            region,
            f"{county}政务服务中心",
            f"{county_bo}གཞུང་ཞབས་ཞབས་ཞུ་ལྟེ་གནས།",
            county_units[0],
            county_units,
        )

    # The city hall houses the windows of the departments citizens visit most.
    _hall_with_windows(
        ctx,
        lhasa,
        "拉萨市政务服务中心",
        "ལྷ་ས་གྲོང་ཁྱེར་གཞུང་ཞབས་ཞབས་ཞུ་ལྟེ་གནས།",
        city_units[0],
        city_units[:18],
    )
    park = ctx.regions["540172"]
    _hall_with_windows(
        ctx,
        park,
        "拉萨经济技术开发区政务服务中心",
        "",
        ctx.units["540172:gov"],
        [ctx.units["540172:gov"]],
    )
    ctx.log(
        f"org: {len(ctx.regions)} regions, {len(ctx.units)} units, {len(ctx.halls)} halls, "
        f"{len(ctx.windows)} windows, {len(ctx.staff)} staff"
    )
