"""Wire-code mappings of the one internal level enum (exhaustive and property-based)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haochaping.ratings.enums import (
    Channel,
    ChannelGroup,
    Level,
    Origin,
    channel_group,
    level_from_gbt,
    level_from_hcp,
    level_to_gbt,
    level_to_hcp,
    origin_of,
)


def test_hcp_and_gbt_codes_run_in_opposite_directions():
    assert [level_from_hcp(c) for c in range(1, 6)] == [
        Level.VERY_DISSATISFIED,
        Level.DISSATISFIED,
        Level.BASIC,
        Level.SATISFIED,
        Level.VERY_SATISFIED,
    ]
    assert [level_from_gbt(c) for c in range(1, 6)] == [
        Level.VERY_SATISFIED,
        Level.SATISFIED,
        Level.BASIC,
        Level.DISSATISFIED,
        Level.VERY_DISSATISFIED,
    ]


@given(st.integers(min_value=1, max_value=5))
def test_round_trips_and_mirror(code):
    assert level_to_hcp(level_from_hcp(code)) == code
    assert level_to_gbt(level_from_gbt(code)) == code
    assert level_to_gbt(level_from_hcp(code)) == 6 - code


@given(st.one_of(st.integers().filter(lambda c: not 1 <= c <= 5), st.booleans(), st.text()))
def test_out_of_range_codes_refused(code):
    with pytest.raises(ValueError):
        level_from_hcp(code)
    with pytest.raises(ValueError):
        level_from_gbt(code)


def test_bad_levels_are_the_bottom_two():
    assert Level.bad_levels() == {"dissatisfied", "very_dissatisfied"}


def test_channel_codes_and_groups():
    assert Channel.values == ["1", "2", "3", "4", "5", "6", "7"]
    assert [channel_group(c) for c in Channel.values] == [
        ChannelGroup.ONLINE,
        ChannelGroup.ONLINE,
        ChannelGroup.ONSITE,
        ChannelGroup.ONSITE,
        ChannelGroup.ONSITE,
        ChannelGroup.ONSITE,
        ChannelGroup.ONLINE,
    ]


@pytest.mark.parametrize(
    ("flags", "origin"),
    [
        ((False, False, False), Origin.CITIZEN),
        ((False, False, True), Origin.STAFF_ENTERED),
        ((False, True, True), Origin.PAPER),
        ((True, True, True), Origin.SYSTEM_DEFAULT),
    ],
)
def test_origin_priority(flags, origin):
    default, paper, staff = flags
    assert (
        origin_of(is_system_default=default, is_paper=paper, is_staff_entered=staff, has_case=True)
        == origin
    )
