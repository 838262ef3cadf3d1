"""What citizens read changes only through 三审: links, pairs and authorless items."""

from __future__ import annotations

import pytest

from weizheng.content.actions import (
    check_add_relation,
    check_approve_item,
    check_pair,
    do_submit,
    do_unpair,
)
from weizheng.content.models import Item, Validity
from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog

from .conftest import make_policy, office, publish, signed_in

pytestmark = pytest.mark.django_db


def test_an_editor_cannot_amend_a_published_document_by_linking_it(world):
    police, bob = world["police"], world["bob"]
    old = publish(
        make_policy(police, bob, document_number="平政发〔2019〕3号"),
        author=bob,
        first=world["rita"],
        final=world["alice"],
    )
    newer = publish(
        make_policy(police, bob, title="平安市住房公积金提取管理办法（修订）"),
        author=bob,
        first=world["rita"],
        final=world["alice"],
    )
    with pytest.raises(AppError) as refused:
        check_add_relation(source=newer, target=old, kind="amends", actor=bob)
    assert refused.value.status == 409
    old.refresh_from_db()
    assert old.validity == Validity.IN_FORCE
    # Through the page: refused, nothing written.
    before = AuditLog.objects.count()
    response = signed_in(bob).post(
        office(police, f"{newer.pk}/links/"), {"target": old.pk, "kind": "amends"}
    )
    assert response.status_code in (302, 409)
    old.refresh_from_db()
    assert old.validity == Validity.IN_FORCE
    assert AuditLog.objects.count() == before


def test_a_published_bilingual_pair_is_not_split_without_review(world):
    police, bob = world["police"], world["bob"]
    chinese = make_policy(police, bob)
    english = make_policy(
        police, bob, language="en", title="Housing Fund Withdrawal Rules", document_number=""
    )
    check_pair(item=chinese, other=english, actor=bob)
    publish(chinese, author=bob, first=world["rita"], final=world["alice"])
    with pytest.raises(AppError) as refused:
        do_unpair(item=english, actor=bob)
    assert refused.value.status == 409
    english.refresh_from_db()
    chinese.refresh_from_db()
    assert english.group == chinese.group


def test_whoever_submits_an_authorless_item_answers_for_it(world):
    police, alice = world["police"], world["alice"]
    imported = make_policy(police, None)
    assert imported.author is None
    do_submit(item=imported, actor=alice)
    imported.refresh_from_db()
    assert imported.author == alice
    with pytest.raises(AppError) as refused:
        check_approve_item(item=imported, actor=alice)
    assert refused.value.code == "own_item"


def test_malformed_ids_are_404_not_500(world):
    police, bob = world["police"], world["bob"]
    item = make_policy(police, bob)
    client = signed_in(bob)
    assert client.post(
        office(police, f"{item.pk}/links/"), {"target": "abc", "kind": "amends"}
    ).status_code in (302, 404)
    assert client.post(office(police, f"{item.pk}/pair/"), {"other": "1.5"}).status_code in (
        302,
        404,
    )
    assert Item.objects.count() == 1
