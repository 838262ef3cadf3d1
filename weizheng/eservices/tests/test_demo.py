"""The demo guides: seven, through 三审, one waiting for gov_reviewer's first review, the 2026
calendar loaded, and running it again changes nothing."""

from __future__ import annotations

import pytest

from conftest import make_account
from weizheng.core.models import AuditLog, Holiday
from weizheng.core.review import ReviewStatus
from weizheng.eservices.demo import load_demo
from weizheng.eservices.models import GuidePublication, ServiceGuide
from weizheng.eservices.selectors import review_queue, search_guides
from weizheng.search.models import SearchEntry
from weizheng.staff.models import Department, Membership, Role
from weizheng.staff.selectors import permissions_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_people(plain_account, django_user_model):
    water = make_account("water", mode="plain", app_id="wx7c2e9a4b1d3f5e80", token="watertoken")
    accounts = {"police": plain_account, "water": water}
    people = {}
    for name, slugs, clerks in (
        (
            "交警支队",
            ["police"],
            [("police_admin", Role.ADMINISTRATOR), ("police_editor", Role.EDITOR)],
        ),
        ("水务", ["water"], [("water_editor", Role.EDITOR), ("water_admin", Role.ADMINISTRATOR)]),
        ("政府办", ["police", "water"], [("gov_reviewer", Role.REVIEWER)]),
    ):
        department = Department.objects.create(name=name)
        department.accounts.add(*(accounts[s] for s in slugs))
        for username, role in clerks:
            people[username] = django_user_model.objects.create_user(username, is_staff=True)
            Membership.objects.create(user=people[username], department=department, role=role)
    return {**accounts, **people}


def test_the_demo_loads_guides_through_review_once(demo_people):
    load_demo()
    police, water = demo_people["police"], demo_people["water"]
    assert set(ServiceGuide.objects.filter(account=police).values_list("title", flat=True)) == {
        "机动车驾驶证补领",
        "机动车检验标志核发",
        "交通事故快处快赔",
        "居住证办理",
    }
    assert ServiceGuide.objects.filter(account=water).count() == 3
    published = ServiceGuide.objects.filter(publication=GuidePublication.PUBLISHED)
    assert published.count() == 6
    assert SearchEntry.objects.filter(key__startswith="eservices.guide:").count() == 6
    waiting = ServiceGuide.objects.get(title="水费减免申请")
    assert waiting.review_status == ReviewStatus.FIRST_REVIEW
    reviewer = demo_people["gov_reviewer"]
    queue = review_queue(account=water, user=reviewer, permissions=permissions_on(reviewer, water))
    assert list(queue["first"]) == [waiting]
    assert search_guides(account=police, query="居住证").hits
    assert Holiday.objects.filter(date__year=2026).count() == 39
    audit_rows = AuditLog.objects.count()

    load_demo()
    assert ServiceGuide.objects.count() == 7
    assert AuditLog.objects.count() == audit_rows


def test_the_demo_opens_online_applications_with_applications_of_the_bound_personas(
    demo_people, settings, tmp_path
):
    """With the mock platform's apps and the identity demo's bindings: three forms enabled,
    the personas' applications in several states (one returned, one completed and not yet
    rated, one with the property certificate attached), and nothing twice on a second run."""
    from weizheng.eservices.models import Application, ApplicationFile
    from weizheng.identity import demo as identity_demo
    from weizheng.wechat_mock import actions as mock

    settings.MEDIA_ROOT = tmp_path / "media"
    for account in (demo_people["police"], demo_people["water"]):
        mock.register_app(
            appid=account.app_id,
            secret=account.app_secret,
            callback_url=f"http://127.0.0.1:9/wx/{account.slug}/",
            token=account.token,
            encoding_aes_key="",
            message_mode="plain",
            name=account.name,
        )
    identity_demo.load_demo()
    load_demo()
    online = ServiceGuide.objects.filter(accepts_online=True)
    assert set(online.values_list("title", flat=True)) == {
        "机动车驾驶证补领",
        "机动车检验标志核发",
        "用水报装",
    }
    statuses = sorted(Application.objects.values_list("status", flat=True))
    assert statuses == ["accepted", "completed", "returned", "submitted"]
    returned = Application.objects.get(status="returned")
    assert "白底" in returned.last_note
    assert returned.answers["name"] == "吴建国"  # filled from the binding
    certificate = ApplicationFile.objects.get(field_key="certificate")
    assert certificate.file_type == "pdf"
    assert (settings.MEDIA_ROOT / certificate.path).exists()
    assert not Application.objects.filter(rating__isnull=False).exists()  # left to rate
    load_demo()
    assert Application.objects.count() == 4
