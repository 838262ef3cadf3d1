"""The callback endpoint /wx/<slug>/ end to end: signatures, modes, refusals, replies."""

from __future__ import annotations

import base64
import time

import pytest
import time_machine
from django.test import Client

from weizheng.wechat.models import InboundMessage, RejectedRequestCount
from weizheng.wechat.protocol.replies import TextReply
from weizheng.wechat.protocol.xmlparse import parse_xml
from weizheng.wechat.testing import (
    decrypt_reply,
    event_xml,
    message_xml,
    plain_signature,
    post_to_callback,
    signed_request,
    text_xml,
)

pytestmark = pytest.mark.django_db(transaction=True)

OPENID = "oPOLICE000000000000000citizen1"


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def echo_router(clean_router):
    """A router that answers every text with 收到：<content> and counts its calls."""
    calls = []

    @clean_router.on("text")
    def echo(ctx):
        calls.append(ctx.message.content)
        return TextReply(content=f"收到：{ctx.message.content}")

    clean_router.calls = calls
    return clean_router


def rejected(reason: str) -> int:
    return sum(RejectedRequestCount.objects.filter(reason=reason).values_list("count", flat=True))


# --- GET URL check ------------------------------------------------------------------------------
def test_url_check_echoes_echostr_verbatim(client, plain_account):
    ts, nonce = str(int(time.time())), "123456"
    sig = plain_signature(plain_account.token, ts, nonce)
    response = client.get(
        f"/wx/police/?signature={sig}&timestamp={ts}&nonce={nonce}&echostr=4913271946581238"
    )
    assert response.status_code == 200
    assert response.content == b"4913271946581238"


def test_url_check_with_a_wrong_signature_is_refused_and_counted(client, plain_account):
    response = client.get("/wx/police/?signature=deadbeef&timestamp=1&nonce=2&echostr=x")
    assert response.status_code == 403
    assert rejected("bad_signature") == 1


def test_unknown_account_is_404(client, db):
    assert client.get("/wx/nobody/?signature=a&timestamp=1&nonce=2&echostr=x").status_code == 404


def test_other_methods_are_not_allowed(client, plain_account):
    assert client.put("/wx/police/").status_code == 405


# --- plain, compatible and safe modes -----------------------------------------------------------
def test_plain_text_message_gets_the_handler_reply_and_is_logged(
    client, plain_account, echo_router
):
    response = post_to_callback(
        client, plain_account, text_xml(plain_account, OPENID, "查进度 123", msg_id="1001")
    )
    assert response.status_code == 200
    reply = parse_xml(response.content)
    assert reply["Content"] == "收到：查进度 123"
    assert reply["ToUserName"] == OPENID
    assert reply["MsgType"] == "text"
    row = InboundMessage.objects.get()
    assert (row.kind, row.openid, row.msg_id, row.status) == ("text", OPENID, "1001", "replied")
    assert row.fields["content"] == "查进度 123"
    assert row.reply == response.content.decode()


def test_safe_mode_decrypts_the_request_and_encrypts_the_reply(client, safe_account, echo_router):
    response = post_to_callback(client, safe_account, text_xml(safe_account, OPENID, "你好"))
    assert response.status_code == 200
    outer = parse_xml(response.content)
    assert set(outer) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    reply = parse_xml(decrypt_reply(safe_account, response.content).encode())
    assert reply["Content"] == "收到：你好"


def test_compatible_mode_uses_the_encrypted_part_and_answers_encrypted(
    client, compatible_account, echo_router
):
    response = post_to_callback(
        client, compatible_account, text_xml(compatible_account, OPENID, "兼容模式")
    )
    assert response.status_code == 200
    reply = parse_xml(decrypt_reply(compatible_account, response.content).encode())
    assert reply["Content"] == "收到：兼容模式"


def test_compatible_mode_still_accepts_plaintext_posts(client, compatible_account, echo_router):
    response = post_to_callback(
        client, compatible_account, text_xml(compatible_account, OPENID, "明文"), encrypt=False
    )
    assert response.status_code == 200
    assert parse_xml(response.content)["Content"] == "收到：明文"


def test_safe_mode_refuses_plaintext_posts(client, safe_account, echo_router):
    response = post_to_callback(
        client, safe_account, text_xml(safe_account, OPENID, "明文"), encrypt=False
    )
    assert response.status_code == 403
    assert InboundMessage.objects.count() == 0
    assert echo_router.calls == []
    assert rejected("plaintext_refused") == 1


# --- golden vectors through HTTP (time frozen at the vectors' timestamps) -----------------------
V1_ENCRYPT = (
    "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7"
    "rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29m"
    "TvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6"
    "En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
)
V2_ENCRYPT = (
    "rTNFcsut4LfGuAFKEUVVpwcaCOTJzOd9twZdIW910jb3k+iicx2uvhttIZ3Qg9Qgty3BEF2xbOrz6boTfb30dMomcgrkTqdFPwnhqbk+kIQ7rZiwny9D7NUrTgA5kpX3"
    "KsZvrXzUZyP2x9YOlxbgm572lmxKvM7HAQQhIQ/p6HBmoY30bGXFK0BtIu1pW9TjhOYrLQoU18nWYjWqDA1ynkmOytpv7QRI1P1+0NoxL0q2zO1DgeSvnE8CZGo/o5Ap"
    "/WHK5W2RAsinpzN4/LjPnmB6U01I5XCoJoC0GK/yMZycd2Oh8Nq6+wBkC1U85oy0ktOY4nLvsQMLrourmMGdZHuTbqpeJ8Ao/5PRYJ+WBvRUwPfGKBL2+2IKZF49vAJq"
    "kcGWSHGE76ZN2erXeuNazf/o9o3lIE3q739o4c8t9QGPe31GT2Go/rOz1BsrASwvauNulCh+++yz+CQzBIuikA=="
)


def _post_vector(client, account, *, timestamp, nonce, msg_signature, encrypt):
    sig = plain_signature(account.token, timestamp, nonce)
    body = (
        f"<xml><ToUserName><![CDATA[x]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    )
    query = f"signature={sig}&timestamp={timestamp}&nonce={nonce}&encrypt_type=aes&msg_signature={msg_signature}"
    return client.post(f"/wx/{account.slug}/?{query}", data=body.encode(), content_type="text/xml")


def test_v1_vector_is_accepted_through_the_callback(client, safe_account, echo_router):
    with time_machine.travel(1411525903 + 10, tick=False):
        response = _post_vector(
            client,
            safe_account,
            timestamp="1411525903",
            nonce="461056294",
            msg_signature="74d92dfeb87ba7c714f89d98870ae5eb62dff26d",
            encrypt=V1_ENCRYPT,
        )
    assert response.status_code == 200
    assert echo_router.calls == ["test"]
    row = InboundMessage.objects.get()
    assert (row.openid, row.msg_id) == ("messense", "4363689963896700987")


def test_v1_vector_with_another_nonce_fails_the_signature(client, safe_account, echo_router):
    with time_machine.travel(1411525903 + 10, tick=False):
        response = _post_vector(
            client,
            safe_account,
            timestamp="1411525903",
            nonce="461056293",
            msg_signature="74d92dfeb87ba7c714f89d98870ae5eb62dff26d",
            encrypt=V1_ENCRYPT,
        )
    assert response.status_code == 403
    assert echo_router.calls == []
    assert InboundMessage.objects.count() == 0


def test_v2_vector_is_accepted_through_the_callback(client, compatible_account, echo_router):
    with time_machine.travel(1458300676, tick=False):
        response = _post_vector(
            client,
            compatible_account,
            timestamp="1458300676",
            nonce="260774613",
            msg_signature="4f3ad57b6989f09f4eb392acce4f9e93942ed890",
            encrypt=V2_ENCRYPT,
        )
    assert response.status_code == 200
    assert echo_router.calls == ["hello"]
    assert InboundMessage.objects.get().openid == "asdasdasdsadasd"


def test_v2_vector_for_another_appid_is_refused(client, safe_account, echo_router):
    # safe_account has V1's appid: V2's payload names wxb11529c136998cb6 and must not decrypt for it.
    from weizheng.wechat.protocol.crypto import sha1_signature

    msg_signature = sha1_signature(safe_account.token, "1458300676", "260774613", V2_ENCRYPT)
    with time_machine.travel(1458300676, tick=False):
        response = _post_vector(
            client,
            safe_account,
            timestamp="1458300676",
            nonce="260774613",
            msg_signature=msg_signature,
            encrypt=V2_ENCRYPT,
        )
    assert response.status_code == 400
    assert echo_router.calls == []


# --- refusals write nothing and run nothing -----------------------------------------------------
def _assert_nothing_happened(router):
    assert InboundMessage.objects.count() == 0
    assert router.calls == []


def test_missing_signature_is_refused(client, plain_account, echo_router):
    body = text_xml(plain_account, OPENID, "x").encode()
    response = client.post(
        f"/wx/police/?timestamp={int(time.time())}&nonce=1", data=body, content_type="text/xml"
    )
    assert response.status_code == 403
    _assert_nothing_happened(echo_router)


def test_forged_signature_is_refused(client, plain_account, echo_router):
    query, body = signed_request(plain_account, text_xml(plain_account, OPENID, "x"))
    query = query.replace("signature=", "signature=0")
    response = client.post(f"/wx/police/?{query}", data=body, content_type="text/xml")
    assert response.status_code == 403
    assert b"bad_signature" in response.content
    _assert_nothing_happened(echo_router)


@pytest.mark.parametrize("offset", [-301, 301])
def test_stale_or_future_timestamp_is_refused(client, plain_account, echo_router, offset):
    ts = str(int(time.time()) + offset)
    response = post_to_callback(
        client, plain_account, text_xml(plain_account, OPENID, "x"), timestamp=ts
    )
    assert response.status_code == 403
    assert rejected("stale_timestamp") == 1
    _assert_nothing_happened(echo_router)


def test_malformed_xml_is_400(client, plain_account, echo_router):
    response = post_to_callback(client, plain_account, "<xml><Content>oops</xml>")
    assert response.status_code == 400
    _assert_nothing_happened(echo_router)


def test_json_body_is_400(client, plain_account, echo_router):
    response = post_to_callback(client, plain_account, '{"msgtype": "text"}')
    assert response.status_code == 400
    _assert_nothing_happened(echo_router)


def test_billion_laughs_is_400(client, plain_account, echo_router):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><xml><Content>&c;</Content></xml>'
    )
    response = post_to_callback(client, plain_account, bomb)
    assert response.status_code == 400
    _assert_nothing_happened(echo_router)


def test_external_entity_is_400(client, plain_account, echo_router):
    xxe = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>'
    response = post_to_callback(client, plain_account, xxe)
    assert response.status_code == 400
    _assert_nothing_happened(echo_router)


def test_missing_required_fields_is_400(client, plain_account, echo_router):
    response = post_to_callback(
        client, plain_account, "<xml><MsgType>text</MsgType><Content>x</Content></xml>"
    )
    assert response.status_code == 400
    _assert_nothing_happened(echo_router)


def test_body_over_the_limit_is_413(client, plain_account, echo_router, settings):
    settings.WECHAT_CALLBACK_MAX_BYTES = 2048
    response = post_to_callback(client, plain_account, text_xml(plain_account, OPENID, "长" * 2000))
    assert response.status_code == 413
    _assert_nothing_happened(echo_router)


def test_wrong_appid_in_ciphertext_is_400(client, safe_account, echo_router):
    from weizheng.wechat.protocol.crypto import MessageCrypto, sha1_signature

    foreign = MessageCrypto(safe_account.token, safe_account.encoding_aes_key, "wx0000000000000000")
    encrypt = foreign.encrypt(text_xml(safe_account, OPENID, "x").encode())
    ts, nonce = str(int(time.time())), "99"
    response = _post_vector(
        client,
        safe_account,
        timestamp=ts,
        nonce=nonce,
        msg_signature=sha1_signature(safe_account.token, ts, nonce, encrypt),
        encrypt=encrypt,
    )
    assert response.status_code == 400
    assert b"appid_mismatch" in response.content
    _assert_nothing_happened(echo_router)


def test_bad_padding_is_400(client, safe_account, echo_router):
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    from weizheng.wechat.protocol.crypto import sha1_signature

    key = base64.b64decode(safe_account.encoding_aes_key + "=")
    plain = b"0" * 16 + b"\x00\x00\x00\x05hello" + safe_account.app_id.encode()
    plain += b"\x00" * (32 - len(plain) % 32)  # a zero pad byte is never valid PKCS#7
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    encrypt = base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()
    ts, nonce = str(int(time.time())), "98"
    response = _post_vector(
        client,
        safe_account,
        timestamp=ts,
        nonce=nonce,
        msg_signature=sha1_signature(safe_account.token, ts, nonce, encrypt),
        encrypt=encrypt,
    )
    assert response.status_code == 400
    assert b"bad_padding" in response.content
    _assert_nothing_happened(echo_router)


def test_forged_msg_signature_is_403(client, safe_account, echo_router):
    query, body = signed_request(safe_account, text_xml(safe_account, OPENID, "x"))
    query = query.replace("msg_signature=", "msg_signature=0")
    response = client.post(f"/wx/safe/?{query}", data=body, content_type="text/xml")
    assert response.status_code == 403
    _assert_nothing_happened(echo_router)


def test_unknown_message_type_gets_an_empty_200_and_is_not_stored(
    client, plain_account, echo_router
):
    response = post_to_callback(
        client, plain_account, message_xml(plain_account, OPENID, "hologram", {"MsgId": 5})
    )
    assert response.status_code == 200
    assert response.content == b""
    _assert_nothing_happened(echo_router)


# --- retries and replays ------------------------------------------------------------------------
def test_a_retry_gets_the_same_bytes_and_the_handler_runs_once(client, plain_account, echo_router):
    xml = text_xml(plain_account, OPENID, "重试", msg_id="2002")
    first = post_to_callback(client, plain_account, xml)
    second = post_to_callback(client, plain_account, xml)  # WeChat re-signs a retry
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert echo_router.calls == ["重试"]
    assert InboundMessage.objects.count() == 1


def test_a_retry_in_safe_mode_gets_identical_encrypted_bytes(client, safe_account, echo_router):
    xml = text_xml(safe_account, OPENID, "安全模式重试", msg_id="2003")
    first = post_to_callback(client, safe_account, xml)
    second = post_to_callback(client, safe_account, xml)
    assert first.content == second.content
    assert echo_router.calls == ["安全模式重试"]


def test_replayed_timestamp_and_nonce_with_the_same_body_is_a_retry(
    client, plain_account, echo_router
):
    xml = text_xml(plain_account, OPENID, "同一请求", msg_id="2004")
    ts = str(int(time.time()))
    first = post_to_callback(client, plain_account, xml, timestamp=ts, nonce="777")
    again = post_to_callback(client, plain_account, xml, timestamp=ts, nonce="777")
    assert again.status_code == 200
    assert again.content == first.content
    assert echo_router.calls == ["同一请求"]


def test_replayed_timestamp_and_nonce_with_another_body_is_forged(
    client, plain_account, echo_router
):
    ts = str(int(time.time()))
    post_to_callback(
        client,
        plain_account,
        text_xml(plain_account, OPENID, "原文", msg_id="2005"),
        timestamp=ts,
        nonce="778",
    )
    forged = post_to_callback(
        client,
        plain_account,
        text_xml(plain_account, OPENID, "篡改", msg_id="2006"),
        timestamp=ts,
        nonce="778",
    )
    assert forged.status_code == 403
    assert b"replayed_nonce" in forged.content
    assert echo_router.calls == ["原文"]
    assert InboundMessage.objects.count() == 1


def test_same_message_id_with_another_body_is_forged(client, plain_account, echo_router):
    post_to_callback(client, plain_account, text_xml(plain_account, OPENID, "原文", msg_id="2007"))
    forged = post_to_callback(
        client, plain_account, text_xml(plain_account, OPENID, "篡改", msg_id="2007")
    )
    assert forged.status_code == 403
    assert echo_router.calls == ["原文"]


def test_events_differing_only_in_event_key_are_not_merged(client, plain_account, clean_router):
    keys = []

    @clean_router.on("event:click")
    def clicked(ctx):
        keys.append(ctx.message.event_key)

    now = int(time.time())
    for key in ("MENU_A", "MENU_B"):
        post_to_callback(
            client,
            plain_account,
            event_xml(plain_account, OPENID, "CLICK", EventKey=key, create_time=now),
        )
    assert keys == ["MENU_A", "MENU_B"]
    assert InboundMessage.objects.count() == 2


# --- replies ------------------------------------------------------------------------------------
def test_cdata_terminator_in_a_reply_is_escaped(client, plain_account, clean_router):
    @clean_router.on("text")
    def tricky(ctx):
        return TextReply(content="a]]><script>b")

    response = post_to_callback(client, plain_account, text_xml(plain_account, OPENID, "x"))
    assert parse_xml(response.content)["Content"] == "a]]><script>b"


def test_no_handler_reply_answers_success(client, plain_account, clean_router):
    response = post_to_callback(client, plain_account, text_xml(plain_account, OPENID, "无人应答"))
    assert response.status_code == 200
    assert response.content == b"success"
    assert InboundMessage.objects.get().status == "replied"


def test_a_failing_handler_answers_success_and_marks_the_row(client, plain_account, clean_router):
    @clean_router.on("text")
    def broken(ctx):
        raise RuntimeError("boom")

    response = post_to_callback(client, plain_account, text_xml(plain_account, OPENID, "x"))
    assert response.status_code == 200
    assert response.content == b"success"
    assert InboundMessage.objects.get().status == "failed"
