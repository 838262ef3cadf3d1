"""The index follows the caller's writes; queries are checked; snippets are escaped and marked."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from weizheng.core.errors import AppError
from weizheng.search import schema
from weizheng.search.api import (
    MAX_QUERY_LENGTH,
    Document,
    check_query,
    index_documents,
    remove_documents,
    search,
)
from weizheng.search.highlight import mark, snippet
from weizheng.search.models import SearchEntry, Synonym

pytestmark = pytest.mark.django_db


def doc(account, key="content.policy:1", **changes):
    fields = {
        "key": key,
        "account_id": account.pk,
        "language": "zh-hans",
        "title": "平安市住房公积金提取管理办法",
        "body": "职工购买自住住房的，可以申请提取住房公积金。",
        "facets": {"kind": "policy", "issuer": "平安市住房公积金管理中心", "year": 2021},
        "url": "/h5/police/policies/1/",
    }
    fields.update(changes)
    return Document(**fields)


def keys(results):
    return [hit.key for hit in results.hits]


def test_indexing_again_replaces_by_key(plain_account):
    assert index_documents([doc(plain_account)]) == 1
    assert (
        index_documents([doc(plain_account, title="平安市居住证办理规定", body="申领居住证")]) == 1
    )
    assert SearchEntry.objects.count() == 1
    assert search(account_id=plain_account.pk, query="公积金").total == 0
    assert keys(search(account_id=plain_account.pk, query="居住证")) == ["content.policy:1"]


def test_removed_documents_are_no_longer_found(plain_account):
    index_documents([doc(plain_account), doc(plain_account, key="content.policy:2")])
    assert remove_documents(["content.policy:1", "content.policy:9"]) == 1
    assert keys(search(account_id=plain_account.pk, query="公积金")) == ["content.policy:2"]
    assert remove_documents([]) == 0


def test_the_index_rolls_back_with_the_callers_transaction(plain_account):
    with pytest.raises(RuntimeError), transaction.atomic():
        index_documents([doc(plain_account)])
        raise RuntimeError("the caller's write failed")
    assert search(account_id=plain_account.pk, query="公积金").total == 0
    index_documents([doc(plain_account)])
    with pytest.raises(RuntimeError), transaction.atomic():
        remove_documents(["content.policy:1"])
        raise RuntimeError("the caller's write failed")
    assert search(account_id=plain_account.pk, query="公积金").total == 1


def test_a_key_repeated_in_one_call_keeps_the_last(plain_account):
    index_documents([doc(plain_account, title="旧标题"), doc(plain_account, title="新标题 公积金")])
    assert SearchEntry.objects.get().title == "新标题 公积金"


def test_a_document_needs_a_key(plain_account):
    with pytest.raises(ValueError, match="key"):
        index_documents([doc(plain_account, key="")])


@pytest.mark.parametrize("query", ["", "   ", "\u3000\n"])
def test_an_empty_query_is_refused_with_a_helpful_sentence(query):
    with pytest.raises(AppError) as refused:
        check_query(query)
    assert refused.value.code == "empty_query"
    assert "公积金提取" in refused.value.message


def test_an_over_long_query_is_refused_with_its_limit():
    check_query("公" * MAX_QUERY_LENGTH)
    with pytest.raises(AppError) as refused:
        check_query("公" * (MAX_QUERY_LENGTH + 1))
    assert refused.value.code == "query_too_long"
    assert str(MAX_QUERY_LENGTH) in refused.value.message
    with pytest.raises(AppError):
        search(account_id=1, query="公" * (MAX_QUERY_LENGTH + 1))


def test_a_query_of_stop_words_finds_nothing(plain_account):
    index_documents([doc(plain_account)])
    results = search(account_id=plain_account.pk, query="请问怎么办？")
    assert results.total == 0 and results.terms == []


def test_an_unknown_facet_is_a_programming_error(plain_account):
    with pytest.raises(ValueError, match="unknown facet"):
        search(account_id=plain_account.pk, query="公积金", facets={"colour": "red"})


def test_hits_mark_the_matched_words_and_escape_everything_else(plain_account):
    index_documents(
        [
            doc(
                plain_account,
                title="<script>alert(1)</script> 公积金 & 提取",
                body="前言。" * 60 + "职工可以申请提取<b>住房公积金</b>。" + "附则。" * 60,
            )
        ]
    )
    hit = search(account_id=plain_account.pk, query="公积金提取").hits[0]
    assert hit.title_html == (
        "&lt;script&gt;alert(1)&lt;/script&gt; <mark>公积金</mark> &amp; <mark>提取</mark>"
    )
    assert hit.title == "<script>alert(1)</script> 公积金 & 提取"
    assert hit.snippet_html.startswith("…") and hit.snippet_html.endswith("…")
    assert "<mark>提取</mark>&lt;b&gt;<mark>住房公积金</mark>&lt;/b&gt;" in hit.snippet_html
    assert "<b>" not in hit.snippet_html
    assert hit.url == "/h5/police/policies/1/"
    assert hit.facets["issuer"] == "平安市住房公积金管理中心"


def test_snippets_of_latin_text_mark_whole_words_only():
    assert mark("Funding the fund", ["fund"]) == "Funding the <mark>fund</mark>"
    assert mark("FUND", ["fund"]) == "<mark>FUND</mark>"
    text = "word " * 50 + "the housing provident fund withdrawal" + " word" * 50
    piece = snippet(text, ["withdrawal", "fund"])
    assert "<mark>fund</mark> <mark>withdrawal</mark>" in piece
    assert len(piece) < 200
    assert snippet("短文。", ["公积金"]) == "短文。"


def test_synonyms_of_an_account_apply_to_it_only(plain_account, water_account):
    from weizheng.search.actions import do_add_synonym

    index_documents(
        [
            doc(plain_account, title="新市民积分落户办法", body="积分落户"),
            doc(water_account, key="water:1", title="新市民积分落户办法", body="积分落户"),
        ]
    )
    do_add_synonym(term="入户", synonym="积分落户", account_id=plain_account.pk)
    assert do_add_synonym(term="积分落户", synonym="入户", account_id=plain_account.pk)
    assert Synonym.objects.filter(account=plain_account).count() == 1
    assert search(account_id=plain_account.pk, query="入户").total == 1
    assert search(account_id=water_account.pk, query="入户").total == 0


def test_the_default_synonyms_are_loaded():
    pairs = set(Synonym.objects.filter(account=None).values_list("term", "synonym"))
    assert {("公积金", "住房公积金"), ("社保", "社会保险"), ("户口", "户籍")} <= pairs


def test_the_full_text_structures_exist():
    """A later migration that rebuilds the entry table on SQLite drops its triggers: this fails
    until it creates them again (schema.create_fulltext) and rebuilds the index."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('trigger', 'table')")
            names = {row[0] for row in cursor.fetchall()}
            assert {schema.FTS_TABLE, *schema.SQLITE_TRIGGERS} <= names
        else:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s", [schema.ENTRY_TABLE]
            )
            assert "search_entry_vector" in {row[0] for row in cursor.fetchall()}
