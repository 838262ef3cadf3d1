"""The H5 search page: results with highlights and links, filters, paging, refusals, large font."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from weizheng.search.api import Document, index_documents
from weizheng.search.views import PAGE_SIZE

pytestmark = pytest.mark.django_db


def get(path, **params):
    response = Client().get(path, params)
    assert response.status_code == 200
    return response.content.decode()


def result_keys(html):
    return re.findall(r'data-key="([^"]+)"', html)


def said(account, message):
    with translation.override(account.default_language):
        return gettext(message)


def test_results_link_to_their_pages_with_the_words_marked(corpus):
    html = get("/h5/police/search/", q="公积金提取")
    keys = result_keys(html)
    assert keys[0] == "content.policy:1" and len(keys) == 5
    assert 'href="/h5/police/policies/1/"' in html
    assert "平安市<mark>住房公积金</mark><mark>提取</mark>管理办法" in html
    assert "平安市住房公积金管理中心" in html and "2021-03-15" in html
    assert 'value="公积金提取"' in html


def test_the_page_is_public_and_unknown_accounts_are_404(corpus):
    assert Client().get("/h5/police/search/").status_code == 200  # no sign-in asked
    assert Client().get("/h5/nobody/search/", {"q": "公积金"}).status_code == 404


def test_filters_offer_counts_and_narrow(corpus):
    html = get("/h5/police/search/", q="公积金")
    assert re.search(r'<select name="validity"[^>]*>.*?\(4\)', html, re.S)
    narrowed = get("/h5/police/search/", q="公积金", validity="repealed")
    assert result_keys(narrowed) == ["content.policy:4"]
    assert '<option value="repealed" selected>' in narrowed
    assert 'data-testid="clear-filters"' in narrowed
    assert result_keys(get("/h5/police/search/", q="公积金", year="2022")) == ["content.policy:3"]
    nothing = get("/h5/police/search/", q="公积金", year="1999")
    assert result_keys(nothing) == [] and 'data-testid="no-results"' in nothing


def test_pages(plain_account):
    index_documents(
        [
            Document(
                key=f"content.policy:{n}",
                account_id=plain_account.pk,
                language="zh-hans",
                title=f"居住证办理规定（第{n}号）",
                body="申领居住证。",
                facets={"kind": "policy"},
                url=f"/h5/police/policies/{n}/",
            )
            for n in range(PAGE_SIZE + 3)
        ]
    )
    first = get("/h5/police/search/", q="居住证")
    assert len(result_keys(first)) == PAGE_SIZE and 'data-testid="next-page"' in first
    assert 'data-testid="previous-page"' not in first
    second = get("/h5/police/search/", q="居住证", page="2")
    assert len(result_keys(second)) == 3 and 'data-testid="previous-page"' in second
    assert not set(result_keys(first)) & set(result_keys(second))
    assert result_keys(get("/h5/police/search/", q="居住证", page="x")) == result_keys(first)


def test_an_empty_or_over_long_query_gets_a_sentence_not_an_error(corpus):
    police = corpus["police"]
    empty = get("/h5/police/search/", q="  ")
    assert 'data-testid="search-error"' in empty
    assert said(police, "Please type what you are looking for, for example 公积金提取.") in empty
    long = get("/h5/police/search/", q="公积金" * 20)
    assert 'data-testid="search-error"' in long and "50" in long
    assert result_keys(long) == []


def test_nothing_found_suggests_examples(corpus):
    html = get("/h5/police/search/", q="量子计算")
    assert 'data-testid="no-results"' in html and 'data-testid="examples"' in html


def test_user_text_is_escaped(corpus):
    html = get("/h5/police/search/", q='<script>alert("x")</script>')
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_large_font_is_remembered(corpus):
    client = Client()
    html = client.get("/h5/police/search/", {"q": "护照", "large": "1"}).content.decode()
    assert 'class="wz-search wz-large"' in html
    assert client.cookies["wz_large"].value == "1"
    again = client.get("/h5/police/search/", {"q": "护照"}).content.decode()
    assert "wz-large" in again and 'data-testid="large-font-off"' in again
    assert "q=%E6%8A%A4%E7%85%A7" in again  # the toggle keeps the search
    client.get("/h5/police/search/", {"large": "0"})
    assert "wz-large" not in client.get("/h5/police/search/").content.decode()


def test_english_only(corpus):
    html = get("/h5/police/search/", q="12123", lang="en")
    assert result_keys(html) == ["content.policy:en:16"]
    assert '<html lang="en">' in html


def test_past_the_count_cap_the_page_says_there_are_more(corpus, monkeypatch):
    from weizheng.search import backends, selectors

    assert 'data-testid="capped"' not in get("/h5/police/search/", q="公积金提取")
    monkeypatch.setattr(backends, "FACET_CAP", 1)
    monkeypatch.setattr(selectors, "FACET_CAP", 1)
    assert 'data-testid="capped"' in get("/h5/police/search/", q="公积金提取")


def test_the_examples_are_the_accounts_own_topics(corpus):
    from weizheng.search.selectors import example_queries

    html = get("/h5/police/search/")
    block = html.split('data-testid="examples"')[1].split("</div>")[0]
    chips = re.findall(r'class="wz-chip"[^>]*>([^<]+)<', block)
    assert chips == example_queries(account_id=corpus["police"].pk)
    assert (
        chips and "不动产登记" not in chips
    )  # a fixed list would offer what police never published
