"""The canonical forms and hashes (pure)."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from haochaping.audit.hashing import (
    batch_digest,
    canonical,
    id_ranges,
    range_ids,
    sha256,
)


@given(st.sets(st.integers(min_value=1, max_value=10_000)))
def test_id_ranges_round_trip(ids):
    assert list(range_ids(id_ranges(ids))) == sorted(ids)


def test_id_ranges_are_compact():
    assert id_ranges([7, 1, 2, 3, 8, 10]) == [[1, 3], [7, 8], [10, 10]]


def test_canonical_is_independent_of_key_order_and_time_zone():
    # given: the same instant in two time zones, keys in two orders
    utc = dt.datetime(2026, 11, 29, 2, 0, tzinfo=dt.UTC)
    local = utc.astimezone(dt.timezone(dt.timedelta(hours=8)))
    # then
    assert canonical({"b": 1, "a": utc}) == canonical({"a": local, "b": 1})
    assert canonical({"a": utc}) == '{"a":"2026-11-29T02:00:00.000000+00:00"}'
    assert canonical({"t": "拉萨"}) == '{"t":"拉萨"}'


def test_batch_digest_is_over_id_order():
    pairs = [(2, "b" * 64), (1, "a" * 64)]
    assert batch_digest(pairs) == sha256(f"1:{'a' * 64}\n2:{'b' * 64}\n")
    assert batch_digest(reversed(pairs)) == batch_digest(pairs)
