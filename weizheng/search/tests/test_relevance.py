"""Relevance on the fixture corpus, with known answers (run on SQLite and on PostgreSQL)."""

from __future__ import annotations

import pytest

from weizheng.search.api import search

pytestmark = pytest.mark.django_db


def keys(results):
    return [hit.key for hit in results.hits]


def test_the_housing_fund_withdrawal_policy_is_first_for_its_words(corpus):
    results = search(account_id=corpus["police"].pk, query="公积金提取")
    assert keys(results)[0] == "content.policy:1"
    # The repealed interim measures match too, but below the measures in force.
    assert keys(results).index("content.policy:4") > 0
    # Only documents with both words: the deposit measures mention 提取 once, the loan notice not.
    assert "content.policy:3" not in keys(results)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("国办发〔2013〕100号", "content.policy:5"),
        ("回应社会关切", "content.policy:5"),
        ("政府信息公开申请", "content.policy:6"),
        ("居住证怎么办理", "content.policy:11"),
        ("户籍迁移", "content.policy:12"),
        ("身份证补领", "content.policy:13"),
        ("护照", "content.policy:14"),
        ("交通违法罚款", "content.policy:16"),
        ("违章记录查询", "content.policy:18"),
        ("驾驶证换证", "content.policy:17"),
        ("不动产权证书", "content.policy:19"),
        ("优化营商环境", "content.policy:20"),
        ("水费", "content.policy:21"),
        ("低保", "content.policy:22"),
        ("公租房", "content.policy:23"),
        ("社会保险费征缴", "content.policy:9"),
    ],
)
def test_known_answers(corpus, query, expected):
    assert keys(search(account_id=corpus["police"].pk, query=query))[0] == expected


def test_a_synonym_finds_the_official_name_and_back(corpus):
    police = corpus["police"].pk
    # 医保 is written 医疗保险 in the measures.
    assert keys(search(account_id=police, query="医保"))[0] == "content.policy:7"
    # 户口 finds the documents that say 户籍.
    assert "content.policy:12" in keys(search(account_id=police, query="户口迁移"))
    # 住房公积金 and 公积金 find the same documents.
    short = search(account_id=police, query="公积金")
    full = search(account_id=police, query="住房公积金")
    assert set(keys(short)) == set(keys(full)) and short.total == full.total
    assert "住房公积金" in short.terms and "公积金" in full.terms


def test_a_question_in_a_sentence_finds_the_same_answer(corpus):
    results = search(account_id=corpus["police"].pk, query="请问一下公积金怎么提取？")
    assert keys(results)[0] == "content.policy:1"
    assert results.terms[:2] == ["公积金", "提取"]


def test_when_no_document_has_every_word_some_are_enough(corpus):
    results = search(account_id=corpus["police"].pk, query="身份证丢失了去哪里补办")
    assert results.is_partial
    assert keys(results)[0] == "content.policy:13"


def test_nothing_found(corpus):
    results = search(account_id=corpus["police"].pk, query="量子计算")
    assert results.hits == [] and results.total == 0


def test_english_queries_find_english_documents(corpus):
    police = corpus["police"].pk
    results = search(account_id=police, query="Housing Provident Fund withdrawal")
    assert keys(results)[0] == "content.policy:en:1"
    assert keys(search(account_id=police, query="RESIDENCE permit"))[0] == "content.policy:en:11"
    only_english = search(account_id=police, query="12123", language="en")
    assert keys(only_english) == ["content.policy:en:16"]
    both = search(account_id=police, query="12123")
    assert set(keys(both)) == {"content.policy:en:16", "content.policy:16", "content.policy:18"}


def test_each_account_searches_its_own_documents(corpus):
    water = search(account_id=corpus["water"].pk, query="公积金提取")
    assert keys(water) == ["content.policy:water:1"]
    police = search(account_id=corpus["police"].pk, query="公积金提取")
    assert "content.policy:water:1" not in keys(police)


def test_filters_narrow_and_counts_follow(corpus):
    police = corpus["police"].pk
    everything = search(account_id=police, query="公积金")
    assert everything.facet_counts["validity"] == {"in_force": 4, "repealed": 1}
    assert everything.facet_counts["kind"]["news"] == 1
    in_force = search(account_id=police, query="公积金", facets={"validity": "in_force"})
    assert in_force.total == 4 and "content.policy:4" not in keys(in_force)
    # A chosen facet's other values are still counted, so the page can offer them.
    assert in_force.facet_counts["validity"] == {"in_force": 4, "repealed": 1}
    assert sum(in_force.facet_counts["year"].values()) == 4
    by_year = search(account_id=police, query="公积金", facets={"year": "2015"})
    assert keys(by_year) == ["content.policy:4"]
    by_issuer = search(
        account_id=police,
        query="公积金",
        facets={"issuer": "平安市住房公积金管理委员会", "topic": "住房保障"},
    )
    assert keys(by_issuer) == ["content.policy:3"]
    none = search(account_id=police, query="公积金", facets={"year": "not a year"})
    assert none.total == 0 and none.hits == []


def test_paging(corpus):
    police = corpus["police"].pk
    whole = keys(search(account_id=police, query="居民身份证", limit=50))
    first = search(account_id=police, query="居民身份证", limit=3)
    second = search(account_id=police, query="居民身份证", limit=3, offset=3)
    assert first.total == second.total == len(whole) > 6
    assert keys(first) + keys(second) == whole[:6]
    beyond = search(account_id=police, query="居民身份证", offset=100)
    assert beyond.hits == [] and beyond.total == len(whole)


@pytest.mark.parametrize("candidates", [2, 400])
def test_past_the_cap_counts_are_flagged_and_the_first_hit_stays(corpus, monkeypatch, candidates):
    police = corpus["police"].pk
    exact = search(account_id=police, query="公积金提取")
    assert not exact.facets_capped
    from weizheng.search import backends, selectors

    monkeypatch.setattr(backends, "FACET_CAP", 1)
    monkeypatch.setattr(selectors, "FACET_CAP", 1)
    monkeypatch.setattr(backends, "CANDIDATES", candidates)
    capped = search(account_id=police, query="公积金提取")
    assert capped.facets_capped
    assert 1 <= capped.total <= exact.total
    assert keys(capped)[0] == keys(exact)[0] == "content.policy:1"
    # A filter that the first matches do not show still finds its entries.
    repealed = search(account_id=police, query="公积金提取", facets={"validity": "repealed"})
    assert "content.policy:4" in keys(repealed)


@pytest.mark.parametrize("query", ["交通违法", "违章", "交通违法处理"])
def test_a_traffic_rule_is_found_by_what_citizens_call_it(plain_account, query):
    """The demo's 平安市道路交通安全违法行为处理规定 never says 交通违法 or 违章 in one piece."""
    from weizheng.search.api import Document, index_documents

    index_documents(
        [
            Document(
                key="content.policy:900",
                account_id=plain_account.pk,
                language="zh-hans",
                title="平安市道路交通安全违法行为处理规定",
                body="第一条 为规范道路交通安全违法行为的处理，制定本规定。",
                facets={"kind": "policy"},
            ),
            Document(
                key="content.policy:901",
                account_id=plain_account.pk,
                language="zh-hans",
                title="平安市居住证办理规定",
                body="第一条 为规范居住证办理，制定本规定。",
                facets={"kind": "policy"},
            ),
        ]
    )
    assert keys(search(account_id=plain_account.pk, query=query))[:1] == ["content.policy:900"]
