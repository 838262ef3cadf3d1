"""Golden and adversarial tests of callback signatures and safe-mode AES."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from wechatpy.crypto import WeChatCrypto

from weizheng.wechat.protocol import (
    DecryptError,
    MessageCrypto,
    ProtocolError,
    SignatureError,
    XMLError,
    check_signature,
    parse_message,
    parse_xml,
    sha1_signature,
)

# V1: wechatpy's test vector (WECHAT.md).
V1_TOKEN = "123456"
V1_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
V1_APPID = "wx49f0ab532d5d035a"
V1_TIMESTAMP = "1411525903"
V1_NONCE = "461056294"
V1_SIGNATURE = "74d92dfeb87ba7c714f89d98870ae5eb62dff26d"
V1_ENCRYPT = (
    "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrs"
    "TyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+"
    "BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7"
    "vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dS"
    "hyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
)

# V2: Tencent's official sample constants, as used in EasyWeChat's tests (WECHAT.md).
V2_TOKEN = "pamtest"
V2_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
V2_APPID = "wxb11529c136998cb6"
V2_TIMESTAMP = "1458300676"
V2_NONCE = "260774613"
V2_SIGNATURE = "4f3ad57b6989f09f4eb392acce4f9e93942ed890"
V2_ENCRYPT = (
    "rTNFcsut4LfGuAFKEUVVpwcaCOTJzOd9twZdIW910jb3k+iicx2uvhttIZ3Qg9Qgty3BEF2xbOrz6boTfb30dMomcg"
    "rkTqdFPwnhqbk+kIQ7rZiwny9D7NUrTgA5kpX3KsZvrXzUZyP2x9YOlxbgm572lmxKvM7HAQQhIQ/p6HBmoY30bGX"
    "FK0BtIu1pW9TjhOYrLQoU18nWYjWqDA1ynkmOytpv7QRI1P1+0NoxL0q2zO1DgeSvnE8CZGo/o5Ap/WHK5W2RAsinp"
    "zN4/LjPnmB6U01I5XCoJoC0GK/yMZycd2Oh8Nq6+wBkC1U85oy0ktOY4nLvsQMLrourmMGdZHuTbqpeJ8Ao/5PRYJ+"
    "WBvRUwPfGKBL2+2IKZF49vAJqkcGWSHGE76ZN2erXeuNazf/o9o3lIE3q739o4c8t9QGPe31GT2Go/rOz1BsrASwva"
    "uNulCh+++yz+CQzBIuikA=="
)

TEXT_XML = (
    "<xml><ToUserName><![CDATA[gh_2f1c9a7e3b45]]></ToUserName>"
    "<FromUserName><![CDATA[oVx3Rs4k2PZ_citizen]]></FromUserName>"
    "<CreateTime>1718000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[请问社保卡怎么补办？]]></Content><MsgId>24612345678901234</MsgId></xml>"
)


@pytest.fixture
def v1() -> MessageCrypto:
    return MessageCrypto(V1_TOKEN, V1_KEY, V1_APPID)


@pytest.fixture
def v2() -> MessageCrypto:
    return MessageCrypto(V2_TOKEN, V2_KEY, V2_APPID)


def _raw_ciphertext(crypto: MessageCrypto, plain: bytes) -> str:
    """AES-CBC encrypt ``plain`` as-is (no padding added), to craft malformed payloads."""
    key = crypto.key
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def _framed(crypto: MessageCrypto, message: bytes, appid: bytes | None = None) -> bytes:
    appid = crypto.appid.encode() if appid is None else appid
    return b"R" * 16 + struct.pack(">I", len(message)) + message + appid


# --- signatures ---


def test_sha1_signature_matches_the_v1_msg_signature() -> None:
    assert sha1_signature(V1_TOKEN, V1_TIMESTAMP, V1_NONCE, V1_ENCRYPT) == V1_SIGNATURE


def test_sha1_signature_sorts_its_parts() -> None:
    expected = hashlib.sha1(b"123abc", usedforsecurity=False).hexdigest()
    assert sha1_signature("c", "a", "b", "123") == expected
    assert sha1_signature("abc", "123") == expected


def test_check_signature_accepts_the_get_check() -> None:
    joined = "".join(sorted(["tok", "1718000000", "8842"])).encode()
    signature = hashlib.sha1(joined, usedforsecurity=False).hexdigest()
    check_signature("tok", "1718000000", "8842", signature)


def test_check_signature_rejects_a_wrong_signature_with_403() -> None:
    signature = sha1_signature("tok", "1718000000", "8842")
    with pytest.raises(SignatureError) as info:
        check_signature("tok", "1718000000", "8843", signature)
    assert info.value.reason == "bad_signature"
    assert info.value.status == 403
    assert isinstance(info.value, ProtocolError)


@pytest.mark.parametrize(
    ("token", "timestamp", "nonce", "signature"),
    [
        ("", "1718000000", "8842", "x"),
        ("tok", "", "8842", "x"),
        ("tok", "1718000000", "", "x"),
        ("tok", "1718000000", "8842", ""),
        ("tok", "1718000000", "8842", None),
    ],
)
def test_check_signature_rejects_missing_values(
    token: str, timestamp: str, nonce: str, signature: str
) -> None:
    with pytest.raises(SignatureError):
        check_signature(token, timestamp, nonce, signature)


def test_check_signature_rejects_non_ascii_signature_without_crashing() -> None:
    with pytest.raises(SignatureError):
        check_signature("tok", "1718000000", "8842", "签名")


def test_signature_checks_use_a_constant_time_compare(
    monkeypatch: pytest.MonkeyPatch, v1: MessageCrypto
) -> None:
    calls: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(hmac, "compare_digest", spy)
    check_signature("tok", "1", "2", sha1_signature("tok", "1", "2"))
    v1.verify_msg_signature(V1_TIMESTAMP, V1_NONCE, V1_ENCRYPT, V1_SIGNATURE)
    assert len(calls) == 2


# --- golden vectors ---


def test_decrypts_v1_wechatpy_vector(v1: MessageCrypto) -> None:
    plain = v1.decrypt_message({"Encrypt": V1_ENCRYPT}, V1_TIMESTAMP, V1_NONCE, V1_SIGNATURE)
    fields = parse_xml(plain)
    assert fields["Content"] == "test"
    assert fields["FromUserName"] == "messense"
    assert fields["MsgId"] == "4363689963896700987"
    message = parse_message(fields)
    assert message.kind == "text"
    assert message.dedupe_key() == "m:4363689963896700987"


def test_v1_with_another_nonce_fails_the_signature(v1: MessageCrypto) -> None:
    with pytest.raises(SignatureError) as info:
        v1.decrypt_message(V1_ENCRYPT, V1_TIMESTAMP, "461056293", V1_SIGNATURE)
    assert info.value.status == 403


def test_decrypts_v2_official_sample_vector(v2: MessageCrypto) -> None:
    plain = v2.decrypt_message(V2_ENCRYPT, V2_TIMESTAMP, V2_NONCE, V2_SIGNATURE)
    fields = parse_xml(plain)
    assert fields["ToUserName"] == "asdasdasd"
    assert fields["FromUserName"] == "asdasdasdsadasd"
    assert fields["CreateTime"] == "1234567898"
    assert fields["MsgType"] == "text"
    assert fields["Content"] == "hello"
    assert fields["MsgId"] == "12345"


@pytest.mark.parametrize(
    "appid", ["wx0000000000000000", "wxb11529c136998cb", "wxb11529c136998cb60"]
)
def test_decrypt_rejects_foreign_appid(appid: str) -> None:
    crypto = MessageCrypto(V2_TOKEN, V2_KEY, appid)
    with pytest.raises(DecryptError) as info:
        crypto.decrypt_message(V2_ENCRYPT, V2_TIMESTAMP, V2_NONCE, V2_SIGNATURE)
    assert info.value.reason == "appid_mismatch"
    assert info.value.status == 400


def test_decrypt_message_accepts_the_raw_callback_body(v2: MessageCrypto) -> None:
    body = (
        f"<xml><ToUserName><![CDATA[{V2_APPID}]]></ToUserName>"
        f"<Encrypt><![CDATA[{V2_ENCRYPT}]]></Encrypt></xml>"
    ).encode()
    plain = v2.decrypt_message(body, V2_TIMESTAMP, V2_NONCE, V2_SIGNATURE)
    assert parse_xml(plain)["Content"] == "hello"


def test_decrypt_message_requires_an_encrypt_field(v2: MessageCrypto) -> None:
    with pytest.raises(XMLError) as info:
        v2.decrypt_message({"ToUserName": V2_APPID}, V2_TIMESTAMP, V2_NONCE, V2_SIGNATURE)
    assert info.value.reason == "missing_field"


def test_verify_msg_signature_is_not_the_plain_signature(v1: MessageCrypto) -> None:
    # The most reported bug: checking msg_signature against sha1(token, timestamp, nonce).
    plain_signature = sha1_signature(V1_TOKEN, V1_TIMESTAMP, V1_NONCE)
    with pytest.raises(SignatureError):
        v1.verify_msg_signature(V1_TIMESTAMP, V1_NONCE, V1_ENCRYPT, plain_signature)


def test_verify_msg_signature_rejects_a_tampered_ciphertext(v1: MessageCrypto) -> None:
    tampered = "A" + V1_ENCRYPT[1:]
    with pytest.raises(SignatureError):
        v1.verify_msg_signature(V1_TIMESTAMP, V1_NONCE, tampered, V1_SIGNATURE)


# --- construction ---


@pytest.mark.parametrize("key", ["short", V1_KEY[:-1], V1_KEY + "AAAA", "!" * 43, ""])
def test_crypto_rejects_a_key_that_is_not_32_bytes(key: str) -> None:
    with pytest.raises(ValueError):
        MessageCrypto(V1_TOKEN, key, V1_APPID)


def test_crypto_repr_hides_the_key(v1: MessageCrypto) -> None:
    assert V1_KEY not in repr(v1)
    assert "wx49f0ab532d5d035a" in repr(v1)


# --- encryption ---


def test_encrypt_then_decrypt_round_trips_chinese_text(v1: MessageCrypto) -> None:
    encrypted = v1.encrypt(TEXT_XML.encode())
    assert v1.decrypt(encrypted) == TEXT_XML.encode()


def test_encrypt_is_deterministic_given_random16(v1: MessageCrypto) -> None:
    first = v1.encrypt(b"<xml/>", random16=b"0123456789abcdef")
    assert first == v1.encrypt(b"<xml/>", random16=b"0123456789abcdef")
    assert first != v1.encrypt(b"<xml/>", random16=b"fedcba9876543210")
    assert first != v1.encrypt(b"<xml/>")


def test_encrypt_rejects_random16_of_the_wrong_size(v1: MessageCrypto) -> None:
    with pytest.raises(ValueError):
        v1.encrypt(b"<xml/>", random16=b"short")


@pytest.mark.parametrize("size", [0, 1, 11, 12, 13, 44, 100])
def test_encrypt_pads_to_32_byte_blocks(v1: MessageCrypto, size: int) -> None:
    # 16 + 4 + len(appid)=18 bytes of framing: size 12 fills a block, so it gets a full pad block.
    ciphertext = base64.b64decode(v1.encrypt(b"x" * size))
    assert len(ciphertext) % 32 == 0
    assert len(ciphertext) > 16 + 4 + size + 18
    assert v1.decrypt(base64.b64encode(ciphertext).decode()) == b"x" * size


def test_encrypt_reply_builds_a_signed_envelope(v1: MessageCrypto) -> None:
    envelope = v1.encrypt_reply(TEXT_XML, timestamp="1718000001", nonce="5531")
    fields = parse_xml(envelope.encode())
    assert set(fields) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert fields["TimeStamp"] == "1718000001"
    assert fields["Nonce"] == "5531"
    assert fields["MsgSignature"] == sha1_signature(
        V1_TOKEN, "1718000001", "5531", fields["Encrypt"]
    )
    assert v1.decrypt_message(fields, "1718000001", "5531", fields["MsgSignature"]) == (
        TEXT_XML.encode()
    )


def test_encrypt_reply_rejects_a_non_numeric_timestamp(v1: MessageCrypto) -> None:
    with pytest.raises(ValueError):
        v1.encrypt_reply(TEXT_XML, timestamp="1</TimeStamp>", nonce="5531")


# --- interoperability with wechatpy ---


def test_decrypts_what_wechatpy_encrypts(v1: MessageCrypto) -> None:
    theirs = WeChatCrypto(V1_TOKEN, V1_KEY, V1_APPID)
    envelope = theirs.encrypt_message(TEXT_XML, "7788", "1718000002")
    fields = parse_xml(envelope.encode())
    plain = v1.decrypt_message(fields, "1718000002", "7788", fields["MsgSignature"])
    assert plain.decode() == TEXT_XML


def test_wechatpy_decrypts_what_we_encrypt(v1: MessageCrypto) -> None:
    theirs = WeChatCrypto(V1_TOKEN, V1_KEY, V1_APPID)
    envelope = v1.encrypt_reply(TEXT_XML, timestamp="1718000003", nonce="9911")
    signature = parse_xml(envelope.encode())["MsgSignature"]
    assert theirs.decrypt_message(envelope, signature, "1718000003", "9911") == TEXT_XML


# --- strict decryption ---


@pytest.mark.parametrize("value", ["not base64!!", "QUJDRA=", "QUJD\nRA==", "QUJD RA==", "Ａ" * 4])
def test_decrypt_rejects_bad_base64(v1: MessageCrypto, value: str) -> None:
    with pytest.raises(DecryptError) as info:
        v1.decrypt(value)
    assert info.value.reason == "bad_base64"
    assert info.value.status == 400


@pytest.mark.parametrize("size", [0, 3, 15, 17, 31, 33])
def test_decrypt_rejects_ciphertext_that_is_not_whole_blocks(v1: MessageCrypto, size: int) -> None:
    with pytest.raises(DecryptError) as info:
        v1.decrypt(base64.b64encode(b"\x00" * size).decode())
    assert info.value.reason == "bad_length"
    assert info.value.status == 400


@pytest.mark.parametrize("pad", [0, 33, 255])
def test_decrypt_rejects_pad_byte_out_of_range(v1: MessageCrypto, pad: int) -> None:
    plain = _framed(v1, b"<xml/>")
    plain += b"\x00" * (32 - len(plain) % 32)
    plain = plain[:-1] + bytes([pad])
    with pytest.raises(DecryptError) as info:
        v1.decrypt(_raw_ciphertext(v1, plain))
    assert info.value.reason == "bad_padding"


def test_decrypt_rejects_inconsistent_pad_bytes(v1: MessageCrypto) -> None:
    plain = _framed(v1, b"<xml/>")
    pad = 32 - len(plain) % 32
    assert pad > 2
    plain += bytes([pad]) * (pad - 2) + bytes([pad - 1, pad])
    with pytest.raises(DecryptError) as info:
        v1.decrypt(_raw_ciphertext(v1, plain))
    assert info.value.reason == "bad_padding"


def test_decrypt_rejects_a_pad_longer_than_the_plaintext(v1: MessageCrypto) -> None:
    with pytest.raises(DecryptError) as info:
        v1.decrypt(_raw_ciphertext(v1, bytes([32]) * 16))
    assert info.value.reason == "bad_padding"


def test_decrypt_rejects_a_length_field_past_the_payload(v1: MessageCrypto) -> None:
    plain = b"R" * 16 + struct.pack(">I", 10_000) + b"<xml/>" + V1_APPID.encode()
    pad = 32 - len(plain) % 32
    with pytest.raises(DecryptError) as info:
        v1.decrypt(_raw_ciphertext(v1, plain + bytes([pad]) * pad))
    assert info.value.reason == "bad_length"


def test_decrypt_rejects_a_payload_without_a_length_field(v1: MessageCrypto) -> None:
    plain = b"R" * 16 + b"\x01" + bytes([15]) * 15
    with pytest.raises(DecryptError) as info:
        v1.decrypt(_raw_ciphertext(v1, plain))
    assert info.value.reason == "bad_length"


def test_decrypt_rejects_appid_with_extra_bytes(v1: MessageCrypto) -> None:
    plain = _framed(v1, b"<xml/>", appid=V1_APPID.encode() + b"x")
    pad = 32 - len(plain) % 32
    with pytest.raises(DecryptError) as info:
        v1.decrypt(_raw_ciphertext(v1, plain + bytes([pad]) * pad))
    assert info.value.reason == "appid_mismatch"


def test_decrypt_accepts_a_well_framed_crafted_payload(v1: MessageCrypto) -> None:
    plain = _framed(v1, "<xml>办事</xml>".encode())
    pad = 32 - len(plain) % 32
    assert v1.decrypt(_raw_ciphertext(v1, plain + bytes([pad]) * pad)) == "<xml>办事</xml>".encode()
