"""Typed inbound messages and events, built from the dict parse_xml returns.

``Message`` is the base of everything WeChat posts; ``UserMessage`` (has ``msg_id``) and ``Event``
split it. Every object gives a ``kind`` for dispatch, a ``dedupe_key`` for the unique row that
claims it, and ``log_fields`` for the interaction log.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .errors import XMLError

__all__ = [
    "ClickEvent",
    "Event",
    "ImageMessage",
    "LinkMessage",
    "LocationEvent",
    "LocationMessage",
    "LocationSelectEvent",
    "MassSendJobFinishEvent",
    "Message",
    "PicEvent",
    "ScanCodeEvent",
    "ScanEvent",
    "ShortVideoMessage",
    "SubscribeEvent",
    "TemplateSendJobFinishEvent",
    "TextMessage",
    "UnknownEvent",
    "UnknownMessage",
    "UnsubscribeEvent",
    "UserMessage",
    "VideoMessage",
    "VoiceMessage",
    "ViewEvent",
    "parse_message",
]

LogValue = str | int | float
MAX_DEDUPE_KEY = 255
_QR_SCENE_PREFIX = "qrscene_"


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """Fields common to every inbound message and event."""

    to_user: str
    from_user: str
    create_time: int
    msg_type: str
    # The parsed dict, for handlers needing a field we do not model; excluded from eq/hash.
    raw: dict[str, Any] = field(compare=False, repr=False)

    is_known: ClassVar[bool] = True
    _log: ClassVar[tuple[str, ...]] = ()

    @property
    def kind(self) -> str:
        return self.msg_type

    def dedupe_key(self) -> str:
        raise NotImplementedError

    def log_fields(self) -> dict[str, LogValue]:
        """Key fields for the interaction log (never the raw dict); None values are left out."""
        fields: dict[str, LogValue] = {}
        for name in self._log:
            value = getattr(self, name)
            if value is not None:
                fields[name] = value
        return fields


def _bounded(key: str) -> str:
    # Keys live in a 255-char unique column; hashing the whole key keeps long ones distinct.
    if len(key) <= MAX_DEDUPE_KEY:
        return key
    digest = hashlib.sha1(key.encode("utf-8", "surrogatepass"), usedforsecurity=False)
    return key[:200] + "#" + digest.hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class UserMessage(Message):
    """A message a user sent; WeChat retries it with the same MsgId."""

    msg_id: str

    def dedupe_key(self) -> str:
        return _bounded("m:" + self.msg_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class TextMessage(UserMessage):
    content: str
    _log: ClassVar[tuple[str, ...]] = ("msg_id", "content")


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageMessage(UserMessage):
    pic_url: str
    media_id: str
    _log: ClassVar[tuple[str, ...]] = ("msg_id", "pic_url", "media_id")


@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceMessage(UserMessage):
    media_id: str
    format: str
    recognition: str = ""
    _log: ClassVar[tuple[str, ...]] = ("msg_id", "media_id", "format", "recognition")


@dataclass(frozen=True, slots=True, kw_only=True)
class VideoMessage(UserMessage):
    media_id: str
    thumb_media_id: str
    _log: ClassVar[tuple[str, ...]] = ("msg_id", "media_id", "thumb_media_id")


@dataclass(frozen=True, slots=True, kw_only=True)
class ShortVideoMessage(UserMessage):
    media_id: str
    thumb_media_id: str
    _log: ClassVar[tuple[str, ...]] = ("msg_id", "media_id", "thumb_media_id")


@dataclass(frozen=True, slots=True, kw_only=True)
class LocationMessage(UserMessage):
    latitude: float
    longitude: float
    scale: int
    label: str
    _log: ClassVar[tuple[str, ...]] = ("msg_id", "latitude", "longitude", "scale", "label")


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkMessage(UserMessage):
    title: str
    description: str
    url: str
    _log: ClassVar[tuple[str, ...]] = ("msg_id", "title", "description", "url")


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownMessage(UserMessage):
    """A MsgType we do not model; ``msg_id`` may be empty."""

    is_known: ClassVar[bool] = False
    _log: ClassVar[tuple[str, ...]] = ("msg_id", "msg_type")

    def dedupe_key(self) -> str:
        if self.msg_id:
            return _bounded("m:" + self.msg_id)
        return _bounded(f"u:{self.from_user}:{self.create_time}:{self.msg_type}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Event(Message):
    """An event push; ``event`` is lower-cased, ``event_key`` is the raw EventKey or ""."""

    event: str
    event_key: str

    @property
    def kind(self) -> str:
        return "event:" + self.event

    def dedupe_key(self) -> str:
        # WECHAT.md rule 8: all four parts, or distinct events merge (WxJava #333, #2231).
        return _bounded(f"e:{self.from_user}:{self.create_time}:{self.event}:{self.event_key}")


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscribeEvent(Event):
    """A follow; ``scene`` is set when it came from a parametric QR code (qrscene_<scene>)."""

    scene: str | None
    ticket: str | None
    _log: ClassVar[tuple[str, ...]] = ("scene", "ticket")


@dataclass(frozen=True, slots=True, kw_only=True)
class UnsubscribeEvent(Event):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanEvent(Event):
    """An existing follower scanned a parametric QR code; ``scene`` is the raw EventKey."""

    scene: str
    ticket: str | None
    _log: ClassVar[tuple[str, ...]] = ("scene", "ticket")


@dataclass(frozen=True, slots=True, kw_only=True)
class LocationEvent(Event):
    latitude: float
    longitude: float
    precision: float
    _log: ClassVar[tuple[str, ...]] = ("latitude", "longitude", "precision")


@dataclass(frozen=True, slots=True, kw_only=True)
class ClickEvent(Event):
    key: str
    _log: ClassVar[tuple[str, ...]] = ("key",)


@dataclass(frozen=True, slots=True, kw_only=True)
class ViewEvent(Event):
    url: str
    menu_id: str | None
    _log: ClassVar[tuple[str, ...]] = ("url", "menu_id")


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanCodeEvent(Event):
    """scancode_push and scancode_waitmsg."""

    key: str
    scan_type: str
    scan_result: str
    _log: ClassVar[tuple[str, ...]] = ("key", "scan_type", "scan_result")


@dataclass(frozen=True, slots=True, kw_only=True)
class PicEvent(Event):
    """pic_sysphoto, pic_photo_or_album and pic_weixin."""

    key: str
    count: int
    pic_md5_list: tuple[str, ...]
    _log: ClassVar[tuple[str, ...]] = ("key", "count")


@dataclass(frozen=True, slots=True, kw_only=True)
class LocationSelectEvent(Event):
    key: str
    latitude: float
    longitude: float
    scale: int
    label: str
    poiname: str
    _log: ClassVar[tuple[str, ...]] = ("key", "latitude", "longitude", "scale", "label", "poiname")


@dataclass(frozen=True, slots=True, kw_only=True)
class MassSendJobFinishEvent(Event):
    msg_id: str
    status: str
    total_count: int
    filter_count: int
    sent_count: int
    error_count: int
    _log: ClassVar[tuple[str, ...]] = (
        "msg_id",
        "status",
        "total_count",
        "filter_count",
        "sent_count",
        "error_count",
    )

    def dedupe_key(self) -> str:
        return _bounded(Event.dedupe_key(self) + ":" + self.msg_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateSendJobFinishEvent(Event):
    msg_id: str
    status: str
    _log: ClassVar[tuple[str, ...]] = ("msg_id", "status")

    def dedupe_key(self) -> str:
        return _bounded(Event.dedupe_key(self) + ":" + self.msg_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownEvent(Event):
    is_known: ClassVar[bool] = False
    _log: ClassVar[tuple[str, ...]] = ("event",)


# --- field readers: missing required field -> missing_field, unparsable value -> bad_field ---


def _str(fields: Mapping[str, Any], name: str, *, required: bool = False) -> str:
    value = fields.get(name)
    if value is None:
        if required:
            raise XMLError("missing_field", name)
        return ""
    if not isinstance(value, str):
        raise XMLError("bad_field", f"{name} is not text")
    if required and not value:
        raise XMLError("missing_field", name)
    return value


def _opt(fields: Mapping[str, Any], name: str) -> str | None:
    return _str(fields, name) or None


def _uint(fields: Mapping[str, Any], name: str) -> int:
    value = _str(fields, name, required=True)
    # isascii+isdigit: int() would also accept " 1", "+1", "1_0" and non-ASCII digits.
    if not (value.isascii() and value.isdigit()):
        raise XMLError("bad_field", f"{name} is not an unsigned integer")
    return int(value)


def _digits(fields: Mapping[str, Any], name: str) -> str:
    # Ids stay text (64-bit, used in keys) but must still be plain digits.
    _uint(fields, name)
    return str(fields[name])


def _float(fields: Mapping[str, Any], name: str) -> float:
    value = _str(fields, name, required=True)
    try:
        number = float(value)
    except ValueError:
        raise XMLError("bad_field", f"{name} is not a number") from None
    if not math.isfinite(number):
        raise XMLError("bad_field", f"{name} is not finite")
    return number


def _sub(fields: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = fields.get(name)
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise XMLError("bad_field", f"{name} is not a structure")
    return value


# --- builders: (fields, common kwargs) -> object ---

_Builder = Callable[[Mapping[str, Any], dict[str, Any]], Message]


def _text(f: Mapping[str, Any], c: dict[str, Any]) -> Message:
    return TextMessage(**c, content=_str(f, "Content"))


def _image(f: Mapping[str, Any], c: dict[str, Any]) -> Message:
    return ImageMessage(**c, pic_url=_str(f, "PicUrl"), media_id=_str(f, "MediaId"))


def _voice(f: Mapping[str, Any], c: dict[str, Any]) -> Message:
    return VoiceMessage(
        **c,
        media_id=_str(f, "MediaId"),
        format=_str(f, "Format"),
        recognition=_str(f, "Recognition"),
    )


def _video(f: Mapping[str, Any], c: dict[str, Any]) -> Message:
    return VideoMessage(**c, media_id=_str(f, "MediaId"), thumb_media_id=_str(f, "ThumbMediaId"))


def _shortvideo(f: Mapping[str, Any], c: dict[str, Any]) -> Message:
    return ShortVideoMessage(
        **c, media_id=_str(f, "MediaId"), thumb_media_id=_str(f, "ThumbMediaId")
    )


def _location(f: Mapping[str, Any], c: dict[str, Any]) -> Message:
    return LocationMessage(
        **c,
        latitude=_float(f, "Location_X"),
        longitude=_float(f, "Location_Y"),
        scale=_uint(f, "Scale"),
        label=_str(f, "Label"),
    )


def _link(f: Mapping[str, Any], c: dict[str, Any]) -> Message:
    return LinkMessage(
        **c, title=_str(f, "Title"), description=_str(f, "Description"), url=_str(f, "Url")
    )


_MESSAGE_BUILDERS: dict[str, _Builder] = {
    "text": _text,
    "image": _image,
    "voice": _voice,
    "video": _video,
    "shortvideo": _shortvideo,
    "location": _location,
    "link": _link,
}


def _subscribe(f: Mapping[str, Any], c: dict[str, Any]) -> Message:
    key = c["event_key"]
    scene = key[len(_QR_SCENE_PREFIX) :] if key.startswith(_QR_SCENE_PREFIX) else None
    return SubscribeEvent(**c, scene=scene or None, ticket=_opt(f, "Ticket"))


def _unsubscribe(f: Mapping[str, Any], c: dict[str, Any]) -> Message:
    return UnsubscribeEvent(**c)


def _scan(f: Mapping[str, Any], c: dict[str, Any]) -> Message:
    return ScanEvent(**c, scene=c["event_key"], ticket=_opt(f, "Ticket"))


def _location_event(f: Mapping[str, Any], c: dict[str, Any]) -> Message:
    return LocationEvent(
        **c,
        latitude=_float(f, "Latitude"),
        longitude=_float(f, "Longitude"),
        precision=_float(f, "Precision"),
    )


def _click(f: Mapping[str, Any], c: dict[str, Any]) -> Message:
    return ClickEvent(**c, key=c["event_key"])


def _view(f: Mapping[str, Any], c: dict[str, Any]) -> Message:
    return ViewEvent(**c, url=c["event_key"], menu_id=_opt(f, "MenuId"))


def _scancode(f: Mapping[str, Any], c: dict[str, Any]) -> Message:
    info = _sub(f, "ScanCodeInfo")
    return ScanCodeEvent(
        **c,
        key=c["event_key"],
        scan_type=_str(info, "ScanType"),
        scan_result=_str(info, "ScanResult"),
    )


def _pic(f: Mapping[str, Any], c: dict[str, Any]) -> Message:
    info = _sub(f, "SendPicsInfo")
    items = _sub(info, "PicList").get("item", [])
    if isinstance(items, dict):  # a dict not from parse_xml may hold a single item
        items = [items]
    md5s = tuple(_str(item, "PicMd5Sum") if isinstance(item, dict) else "" for item in items)
    count = _uint(info, "Count") if "Count" in info else len(md5s)
    return PicEvent(**c, key=c["event_key"], count=count, pic_md5_list=md5s)


def _location_select(f: Mapping[str, Any], c: dict[str, Any]) -> Message:
    info = _sub(f, "SendLocationInfo")
    return LocationSelectEvent(
        **c,
        key=c["event_key"],
        latitude=_float(info, "Location_X"),
        longitude=_float(info, "Location_Y"),
        scale=_uint(info, "Scale"),
        label=_str(info, "Label"),
        poiname=_str(info, "Poiname"),
    )


def _job_msg_id(f: Mapping[str, Any]) -> str:
    # The docs spell it MsgID in these two events; accept MsgId too.
    return _digits(f, "MsgID" if "MsgID" in f else "MsgId")


def _masssend(f: Mapping[str, Any], c: dict[str, Any]) -> Message:
    return MassSendJobFinishEvent(
        **c,
        msg_id=_job_msg_id(f),
        status=_str(f, "Status"),
        total_count=_uint(f, "TotalCount"),
        filter_count=_uint(f, "FilterCount"),
        sent_count=_uint(f, "SentCount"),
        error_count=_uint(f, "ErrorCount"),
    )


def _templatesend(f: Mapping[str, Any], c: dict[str, Any]) -> Message:
    return TemplateSendJobFinishEvent(**c, msg_id=_job_msg_id(f), status=_str(f, "Status"))


_EVENT_BUILDERS: dict[str, _Builder] = {
    "subscribe": _subscribe,
    "unsubscribe": _unsubscribe,
    "scan": _scan,
    "location": _location_event,
    "click": _click,
    "view": _view,
    "scancode_push": _scancode,
    "scancode_waitmsg": _scancode,
    "pic_sysphoto": _pic,
    "pic_photo_or_album": _pic,
    "pic_weixin": _pic,
    "location_select": _location_select,
    "masssendjobfinish": _masssend,
    "templatesendjobfinish": _templatesend,
}


def parse_message(fields: Mapping[str, Any]) -> Message:
    """Build the typed message or event; raises XMLError (missing_field, bad_field)."""
    common: dict[str, Any] = {
        "to_user": _str(fields, "ToUserName", required=True),
        "from_user": _str(fields, "FromUserName", required=True),
        "create_time": _uint(fields, "CreateTime"),
        "msg_type": _str(fields, "MsgType", required=True).lower(),
        "raw": fields if isinstance(fields, dict) else dict(fields),
    }
    if common["msg_type"] == "event":
        common["event"] = _str(fields, "Event", required=True).lower()
        common["event_key"] = _str(fields, "EventKey")
        builder = _EVENT_BUILDERS.get(common["event"])
        if builder is None:
            return UnknownEvent(**common)
        return builder(fields, common)

    builder = _MESSAGE_BUILDERS.get(common["msg_type"])
    if builder is None:
        msg_id = _digits(fields, "MsgId") if fields.get("MsgId") else ""
        return UnknownMessage(**common, msg_id=msg_id)
    return builder(fields, {**common, "msg_id": _digits(fields, "MsgId")})
