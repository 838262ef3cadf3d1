"""Plate numbers (ordinary and new-energy) and field-mapping paths."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from weizheng.records import plates, registry
from weizheng.records.connectors.mapping import MappingError, check_mapping, parse_path, resolve
from weizheng.records.formatting import format_yuan


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("粤B12345", "粤B12345"),
        (" 粤b·12345 ", "粤B12345"),
        ("粤Ｂ－１２３４５", "粤B12345"),  # full-width
        ("粤B D12345", "粤BD12345"),  # new energy, small vehicle
        ("粤B·12345F", "粤B12345F"),  # new energy, large vehicle
        ("京A·DF1234", "京ADF1234"),
        ("沪C1234学", "沪C1234学"),
    ],
)
def test_valid_plates_are_normalised(raw, normal):
    assert plates.check_plate(raw) == normal


@pytest.mark.parametrize(
    "raw",
    ["", "粤B1234", "粤B1234567", "AB12345", "粤I12345", "粤BO1234", "粤BA1234D5", "粤B·D1234X"],
)
def test_invalid_plates_are_refused(raw):
    with pytest.raises(ValidationError):
        plates.check_plate(raw)


def test_plates_are_displayed_and_masked():
    assert plates.display("粤BD12345") == "粤B·D12345"
    assert plates.mask("粤BD12345") == "粤B·D***45"
    assert plates.mask("粤B12345") == "粤B·1**45"


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        ("data.list", ("data", "list")),
        ("$.data.list[0].name", ("data", "list", 0, "name")),
        ("result.0.amount", ("result", 0, "amount")),
        ("数据.列表", ("数据", "列表")),
    ],
)
def test_paths_parse(path, segments):
    assert parse_path(path) == segments


@pytest.mark.parametrize("path", ["", "a..b", ".a", "a.", "a[x]", "a" * 201])
def test_bad_paths_are_refused(path):
    with pytest.raises(MappingError):
        parse_path(path)


def test_resolve_walks_objects_and_lists():
    data = {"data": {"list": [{"n": 1}, {"n": 2}]}}
    assert resolve(data, parse_path("data.list[1].n")) == 2
    assert resolve(data, parse_path("data.list[5].n")) is not None  # the missing marker
    assert resolve(data, parse_path("data.list[5].n")) != 2


def test_a_mapping_for_a_type_without_summary_values_may_not_name_any():
    fields = {n: n for n in ("document", "status", "application_no", "business", "accepted_on")}
    with pytest.raises(MappingError, match="no summary values"):
        check_mapping(
            registry.get("exit-entry"), {"records": "a", "fields": fields, "summary": {"x": "y"}}
        )


def test_violations_compute_their_summary_so_a_mapping_may_not_give_one():
    mapping = {
        "records": "l",
        "fields": {
            n: n for n in ("behaviour", "is_handled", "occurred_at", "place", "fine", "points")
        },
        "summary": {"count": "n"},
    }
    with pytest.raises(MappingError, match="computes its summary"):
        check_mapping(registry.get("violations"), mapping)


@pytest.mark.parametrize(
    ("fen", "signed", "text"),
    [
        (0, False, "¥0.00"),
        (12345, False, "¥123.45"),
        (123456789, True, "+¥1,234,567.89"),
        (-450000, True, "-¥4,500.00"),
    ],
)
def test_amounts_in_fen_are_shown_in_yuan(fen, signed, text):
    assert format_yuan(fen, signed=signed) == text
