"""The router: which handler answers which message."""

import pytest

from weizheng.wechat.protocol.messages import parse_message
from weizheng.wechat.protocol.replies import TextReply
from weizheng.wechat.router import HandlerContext, Router


def message(msg_type="text", **fields):
    base = {
        "ToUserName": "gh_1",
        "FromUserName": "o1",
        "CreateTime": "1700000000",
        "MsgType": msg_type,
    }
    if msg_type == "text":
        base["MsgId"] = "1"
    base.update(fields)
    return parse_message(base)


def answer(router, msg):
    reply = router.dispatch(HandlerContext(account=None, message=msg))
    return reply.content if reply else None


def reply_with(text):
    return lambda ctx: TextReply(content=text)


@pytest.mark.parametrize(
    ("mode", "pattern", "text", "hit"),
    [
        ("exact", "帮助", " 帮助 ", True),
        ("exact", "帮助", "帮助我", False),
        ("prefix", "查进度", "查进度 WZ2026001", True),
        ("prefix", "查进度", "请查进度", False),
        ("contains", "公积金", "住房公积金怎么提取", True),
        ("regex", r"^查政策\s+\S+", "查政策 公积金提取", True),
        ("regex", r"^查政策\s+\S+", "查政策", False),
    ],
)
def test_keyword_modes(mode, pattern, text, hit):
    router = Router()
    router.keyword(pattern, match=mode)(reply_with("hit"))
    assert answer(router, message(Content=text)) == ("hit" if hit else None)


def test_regex_that_does_not_compile_is_refused_at_registration():
    with pytest.raises(ValueError, match="does not compile"):
        Router().keyword("([", match="regex")


def test_specific_handlers_beat_generic_ones_of_equal_priority():
    router = Router()
    router.on("text")(reply_with("generic"))
    router.keyword("你好")(reply_with("keyword"))
    assert answer(router, message(Content="你好")) == "keyword"
    assert answer(router, message(Content="别的")) == "generic"


def test_lower_priority_number_runs_first_and_none_falls_through():
    router = Router()
    router.on("text", priority=1000)(reply_with("fallback"))
    router.on("text", priority=10)(lambda ctx: None)
    assert answer(router, message(Content="x")) == "fallback"


def test_observers_run_for_every_match_before_replies():
    seen = []
    router = Router()
    router.on("event:subscribe")(reply_with("欢迎"))
    router.observe("event:subscribe")(
        lambda ctx: seen.append("observer") or TextReply(content="ignored")
    )
    assert answer(router, message("event", Event="subscribe", EventKey="")) == "欢迎"
    assert seen == ["observer"]


def test_menu_key_routes_click_events():
    router = Router()
    router.menu("GUIDE")(reply_with("便民指南"))
    assert answer(router, message("event", Event="CLICK", EventKey="GUIDE")) == "便民指南"
    assert answer(router, message("event", Event="CLICK", EventKey="OTHER")) is None


def test_scene_routes_first_follow_and_scan_alike():
    router = Router()
    router.scene("expo:", prefix=True)(lambda ctx: TextReply(content=f"签到 {ctx.message.scene}"))
    router.scene("police-hall")(reply_with("办事大厅"))
    follow = message("event", Event="subscribe", EventKey="qrscene_expo:hall-3", Ticket="t")
    scan = message("event", Event="SCAN", EventKey="expo:hall-5", Ticket="t")
    hall = message("event", Event="SCAN", EventKey="police-hall", Ticket="t")
    assert answer(router, follow) == "签到 expo:hall-3"
    assert answer(router, scan) == "签到 expo:hall-5"
    assert answer(router, hall) == "办事大厅"


def test_a_failing_observer_does_not_stop_the_reply():
    router = Router()

    def broken(ctx):
        raise RuntimeError("bookkeeping failed")

    router.observe("text")(broken)
    router.on("text")(reply_with("照常回复"))
    assert answer(router, message(Content="x")) == "照常回复"
