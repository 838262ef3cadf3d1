"""Files attached to online applications: recognised by their first bytes (not their name), held
to the field's size, stored where no URL serves them, never left behind by a refused or
rolled-back save, and served only to the applicant and the account's handlers — audited."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.eservices.actions import check_save_application
from weizheng.eservices.models import Application, ApplicationFile, ApplicationStatus

from .conftest import (
    CITIZEN,
    GIF,
    OTHER,
    PDF,
    PNG,
    WATER_ANSWERS,
    as_citizen,
    signed_in,
    stored_files,
)

pytestmark = pytest.mark.django_db


def upload(name: str, data: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def save(world, guide, *, files=None, submit=False, openid=CITIZEN, answers=None, application=None):
    return check_save_application(
        account=world["water"],
        guide=guide,
        openid=openid,
        answers=WATER_ANSWERS if answers is None else answers,
        files=files,
        application=application,
        submit=submit,
    )


def test_a_pdf_is_accepted_stored_privately_and_submitted(world, online, _private_media):
    application = save(world, online, files={"certificate": upload("产权证.pdf", PDF)}, submit=True)
    assert application.status == ApplicationStatus.SUBMITTED
    attached = ApplicationFile.objects.get(application=application)
    assert (attached.file_type, attached.size, attached.original_name) == (
        "pdf",
        len(PDF),
        "产权证.pdf",
    )
    assert attached.path.startswith(f"private/eservices/{application.pk}/")
    assert "产权证" not in attached.path  # a random name, not the citizen's
    (stored,) = stored_files(_private_media)
    assert stored.read_bytes() == PDF


def test_the_type_is_read_from_the_content_not_the_name(world, online, _private_media):
    with pytest.raises(AppError) as refused:
        save(world, online, files={"certificate": upload("产权证.pdf", GIF)})
    assert refused.value.code == "bad_file_type"
    assert refused.value.extra["field"] == "certificate"
    assert not Application.objects.exists() and stored_files(_private_media) == []
    # A real PNG named .pdf is a PNG, and this field accepts PNG.
    application = save(world, online, files={"certificate": upload("scan.pdf", PNG)})
    assert application.files.get().file_type == "png"


def test_a_file_over_the_fields_limit_is_refused_and_nothing_is_saved(
    world, online, _private_media
):
    big = PDF + b"0" * 2048  # the field takes 1 KB
    with pytest.raises(AppError) as refused:
        save(world, online, files={"certificate": upload("big.pdf", big)}, submit=True)
    assert refused.value.code == "file_too_large" and "1 KB" in refused.value.message
    assert not Application.objects.exists() and stored_files(_private_media) == []
    assert not AuditLog.objects.filter(action__startswith="eservices.application").exists()


def test_an_empty_file_is_refused(world, online):
    with pytest.raises(AppError) as refused:
        save(world, online, files={"certificate": upload("empty.pdf", b"")})
    assert refused.value.code == "empty_file"


def test_a_failed_submission_leaves_no_orphan_file(world, online, _private_media):
    """The file passed its checks and was written, then the submission was refused (a required
    answer missing): the transaction rolls back and the written file goes with it."""
    with pytest.raises(AppError) as refused:
        save(
            world,
            online,
            files={"certificate": upload("ok.pdf", PDF)},
            answers={**WATER_ANSWERS, "use": ""},
            submit=True,
        )
    assert refused.value.code == "answer_missing"
    assert not Application.objects.exists() and not ApplicationFile.objects.exists()
    assert stored_files(_private_media) == []


def test_a_failure_after_the_file_is_written_removes_it(world, online, _private_media, monkeypatch):
    from weizheng.eservices import actions

    def broken_audit(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions, "do_audit", broken_audit)
    with pytest.raises(RuntimeError):
        save(world, online, files={"certificate": upload("ok.pdf", PDF)})
    assert not Application.objects.exists() and stored_files(_private_media) == []


def test_a_required_file_is_needed_to_submit(world, online):
    with pytest.raises(AppError) as refused:
        save(world, online, submit=True)
    assert refused.value.code == "file_missing" and refused.value.extra["field"] == "certificate"
    assert not Application.objects.exists()


def test_replacing_a_file_deletes_the_old_one_after_commit(
    world, online, _private_media, django_capture_on_commit_callbacks
):
    draft = save(world, online, files={"certificate": upload("first.pdf", PDF)})
    (first,) = stored_files(_private_media)
    with django_capture_on_commit_callbacks(execute=True):
        save(world, online, files={"certificate": upload("second.png", PNG)}, application=draft)
    (second,) = stored_files(_private_media)
    assert second != first and second.read_bytes() == PNG
    assert draft.files.get().original_name == "second.png"


@pytest.fixture
def submitted(world, online):
    return save(world, online, files={"certificate": upload("产权证.pdf", PDF)}, submit=True)


def citizen_file_url(application, attached):
    return f"/h5/water/services/applications/{application.pk}/files/{attached.pk}/"


def office_file_url(account, application, attached):
    return f"/office/accounts/{account.pk}/eservices/applications/{application.pk}/files/{attached.pk}/"


def test_the_applicant_downloads_their_file_and_it_is_audited(world, submitted):
    attached = submitted.files.get()
    client = as_citizen(Client(), world["water"], CITIZEN)
    response = client.get(citizen_file_url(submitted, attached))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    audit = AuditLog.objects.get(action="eservices.application.file")
    assert audit.actor_label == "citizen" and audit.detail["file"] == attached.pk


def test_another_citizen_gets_the_404_of_an_unknown_file(world, submitted):
    attached = submitted.files.get()
    client = as_citizen(Client(), world["water"], OTHER)
    theirs = client.get(citizen_file_url(submitted, attached))
    unknown = client.get(f"/h5/water/services/applications/{submitted.pk + 1000}/files/1/")
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.content == unknown.content
    assert not AuditLog.objects.filter(action="eservices.application.file").exists()


def test_a_clerk_of_another_department_gets_404_and_a_handler_gets_the_file(world, submitted):
    attached = submitted.files.get()
    police_admin = signed_in(world["alice"])  # the police department's administrator
    refused = police_admin.get(office_file_url(world["water"], submitted, attached))
    assert refused.status_code == 404
    # Nor through their own account's address.
    assert (
        police_admin.get(office_file_url(world["police"], submitted, attached)).status_code == 404
    )
    assert not AuditLog.objects.filter(action="eservices.application.file").exists()
    handler = signed_in(world["hugo"])
    response = handler.get(office_file_url(world["water"], submitted, attached))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert AuditLog.objects.get(action="eservices.application.file").actor == world["hugo"]


def test_media_has_no_public_address(world, submitted, client):
    attached = submitted.files.get()
    assert client.get(f"/media/{attached.path}").status_code == 404
