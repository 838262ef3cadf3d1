"""Bulk import: CSV, JSON, a ZIP or a folder of .txt/.html files. Good rows land whole as drafts;
rows with a missing title, a malformed document number, a bad date or a duplicate number are
reported with the reason and leave nothing behind."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from weizheng.content.importer import read_upload, run_import
from weizheng.content.models import Item
from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog

from .conftest import office, signed_in

pytestmark = pytest.mark.django_db

CSV = """标题,发文字号,发文机关,主题,成文日期,发布日期,施行日期,效力,正文
国务院办公厅关于政府向社会力量购买服务的指导意见,国办发〔2013〕96号,国务院办公厅,政府采购,2013-09-26,2013-09-30,,有效,一、充分认识政府向社会力量购买服务的重要性
,平政发〔2024〕1号,平安市人民政府,住房保障,2024-01-02,,,有效,没有标题的一行
平安市住房公积金提取管理办法,平政发2024年3号,平安市人民政府,住房保障,2024-01-02,,,有效,文号格式不对
平安市居住证办理规定,平公发[2024]7号,平安市公安局,户籍管理,2024-03-01,2024-03-05,2024-04-01,有效,第一条 为规范居住证办理，制定本规定。
道路交通安全违法行为处理规定,平公发〔2024〕8号,平安市公安局,交通管理,2024-13-01,,,有效,日期不对
重复的文号,平公发〔2024〕7号,平安市公安局,户籍管理,,,,有效,同一文件里重复
"""


def test_csv_rows_are_imported_whole_or_reported_with_their_reason(world):
    report = run_import(
        account=world["police"],
        rows=read_upload("policies.csv", CSV.encode()),
        actor=world["bob"],
        source="policies.csv",
    )
    assert [title for _where, _pk, title in report.imported] == [
        "国务院办公厅关于政府向社会力量购买服务的指导意见",
        "平安市居住证办理规定",
    ]
    reasons = {r.where: r.reason for r in report.rejected}
    assert reasons["row 3"] == "The title is missing."
    assert "平政发2024年3号" in reasons["row 4"] and "malformed" in reasons["row 4"]
    assert "2024-13-01" in reasons["row 6"]
    assert "appears twice" in reasons["row 7"]
    assert Item.objects.count() == 2
    residence = Item.objects.get(document_number="平公发〔2024〕7号")
    assert residence.review_status == "draft" and residence.author == world["bob"]
    assert str(residence.effective_on) == "2024-04-01" and residence.topic == "户籍管理"
    assert not Item.objects.filter(
        title__in=["平安市住房公积金提取管理办法", "道路交通安全违法行为处理规定"]
    ).exists()
    entry = AuditLog.objects.get(action="content.import")
    assert entry.detail["imported"] == 2 and len(entry.detail["rejected"]) == 4


def test_a_number_already_in_the_library_is_rejected(world):
    run_import(account=world["police"], rows=read_upload("a.csv", CSV.encode()), actor=world["bob"])
    again = run_import(
        account=world["police"], rows=read_upload("a.csv", CSV.encode()), actor=world["bob"]
    )
    assert again.imported == []
    assert any("already in the library" in r.reason for r in again.rejected)
    assert Item.objects.count() == 2


def test_check_only_saves_nothing(world):
    report = run_import(
        account=world["police"],
        rows=read_upload("a.csv", CSV.encode()),
        actor=world["bob"],
        check_only=True,
    )
    assert len(report.imported) == 2 and len(report.rejected) == 4
    assert (
        not Item.objects.exists() and not AuditLog.objects.filter(action="content.import").exists()
    )


def test_json_with_a_translation_pairs_the_versions_and_can_submit(world):
    documents = [
        {
            "title": "平安市居住证办理规定",
            "document_number": "平公发〔2024〕7号",
            "body": "第一条 ……",
        },
        {
            "title": "Provisions of Ping'an City on Residence Permits",
            "language": "en",
            "document_number": "平公发〔2024〕7号",
            "translation_of": "平公发〔2024〕7号",
            "body": "Article 1 ...",
        },
        {"title": "Orphan", "language": "en", "translation_of": "平公发〔2099〕1号", "body": "x"},
        "not an object",
    ]
    report = run_import(
        account=world["police"],
        rows=read_upload("docs.json", json.dumps({"documents": documents}).encode()),
        actor=world["bob"],
        submit=True,
    )
    assert len(report.imported) == 2
    assert [r.where for r in report.rejected] == ["document 3", "document 4"]
    zh, en = Item.objects.order_by("pk")
    assert zh.group == en.group and en.language == "en"
    assert {zh.review_status, en.review_status} == {"first_review"}


def test_zip_of_text_and_html_files(world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "国办发〔2013〕100号.txt",
            "发文字号: 国办发〔2013〕100号\n发文机关: 国务院办公厅\n施行日期: 2013-10-01\n\n"
            "国务院办公厅关于进一步加强政府信息公开回应社会关切提升政府公信力的意见\n各省、自治区、直辖市人民政府：\n\n为进一步做好政府信息公开工作……",
        )
        archive.writestr(
            "news/通知.html",
            '<html><head><title>交警支队开展夏季交通安全宣传</title><meta name="kind" content="news"></head>'
            "<body><h1>交警支队开展夏季交通安全宣传</h1><p>6月1日起……</p><script>alert(1)</script></body></html>",
        )
        archive.writestr("empty.txt", "")
        archive.writestr("picture.png", b"\x89PNG")
    report = run_import(
        account=world["police"],
        rows=read_upload("batch.zip", buffer.getvalue()),
        actor=world["bob"],
    )
    titles = sorted(title for _w, _pk, title in report.imported)
    assert titles == [
        "交警支队开展夏季交通安全宣传",
        "国务院办公厅关于进一步加强政府信息公开回应社会关切提升政府公信力的意见",
    ]
    assert {r.where for r in report.rejected} == {"empty.txt", "picture.png"}
    policy = Item.objects.get(kind="policy")
    assert (
        policy.document_number == "国办发〔2013〕100号" and str(policy.effective_on) == "2013-10-01"
    )
    assert policy.body.startswith("<p>各省、自治区、直辖市人民政府：</p>")
    news = Item.objects.get(kind="news")
    assert "<script>" not in news.body and "交警支队开展夏季交通安全宣传" not in news.body


def test_unreadable_files_are_refused_whole():
    for name, content in (
        ("a.xlsx", b"x"),
        ("a.json", b"{"),
        ("a.zip", b"nope"),
        ("a.csv", b"name\nx\n"),
    ):
        with pytest.raises(AppError):
            read_upload(name, content)


def test_import_page_shows_the_report(world):
    bob = signed_in(world["bob"])
    upload = SimpleUploadedFile("policies.csv", CSV.encode(), content_type="text/csv")
    response = bob.post(office(world["police"], "import/"), {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 of 6 documents imported" in html
    assert "The title is missing." in html and "平政发2024年3号" in html
    assert signed_in(world["rita"]).get(office(world["police"], "import/")).status_code == 403
    assert signed_in(world["carol"]).get(office(world["police"], "import/")).status_code == 404


def test_command_imports_a_folder(world, tmp_path, capsys):
    (tmp_path / "a.txt").write_text(
        "标题: 平安市居住证办理规定\n发文字号: 平公发〔2024〕7号\n\n第一条 ……", encoding="utf-8"
    )
    (tmp_path / "b.txt").write_text("发文字号: 第7号\n\n没有机关代字", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        call_command("content_import", str(tmp_path), account="police", user="bob")
    assert exited.value.code == 1
    out = capsys.readouterr().out
    assert "Imported 1 of 2" in out and "REJECTED b.txt" in out
    assert Item.objects.get().author == world["bob"]
