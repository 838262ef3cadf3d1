"""GB 11643-1999 resident ID numbers: shape, region, birth date and the MOD 11-2 check digit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from weizheng.identity.idcard import (
    InvalidIdNumber,
    check_digit,
    check_id_number,
    parse_id_number,
    validate_id_number,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    "number", ["11010519491231002X", "440304199003071512", "510107200002291232"]
)
def test_valid_numbers_pass(number):
    assert check_id_number(number) == number


def test_the_x_check_character_is_computed_as_ten():
    assert check_digit("11010519491231002") == "X"


def test_lower_case_x_and_spaces_are_normalised():
    assert check_id_number(" 110105 19491231 002x ") == "11010519491231002X"


def test_what_the_number_encodes():
    parsed = parse_id_number("440304199003071512")
    assert parsed.region_code == "440304"
    assert parsed.birth_date == dt.date(1990, 3, 7)
    assert parsed.is_male is True
    assert parse_id_number("310115198511182424").is_male is False


@pytest.mark.parametrize(
    ("number", "code", "words"),
    [
        ("110105194912310021", "check_digit", "typing mistake"),
        ("440304199003071513", "check_digit", "typing mistake"),
        ("11010519491231002", "length", "18 characters; this one has 17"),
        ("", "empty", "Enter your resident ID number"),
        ("1101051949123100AX", "format", "17 digits"),
        ("X10105194912310020", "format", "17 digits"),
        ("99010519491231002X", "region", "region code"),
        ("110000194912310020", "region", "region code"),
        ("110105194902300020", "birth_date", "not a valid birth date"),
        ("510107190102291230", "birth_date", "not a valid birth date"),
        ("110105189912310020", "birth_date", "not a possible birth date"),
    ],
)
def test_invalid_numbers_are_refused_with_the_reason(number, code, words):
    with pytest.raises(InvalidIdNumber) as refused:
        check_id_number(number)
    assert refused.value.code == code
    assert words in str(refused.value.reason)


def test_a_birth_date_in_the_future_is_refused():
    tomorrow_born = "1101052030010100"
    number = tomorrow_born + "1" + check_digit(tomorrow_born + "1")
    with pytest.raises(InvalidIdNumber) as refused:
        check_id_number(number, today=dt.date(2026, 1, 1))
    assert refused.value.code == "birth_date"
    # The same number is fine once that day has come.
    assert check_id_number(number, today=dt.date(2031, 1, 1)) == number


def test_the_django_validator_gives_the_same_reason():
    with pytest.raises(ValidationError) as refused:
        validate_id_number("110105194912310021")
    assert refused.value.code == "id_number_check_digit"
    validate_id_number("11010519491231002x")
