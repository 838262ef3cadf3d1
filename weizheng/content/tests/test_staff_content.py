"""The back-office pages: the list, the editor (document number checked, HTML sanitised),
attachments, links between documents, and per-department scoping (another department's clerk
gets 404 and changes nothing)."""

from __future__ import annotations

import pytest

from weizheng.content.actions import do_submit
from weizheng.content.models import Attachment, Item, Relation, Validity
from weizheng.core.models import AuditLog

from .conftest import make_policy, office, publish, signed_in

pytestmark = pytest.mark.django_db


def policy_form(**overrides):
    data = {
        "title": "平安市居住证办理规定",
        "language": "zh-hans",
        "summary": "",
        "body": "<p>第一条 为规范居住证办理，制定本规定。</p><script>alert(1)</script>",
        "document_number": "平公发[2024]7号",
        "issuer": "平安市公安局",
        "topic": "户籍管理",
        "written_on": "2024-03-01",
        "issued_on": "2024-03-05",
        "effective_on": "2024-04-01",
        "validity": "in_force",
        "scheduled_at": "",
    }
    data.update(overrides)
    return data


def test_editor_creates_a_draft_with_a_normalised_number_and_sanitised_text(world):
    bob = signed_in(world["bob"])
    response = bob.post(office(world["police"], "new/?kind=policy"), policy_form())
    assert response.status_code == 302
    item = Item.objects.get()
    assert item.document_number == "平公发〔2024〕7号"
    assert item.author == world["bob"] and item.kind == "policy"
    assert "<script>" not in item.body and "alert" not in item.body
    assert item.body.startswith("<p>第一条")
    assert AuditLog.objects.filter(action="content.create", target_id=str(item.pk)).exists()
    page = bob.get(response["Location"]).content.decode()
    assert "平公发〔2024〕7号" in page


def test_malformed_document_number_is_refused_on_its_field(world):
    bob = signed_in(world["bob"])
    response = bob.post(
        office(world["police"], "new/?kind=policy"), policy_form(document_number="平公发2024年7号")
    )
    assert response.status_code == 400
    assert "The document number" in response.content.decode()
    assert not Item.objects.exists()


def test_news_form_has_no_policy_fields_and_a_cover_from_the_library(world):
    bob = signed_in(world["bob"])
    page = bob.get(office(world["police"], "new/?kind=news")).content.decode()
    assert 'name="document_number"' not in page and 'name="cover"' in page


def test_only_drafts_are_editable(world):
    item = make_policy(world["police"], world["bob"])
    publish(item, author=world["bob"], first=world["rita"], final=world["alice"])
    bob = signed_in(world["bob"])
    response = bob.post(
        office(world["police"], f"{item.pk}/edit/"), policy_form(title="改过的标题")
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "平安市住房公积金提取管理办法"


def test_title_is_escaped_in_the_back_office(world):
    item = make_policy(world["police"], world["bob"], title="<img src=x onerror=alert(1)>")
    page = signed_in(world["bob"]).get(office(world["police"], f"{item.pk}/")).content.decode()
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_links_between_documents_and_publication_marks_the_target(world):
    police = world["police"]
    old = make_policy(police, world["bob"], title="旧办法", document_number="平政发〔2013〕5号")
    publish(old, author=world["bob"], first=world["rita"], final=world["alice"])
    new = make_policy(police, world["bob"])
    bob = signed_in(world["bob"])
    response = bob.post(office(police, f"{new.pk}/links/"), {"kind": "repeals", "target": old.pk})
    assert response.status_code == 302
    assert Relation.objects.filter(source=new, target=old, kind="repeals").exists()
    old.refresh_from_db()
    assert old.validity == Validity.IN_FORCE  # not yet: the new document is a draft
    publish(new, author=world["bob"], first=world["rita"], final=world["alice"])
    old.refresh_from_db()
    assert old.validity == Validity.REPEALED
    assert AuditLog.objects.filter(action="content.validity", target_id=str(old.pk)).exists()


def test_attachment_upload_and_refusal(world):
    item = make_policy(world["police"], world["bob"])
    bob = signed_in(world["bob"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    ok = SimpleUploadedFile("附件1 申请表.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    assert (
        bob.post(office(world["police"], f"{item.pk}/attachments/"), {"file": ok}).status_code
        == 302
    )
    attachment = Attachment.objects.get()
    assert attachment.name == "附件1 申请表.pdf" and attachment.size == 13
    bad = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    response = bob.post(office(world["police"], f"{item.pk}/attachments/"), {"file": bad})
    assert response.status_code == 400 and Attachment.objects.count() == 1


def test_another_departments_clerk_gets_404_and_changes_nothing(world):
    police = world["police"]
    item = make_policy(police, world["bob"])
    do_submit(item=item, actor=world["bob"])
    carol = signed_in(world["carol"])
    before = AuditLog.objects.count()
    assert carol.get(office(police)).status_code == 404
    assert carol.get(office(police, f"{item.pk}/")).status_code == 404
    assert carol.post(office(police, f"{item.pk}/approve/")).status_code == 404
    assert carol.post(office(police, f"{item.pk}/retract/"), {"reason": "x"}).status_code == 404
    # Through her own account's URL the police item does not exist either.
    assert carol.get(office(world["water"], f"{item.pk}/")).status_code == 404
    assert carol.post(office(world["water"], f"{item.pk}/approve/")).status_code == 404
    item.refresh_from_db()
    assert item.review_status == "first_review"
    assert AuditLog.objects.count() == before


def test_reviewer_reads_but_cannot_write(world):
    rita = signed_in(world["rita"])
    assert rita.get(office(world["police"])).status_code == 200
    assert rita.get(office(world["police"], "new/")).status_code == 403
    assert rita.get(office(world["police"], "media/")).status_code == 403


def test_list_filters(world):
    police = world["police"]
    make_policy(police, world["bob"], title="公积金", document_number="")
    make_policy(police, world["bob"], title="居住证", document_number="", language="en")
    page = signed_in(world["bob"]).get(office(police, "?language=en")).content.decode()
    assert "居住证" in page and "公积金" not in page


def test_every_page_renders_for_each_role(world):
    police = world["police"]
    item = make_policy(police, world["bob"])
    news = make_policy(police, world["bob"], kind="news", title="新闻", document_number="")
    for user, pages in (
        (
            "bob",
            [
                "",
                f"{item.pk}/",
                f"{item.pk}/edit/",
                f"{news.pk}/",
                "new/?kind=news",
                "import/",
                "media/",
            ],
        ),
        ("rita", ["", f"{item.pk}/", "?queue=first"]),
        (
            "alice",
            [
                "",
                f"{item.pk}/",
                "?queue=final",
                "?kind=policy&review=draft&publication=unpublished&q=公积金",
            ],
        ),
    ):
        client = signed_in(world[user])
        for path in pages:
            assert client.get(office(police, path)).status_code == 200, (user, path)
