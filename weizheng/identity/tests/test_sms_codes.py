"""SMS codes: sent hashed, valid 5 minutes, resent after 60 s, five wrong codes then a 15-minute
cool-down for that openid and that phone (kept in the database, not in a process)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.identity import actions
from weizheng.identity.models import SmsChallenge, SmsGuard
from weizheng.identity.testing import last_code

pytestmark = pytest.mark.django_db

ALICE = "oAlice0000000000000000000001"
BOB = "oBob00000000000000000000002"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def identity(phone="13800138000", id_number="11010519491231002X", name="张三"):
    return actions.check_identity(name=name, id_number=id_number, phone=phone)


def send(account, openid=ALICE, **kwargs):
    return actions.check_send_code(account=account, openid=openid, identity=identity(**kwargs))


def refused(call, code):
    with pytest.raises(AppError) as refusal:
        call()
    assert refusal.value.code == code, refusal.value.message
    return refusal.value


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_a_six_digit_code_is_sent_and_only_its_salted_hash_is_kept(
    plain_account, sms_outbox, clock
):
    challenge = send(plain_account)

    assert len(sms_outbox) == 1
    phone, text = sms_outbox[0]
    code = last_code("13800138000")
    assert phone == "13800138000" and code in text and "平安市公安局" in text
    stored = SmsChallenge.objects.get(pk=challenge.pk)
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    assert stored.expires_at == START + dt.timedelta(minutes=5)
    row = AuditLog.objects.get(action="identity.sms_code_sent")
    assert row.detail == {"phone": "138****8000"}


def test_the_right_code_is_accepted_once(plain_account, clock):
    send(plain_account)
    code = last_code("13800138000")

    actions.check_code(account=plain_account, openid=ALICE, identity=identity(), code=code)

    refused(
        lambda: actions.check_code(
            account=plain_account, openid=ALICE, identity=identity(), code=code
        ),
        "no_code",
    )


def test_a_code_expires_after_five_minutes(plain_account, clock):
    send(plain_account)
    code = last_code("13800138000")
    clock.shift(dt.timedelta(minutes=5, seconds=1))

    refused(
        lambda: actions.check_code(
            account=plain_account, openid=ALICE, identity=identity(), code=code
        ),
        "code_expired",
    )


def test_a_code_is_valid_just_before_five_minutes(plain_account, clock):
    send(plain_account)
    clock.shift(dt.timedelta(minutes=4, seconds=59))
    actions.check_code(
        account=plain_account, openid=ALICE, identity=identity(), code=last_code("13800138000")
    )


def test_a_code_is_only_good_for_the_phone_it_was_sent_to(plain_account, clock):
    send(plain_account)
    refused(
        lambda: actions.check_code(
            account=plain_account,
            openid=ALICE,
            identity=identity(phone="13900139000"),
            code=last_code("13800138000"),
        ),
        "no_code",
    )


def test_resend_is_throttled_for_sixty_seconds(plain_account, sms_outbox, clock):
    send(plain_account)
    clock.shift(dt.timedelta(seconds=30))

    refusal = refused(lambda: send(plain_account), "too_soon")
    assert refusal.status == 429 and "30 seconds" in refusal.message
    # The same phone from another openid is throttled too.
    refused(lambda: send(plain_account, openid=BOB), "too_soon")
    assert len(sms_outbox) == 1

    clock.shift(dt.timedelta(seconds=30))
    send(plain_account)
    assert len(sms_outbox) == 2


def test_only_the_newest_code_is_valid(plain_account, clock):
    send(plain_account)
    first = last_code("13800138000")
    clock.shift(dt.timedelta(seconds=61))
    send(plain_account)
    second = last_code("13800138000")
    if first == second:
        pytest.skip("the two random codes happen to be equal")

    refused(
        lambda: actions.check_code(
            account=plain_account, openid=ALICE, identity=identity(), code=first
        ),
        "wrong_code",
    )
    actions.check_code(account=plain_account, openid=ALICE, identity=identity(), code=second)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_five_wrong_codes_start_a_fifteen_minute_cool_down(plain_account, sms_outbox, clock):
    send(plain_account)
    code = last_code("13800138000")

    def attempt(value, openid=ALICE, **kwargs):
        return lambda: actions.check_code(
            account=plain_account, openid=openid, identity=identity(**kwargs), code=value
        )

    for left in (4, 3, 2, 1):
        refusal = refused(attempt(wrong(code)), "wrong_code")
        assert f"{left} more tr" in refusal.message
    last = refused(attempt(wrong(code)), "cooling_down")
    assert "15 minutes" in last.message

    # Even the right code is refused now, and no new code can be asked for: by this openid, or for
    # this phone by another openid.
    refused(attempt(code), "cooling_down")
    refused(lambda: send(plain_account), "cooling_down")
    clock.shift(dt.timedelta(minutes=2))
    refused(lambda: send(plain_account, openid=BOB), "cooling_down")
    refused(lambda: send(plain_account, phone="13900139000"), "cooling_down")
    assert len(sms_outbox) == 1

    # The cool-down is in the database: what another process would read.
    guards = SmsGuard.objects.filter(account=plain_account)
    assert {g.kind for g in guards if g.locked_until == START + dt.timedelta(minutes=15)} == {
        "openid",
        "phone",
    }

    clock.shift(dt.timedelta(minutes=13, seconds=1))
    send(plain_account)
    actions.check_code(
        account=plain_account, openid=ALICE, identity=identity(), code=last_code("13800138000")
    )


def test_wrong_codes_long_ago_are_forgiven(plain_account, clock):
    for _ in range(4):
        send(plain_account)
        code = last_code("13800138000")
        refused(
            lambda c=code: actions.check_code(
                account=plain_account, openid=ALICE, identity=identity(), code=wrong(c)
            ),
            "wrong_code",
        )
        clock.shift(dt.timedelta(minutes=16))
    send(plain_account)
    refusal = refused(
        lambda: actions.check_code(
            account=plain_account,
            openid=ALICE,
            identity=identity(),
            code=wrong(last_code("13800138000")),
        ),
        "wrong_code",
    )
    assert "4 more tries" in refusal.message


@pytest.mark.parametrize("value", ["", "12345", "abcdef", "1234567"])
def test_a_malformed_code_is_refused_without_counting(plain_account, clock, value):
    send(plain_account)
    refused(
        lambda: actions.check_code(
            account=plain_account, openid=ALICE, identity=identity(), code=value
        ),
        "invalid_code",
    )
    assert not SmsGuard.objects.filter(failures__gt=0).exists()


def test_no_gateway_configured_refuses_clearly(plain_account, settings, clock):
    settings.NOTIFICATIONS_SMS_GATEWAY = ""
    refusal = refused(lambda: send(plain_account), "sms_unavailable")
    assert refusal.status == 503
    assert not SmsChallenge.objects.exists()


class BrokenGateway:
    def send(self, phone, text):
        raise ConnectionError("provider down")


def test_a_failing_gateway_leaves_no_usable_code(plain_account, settings, clock):
    settings.NOTIFICATIONS_SMS_GATEWAY = f"{__name__}.BrokenGateway"
    refused(lambda: send(plain_account), "sms_failed")
    assert SmsChallenge.objects.get().closed_at == timezone.now()


def test_bad_input_names_the_field(plain_account):
    for kwargs, field in (
        ({"name": " "}, "name"),
        ({"id_number": "110105194912310021"}, "id_number"),
        ({"phone": "12345"}, "phone"),
    ):
        with pytest.raises(AppError) as refusal:
            identity(**kwargs)
        assert refusal.value.extra["field"] == field
    assert identity(phone="+86 138 0013 8000").phone == "13800138000"
