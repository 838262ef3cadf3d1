"""The second reviewer's defects of eservices: each test would have caught one of them."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.eservices import staff_views
from weizheng.eservices.actions import check_save_application, check_save_form
from weizheng.eservices.models import Application

from .conftest import CITIZEN, as_citizen, signed_in
from .test_staff_applications import designer_post

pytestmark = pytest.mark.django_db

H5 = "/h5/water/services"

# The keywords makemessages gives xgettext for Python sources (django/core/management/commands/
# makemessages.py), besides xgettext's own defaults (gettext, _, ...).
DJANGO_KEYWORDS = [
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
]


def extracted(source: Path, tmp_path: Path | None = None) -> str:
    """What makemessages would put in the catalogue from one Python source or template (a
    template is first turned into Python by templatize, as makemessages does)."""
    if shutil.which("xgettext") is None:
        pytest.skip("xgettext (GNU gettext) is not installed")
    if source.suffix == ".html":
        from django.utils.translation.template import templatize

        assert tmp_path is not None
        python = tmp_path / (source.name + ".py")
        python.write_text(templatize(source.read_text(encoding="utf-8"), origin=str(source)))
        source = python
    completed = subprocess.run(  # noqa: S603 - a fixed program on a file of the repository
        [
            "xgettext",
            "--language=Python",
            "--from-code=UTF-8",
            "-o",
            "-",
            *DJANGO_KEYWORDS,
            str(source),
        ],  # noqa: S607
        capture_output=True,
        check=True,
        text=True,
    )
    return completed.stdout


STEP_BUTTONS = [
    "Accept",
    "Return for correction",
    "Start the review",
    "Approve",
    "Reject",
    "Complete",
]


def test_every_step_button_of_an_application_is_extracted_for_translation():
    with translation.override("en"):
        assert sorted(str(label) for label in staff_views.STEP_LABELS.values()) == sorted(
            STEP_BUTTONS
        )
    catalogue = extracted(Path(staff_views.__file__))
    for label in STEP_BUTTONS:
        assert f'msgctxt "application step"\nmsgid "{label}"' in catalogue, label


# --- every problem of a form at once ----------------------------------------------------------
FOUR_REQUIRED = [
    {"key": "address", "label": "用水地址", "kind": "address"},
    {
        "key": "use",
        "label": "用水性质",
        "kind": "select",
        "choices": ["居民生活用水", "非居民用水"],
    },
    {"key": "moved_in", "label": "入住日期", "kind": "date"},
    {
        "key": "certificate",
        "label": "不动产权证书",
        "kind": "file",
        "file_types": ["pdf"],
        "max_size_kb": 1,
    },
]


@pytest.fixture
def four_required(world, online):
    check_save_form(guide=online, actor=world["carol"], fields=FOUR_REQUIRED, accepts_online=True)
    return online


def test_an_empty_submission_shows_every_missing_field_and_saves_nothing(world, four_required):
    client = as_citizen(Client(HTTP_ACCEPT_LANGUAGE="en"), world["water"], CITIZEN)
    response = client.post(f"{H5}/guides/{four_required.pk}/apply/", {"action": "submit"})
    assert response.status_code == 400
    page = response.content.decode()
    for key in ("address", "use", "moved_in", "certificate"):
        assert f'data-test="error-{key}"' in page, key
    # The water account's pages are in Chinese whatever the browser asks for.
    assert "有 4 项需要更正" in page
    assert Application.objects.count() == 0
    assert not AuditLog.objects.filter(action="eservices.application.save").exists()


def test_the_refusal_names_each_bad_field_with_its_own_reason(world, four_required):
    with pytest.raises(AppError) as refused:
        check_save_application(
            account=world["water"],
            guide=four_required,
            openid=CITIZEN,
            answers={"address": "平安市滨江大道 16 号", "use": "工业用水", "moved_in": "昨天"},
            submit=True,
        )
    assert refused.value.code == "answers_invalid"
    assert refused.value.extra["errors"] == {
        "use": "Choose one of the options of “用水性质”.",
        "moved_in": "“入住日期” is a date written as 2026-10-01.",
        "certificate": "Attach “不动产权证书”.",
    }
    assert Application.objects.count() == 0


# --- plausible answers: date limits and conditional fields ------------------------------------
DELIVERY = "邮政寄递（到付）"
LOSS_FORM = [
    {"key": "lost_on", "label": "遗失日期", "kind": "date", "date_limit": "not_after_today"},
    {
        "key": "wanted_on",
        "label": "希望领证日期",
        "kind": "date",
        "is_required": False,
        "date_limit": "not_before_today",
    },
    {
        "key": "delivery",
        "label": "领取方式",
        "kind": "select",
        "choices": ["到车管所窗口领取", DELIVERY],
    },
    {
        "key": "mail_address",
        "label": "邮寄地址",
        "kind": "address",
        "required_when_field": "delivery",
        "required_when_value": DELIVERY,
    },
]
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def loss_form(world, online):
    check_save_form(guide=online, actor=world["carol"], fields=LOSS_FORM, accepts_online=True)
    return online


def save(world, guide, **answers):
    return check_save_application(
        account=world["water"], guide=guide, openid=CITIZEN, answers=answers, submit=True
    )


@time_machine.travel(datetime(2026, 10, 9, 23, 30, tzinfo=SHANGHAI), tick=False)
def test_a_loss_date_after_today_is_refused_and_today_is_accepted(world, loss_form):
    with pytest.raises(AppError) as refused:
        save(world, loss_form, lost_on="2026-10-10", delivery="到车管所窗口领取")
    assert refused.value.code == "date_after_today"
    assert refused.value.extra["errors"] == {"lost_on": "“遗失日期” cannot be later than today."}
    assert Application.objects.count() == 0
    with pytest.raises(AppError) as refused:
        save(
            world,
            loss_form,
            lost_on="2026-10-01",
            wanted_on="2026-10-08",
            delivery="到车管所窗口领取",
        )
    assert refused.value.code == "date_before_today"
    # Today in Shanghai is 10 October's eve: the 9th is today, not the future.
    application = save(world, loss_form, lost_on="2026-10-09", delivery="到车管所窗口领取")
    assert application.answers["lost_on"] == "2026-10-09"


@time_machine.travel(datetime(2026, 10, 9, 10, tzinfo=SHANGHAI), tick=False)
def test_the_mailing_address_is_required_only_when_mailing_is_chosen(world, loss_form):
    with pytest.raises(AppError) as refused:
        save(world, loss_form, lost_on="2026-01-05", delivery=DELIVERY)
    assert refused.value.extra["errors"] == {
        "mail_address": "“邮寄地址” is required when “领取方式” is “邮政寄递（到付）”."
    }
    assert Application.objects.count() == 0
    assert save(world, loss_form, lost_on="2026-01-05", delivery="到车管所窗口领取").receipt_no


def test_the_apply_page_tells_when_the_mailing_address_is_required(world, loss_form):
    client = as_citizen(Client(HTTP_ACCEPT_LANGUAGE="en"), world["water"], CITIZEN)
    page = client.get(f"{H5}/guides/{loss_form.pk}/apply/").content.decode()
    assert 'data-test="condition-mail_address"' in page
    assert "“领取方式”选择“邮政寄递（到付）”时必填。" in page


@pytest.mark.parametrize(
    ("rows", "code", "row", "field"),
    [
        (
            [{"key": "name", "label": "姓名", "kind": "text", "date_limit": "not_after_today"}],
            "bad_date_limit",
            1,
            "date_limit",
        ),
        (
            [LOSS_FORM[2], {**LOSS_FORM[3], "required_when_value": ""}],
            "bad_condition",
            2,
            "required_when_value",
        ),
        (
            [LOSS_FORM[2], {**LOSS_FORM[3], "required_when_field": "lost_on"}],
            "condition_field",
            2,
            "required_when_field",
        ),
        (
            [{**LOSS_FORM[3], "required_when_field": "nowhere"}],
            "condition_field",
            1,
            "required_when_field",
        ),
        (
            [LOSS_FORM[2], {**LOSS_FORM[3], "required_when_value": "快递"}],
            "condition_value",
            2,
            "required_when_value",
        ),
    ],
)
def test_the_designer_refuses_a_bad_limit_or_condition_and_saves_nothing(
    world, online, rows, code, row, field
):
    before = list(online.form_fields.values_list("key", flat=True))
    with pytest.raises(AppError) as refused:
        check_save_form(guide=online, actor=world["carol"], fields=rows, accepts_online=True)
    assert (refused.value.code, refused.value.extra["row"], refused.value.extra["field"]) == (
        code,
        row,
        field,
    )
    assert list(online.form_fields.values_list("key", flat=True)) == before


def test_the_designer_saves_a_condition_naming_a_later_field_through_the_page(world, online):
    rows = [
        {**LOSS_FORM[3], "label": "邮寄地址", "is_required": True},
        {**LOSS_FORM[2], "choices": "\n".join(LOSS_FORM[2]["choices"]), "is_required": True},
        {**LOSS_FORM[0], "is_required": True},
    ]
    response = signed_in(world["carol"]).post(
        f"/office/accounts/{world['water'].pk}/eservices/guides/{online.pk}/form/",
        designer_post(rows),
    )
    assert response.status_code == 302
    mail, _delivery, lost = online.form_fields.all()
    assert (mail.required_when_field, mail.required_when_value, mail.is_required) == (
        "delivery",
        DELIVERY,
        False,
    )
    assert lost.date_limit == "not_after_today"
    page = signed_in(world["carol"]).get(
        f"/office/accounts/{world['water'].pk}/eservices/guides/{online.pk}/form/"
    )
    assert 'value="delivery"' in page.content.decode()


def test_the_demo_form_of_a_licence_replacement_uses_both():
    from weizheng.eservices.demo import FORMS

    fields = {f["key"]: f for f in FORMS[("police", "PA-JJ-0101")]}
    assert fields["lost_on"]["date_limit"] == "not_after_today"
    assert (
        fields["mail_address"]["required_when_field"],
        fields["mail_address"]["required_when_value"],
    ) == (
        "delivery",
        DELIVERY,
    )
    assert DELIVERY in fields["delivery"]["choices"]


# --- 我的办件 is easy to find ------------------------------------------------------------------
def test_my_applications_are_linked_from_the_guide_list_and_from_my_information(world):
    client = as_citizen(Client(HTTP_ACCEPT_LANGUAGE="en"), world["water"], CITIZEN)
    guides = client.get(f"{H5}/guides/").content.decode()
    assert 'data-testid="my-applications"' in guides
    assert f'href="{H5}/applications/"' in guides
    me = client.get("/h5/water/me/").content.decode()
    assert f'href="{H5}/applications/"' in me and "My applications" in me
    assert 'href="/h5/water/appointments/mine/"' in me and "My bookings" in me


def test_the_correction_notice_points_to_where_my_applications_really_are():
    from weizheng.eservices.notification_kinds import APPLICATION_RETURNED

    text = str(APPLICATION_RETURNED.text)
    assert "服务事项 → 我的办件" not in text
    assert "“我的信息 → 我的办件”" in text


# --- the receipt-number button says 查询, not 检查 ----------------------------------------------
@pytest.mark.parametrize("page", ["applications.html", "progress.html"])
def test_the_receipt_number_button_has_its_own_context(page, tmp_path):
    template = Path(staff_views.__file__).parent / "templates" / "eservices" / "h5" / page
    catalogue = extracted(template, tmp_path)
    assert 'msgctxt "receipt number"\nmsgid "Check"' in catalogue
    assert '\nmsgid "Check"' not in catalogue.replace('msgctxt "receipt number"\nmsgid "Check"', "")


# --- Chinese typography: no half-width colon, no space after 。 or ： -------------------------
BAD_TYPOGRAPHY = re.compile(r"[\u4e00-\u9fff）]:\s|[。：，；][ \t]+\S")


def element_text(html: str, testid: str) -> str:
    """The text of the element with this data-testid (up to its first closing tag of the kind)."""
    start = html.index(f'data-testid="{testid}"')
    tag = html[html.rindex("<", 0, start) + 1 :].split()[0]
    end = html.index(f"</{tag}>", start)
    return re.sub(r"<[^>]+>", "", html[html.index(">", start) + 1 : end])


def chinese_office(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    from weizheng.staff.testing import login_staff

    login_staff(client, user)
    return client


def test_a_return_reason_follows_its_label_without_a_stray_space(world):
    from weizheng.eservices.actions import check_return_guide, do_submit_guide

    from .conftest import make_guide, office

    guide = make_guide(world["police"], world["bob"])
    do_submit_guide(guide=guide, actor=world["bob"])
    check_return_guide(guide=guide, actor=world["rita"], reason="请补充收费依据")
    client = chinese_office(world["bob"])
    for path in (f"guides/{guide.pk}/", f"guides/{guide.pk}/edit/"):
        page = client.get(office(world["police"], path)).content.decode()
        said = element_text(page, "return-reason")
        assert "请补充收费依据" in said and BAD_TYPOGRAPHY.search(said) is None, said


def test_the_last_note_to_the_applicant_stands_on_its_own_line(world, online):
    from weizheng.eservices.actions import check_transition

    from .conftest import office
    from .test_staff_applications import submit

    application = submit(world, online)
    check_transition(
        application=application, to="returned", actor=world["hugo"], note="请补充产权证第二页"
    )
    page = chinese_office(world["hugo"]).get(
        office(world["water"], f"applications/{application.pk}/")
    )
    said = element_text(page.content.decode(), "last-note")
    assert "请补充产权证第二页" in said and BAD_TYPOGRAPHY.search(said) is None, said


# --- the citizen's own application page masks the name, as the form does ----------------------
def test_the_citizens_application_page_masks_the_name_and_the_office_shows_it(world, online):
    from .conftest import office
    from .test_staff_applications import submit

    application = submit(world, online)
    client = as_citizen(Client(HTTP_ACCEPT_LANGUAGE="en"), world["water"], CITIZEN)
    page = client.get(f"{H5}/applications/{application.pk}/").content.decode()
    name = page[page.index('data-field="name"') :].split("</dd>")[0]
    assert "张*" in name and "张三" not in page
    clerk = signed_in(world["hugo"]).get(office(world["water"], f"applications/{application.pk}/"))
    assert "张三" in clerk.content.decode()


def test_the_guide_actions_are_full_width_block_buttons(world, online):
    client = as_citizen(Client(HTTP_ACCEPT_LANGUAGE="en"), world["water"], CITIZEN)
    page = client.get(f"{H5}/guides/{online.pk}/").content.decode()
    actions = page[page.index('data-test="guide-actions"') :].split("</div>")[0]
    buttons = re.findall(r'<a class="([^"]+)"', actions)
    assert buttons and all("weui-btn_block" in classes.split() for classes in buttons)
