"""The pure rules: 发文字号 in the GB/T 9704 form (bracket variants normalised, the rule broken
named), and the allow-list HTML sanitiser."""

from __future__ import annotations

import pytest

from weizheng.content.rules import normalize_document_number
from weizheng.content.sanitize import plain_text, sanitize_html
from weizheng.core.errors import AppError


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("国办发〔2013〕100号", "国办发〔2013〕100号"),
        ("国办发[2013]100号", "国办发〔2013〕100号"),
        ("国办发［2013］100号", "国办发〔2013〕100号"),
        ("国办发（2013）100号", "国办发〔2013〕100号"),
        ("国办发【2013】100号", "国办发〔2013〕100号"),
        (" 平公发 〔2024〕 7号 ", "平公发〔2024〕7号"),
        ("", ""),
    ],
)
def test_document_numbers_are_normalised(typed, stored):
    assert normalize_document_number(typed) == stored


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("国办发2013年100号", "brackets"),
        ("国办发〔2013〕100", "end with 号"),
        ("国办发〔2013〕第100号", "no 第"),
        ("国办发〔2013〕001号", "leading zeros"),
        ("GBF〔2013〕1号", "issuer's code in Chinese"),
        ("国办发〔13〕1号", "four digits"),
        ("国办发〔1900〕1号", "not plausible"),
    ],
)
def test_malformed_document_numbers_name_the_rule(typed, reason):
    with pytest.raises(AppError) as refused:
        normalize_document_number(typed)
    assert refused.value.code == "bad_document_number"
    assert reason in refused.value.message and typed in refused.value.message


def test_sanitiser_keeps_the_allow_list_and_drops_the_rest():
    dirty = (
        '<h1>标题</h1><p style="color:red" onclick="x()">段落<strong>加粗</strong></p>'
        '<a href="javascript:alert(1)">坏链接</a><a href="https://www.gov.cn/">好链接</a>'
        "<script>alert(1)</script><style>p{}</style><img src=x onerror=alert(1)>"
        '<table><tr><td colspan="2">单元格</td></tr></table><p>未闭合'
    )
    clean = sanitize_html(dirty)
    assert clean == (
        '<h2>标题</h2><p>段落<strong>加粗</strong></p><a rel="noopener noreferrer">坏链接</a>'
        '<a href="https://www.gov.cn/" rel="noopener noreferrer">好链接</a>'
        '<table><tr><td colspan="2">单元格</td></tr></table><p>未闭合</p>'
    )


def test_plain_text_becomes_escaped_paragraphs():
    assert (
        sanitize_html("第一段 <b\n第二行\n\n第二段") == "<p>第一段 &lt;b<br>第二行</p><p>第二段</p>"
    )
    assert sanitize_html("a < b and c > d") == "<p>a &lt; b and c &gt; d</p>"


def test_plain_text_for_search():
    assert (
        plain_text("<h2>第一条</h2><p>内容&amp;说明</p><script>x</script>") == "第一条\n内容&说明"
    )
