import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from haochaping.core.identifiers import (
    CREDIT_CODE_CHARSET,
    is_valid_credit_code,
    is_valid_id_number,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
    validate_region_code,
)
from haochaping.testing.builders import make_credit_code, make_id_number


def test_published_examples_are_valid():
    # given: the examples printed in GB 32100-2015 and GB 11643-1999
    # then
    assert is_valid_credit_code("91350100M000100Y43")
    assert is_valid_id_number("11010519491231002X")
    assert is_valid_id_number("440524188001010014")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("91350100M000100Y4", "A unified social credit code has exactly 18 characters."),
        (
            "91350100M000100Y4I",
            "A unified social credit code uses only digits and capital letters except I, O, S, V, Z.",
        ),
        ("91350100M000100Y44", "The check character of this unified social credit code is wrong."),
    ],
)
def test_credit_code_errors_say_what_is_wrong(value, message):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(value)
    assert exc.value.messages == [message]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1101051949123100", "A citizen ID number has 17 digits followed by a digit or X."),
        ("11010519491331002X", "The birth date inside this citizen ID number is not a real date."),
        ("110105194912310021", "The check digit of this citizen ID number is wrong."),
    ],
)
def test_id_number_errors_say_what_is_wrong(value, message):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(value)
    assert exc.value.messages == [message]


@pytest.mark.parametrize("code", ["540100", "540102001", "540102001001"])
def test_region_codes_of_6_9_12_digits_pass(code):
    validate_region_code(code)


@pytest.mark.parametrize("code", ["5401", "54010", "5401000", "54010A", "000100", ""])
def test_malformed_region_codes_fail(code):
    with pytest.raises(ValidationError):
        validate_region_code(code)


def test_mobile():
    validate_mobile("13912345678")
    for bad in ["12912345678", "1391234567", "139123456789", "+8613912345678"]:
        with pytest.raises(ValidationError):
            validate_mobile(bad)


@given(
    serial=st.integers(min_value=0, max_value=99_999_999),
    region=st.sampled_from(["540100", "540102", "540122"]),
)
def test_generated_credit_codes_are_valid_and_any_single_change_is_caught(serial, region):
    code = make_credit_code(region, serial)
    assert is_valid_credit_code(code)
    for i in range(18):
        for replacement in ("0", "A", "Y"):
            if replacement != code[i] and replacement in CREDIT_CODE_CHARSET:
                tampered = code[:i] + replacement + code[i + 1 :]
                assert not is_valid_credit_code(tampered)


@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 1, 1)),
    serial=st.integers(min_value=0, max_value=999),
)
def test_generated_id_numbers_are_valid_and_a_changed_digit_is_caught(birth, serial):
    number = make_id_number("540102", birth, serial)
    assert is_valid_id_number(number)
    digit = number[16]
    changed = number[:16] + str((int(digit) + 1) % 10) + number[17]
    assert not is_valid_id_number(changed)
