"""Masking of personal data on screen (weizheng.core.masking and its template filters)."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from weizheng.core.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("value", "masked"),
    [("11010519491231002X", "110105********002X"), ("", ""), ("123", "***"), (None, "")],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"), [("13800138000", "138****8000"), ("12345", "*2345"), ("", "")]
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [("张三", "张*"), ("欧阳娜娜", "欧***"), ("王", "*"), ("Li Na", "L* **"), ("", "")],
)
def test_mask_name(value, masked):
    assert mask_name(value) == masked


def test_template_filters():
    rendered = Template(
        "{% load masking %}{{ n|mask_name }} {{ i|mask_id_number }} {{ p|mask_phone }}"
    ).render(Context({"n": "张三", "i": "11010519491231002X", "p": "13800138000"}))
    assert rendered == "张* 110105********002X 138****8000"
