"""The two content versions shipped as data."""

import pytest

from haochaping.ratings.models import ContentVersion, Indicator, ReasonOption
from haochaping.ratings.selectors import content_option_levels, content_version_current

pytestmark = pytest.mark.django_db


def test_current_and_retired_versions_are_loaded():
    # when
    current = content_version_current()
    # then
    assert current.code == "2"
    assert list(ContentVersion.objects.values_list("code", "is_current")) == [
        ("1", False),
        ("2", True),
    ]


def test_current_options_match_the_national_list():
    levels = content_option_levels(content_version_current())
    by_level = {}
    for code, level in levels.items():
        by_level.setdefault(level, []).append(code)
    assert sorted(by_level["very_satisfied"]) == [str(c) for c in range(510, 518)]
    assert sorted(by_level["satisfied"]) == [str(c) for c in range(406, 414)]
    assert sorted(by_level["basic"]) == [str(c) for c in range(307, 315)]
    assert sorted(by_level["dissatisfied"]) == [str(c) for c in range(207, 215)]
    assert sorted(by_level["very_dissatisfied"]) == [str(c) for c in range(108, 116)]
    assert ReasonOption.objects.get(version__code="2", code="115").label == "服务态度差效率低"


def test_retired_version_code_ranges():
    retired = ContentVersion.objects.get(code="1")
    codes = sorted(ReasonOption.objects.filter(version=retired).values_list("code", flat=True))
    expected = (
        [f"10{i}" for i in range(1, 8)]
        + [f"20{i}" for i in range(1, 7)]
        + [f"30{i}" for i in range(1, 7)]
        + [f"40{i}" for i in range(1, 6)]
        + [f"50{i}" for i in range(1, 10)]
    )
    assert codes == sorted(expected)


def test_indicators_per_channel_group():
    current = content_version_current()
    online = list(
        Indicator.objects.filter(version=current, channel_group="online").values_list(
            "name", flat=True
        )
    )
    onsite = list(
        Indicator.objects.filter(version=current, channel_group="onsite").values_list(
            "name", flat=True
        )
    )
    assert online == ["整体满意度", "办事效率", "办事指南精确度", "办事便捷度", "平台操作性"]
    assert onsite == ["整体满意度", "服务效率", "服务水平", "服务态度"]
