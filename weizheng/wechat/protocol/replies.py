"""Passive replies (XML answered on the callback) and their customer-service API equivalents."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Article",
    "EmptyReply",
    "ImageReply",
    "MusicReply",
    "NewsReply",
    "Reply",
    "TextReply",
    "TransferCustomerServiceReply",
    "VideoReply",
    "VoiceReply",
    "cdata",
    "render_reply",
    "to_custom_message",
]

MAX_NEWS_ARTICLES = 8
# The customer-service API answers 45008 for more than one article.
MAX_CUSTOM_NEWS_ARTICLES = 1

# Characters XML 1.0 forbids anywhere (even in CDATA): WeChat rejects the whole reply for one.
_ILLEGAL_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """Drop characters that XML 1.0 cannot carry."""
    return _ILLEGAL_XML_CHARS.sub("", value)


def cdata(value: str) -> str:
    """Wrap text in CDATA, splitting any ``]]>`` so user text cannot close the section."""
    value = xml_text(value).replace("]]>", "]]]]><![CDATA[>")
    return f"<![CDATA[{value}]]>"


@dataclass(frozen=True, slots=True)
class Reply:
    """Base class of every passive reply."""


@dataclass(frozen=True, slots=True)
class TextReply(Reply):
    content: str


@dataclass(frozen=True, slots=True)
class ImageReply(Reply):
    media_id: str


@dataclass(frozen=True, slots=True)
class VoiceReply(Reply):
    media_id: str


@dataclass(frozen=True, slots=True)
class VideoReply(Reply):
    media_id: str
    title: str = ""
    description: str = ""
    # Only the customer-service API uses it; the passive reply has no thumbnail field.
    thumb_media_id: str = ""


@dataclass(frozen=True, slots=True)
class MusicReply(Reply):
    title: str
    description: str
    music_url: str
    hq_music_url: str
    thumb_media_id: str


@dataclass(frozen=True, slots=True)
class Article:
    title: str
    description: str
    pic_url: str
    url: str


@dataclass(frozen=True, slots=True)
class NewsReply(Reply):
    """1 to 8 articles (WeChat allows only 1 when answering a user's message, 8 for events)."""

    articles: tuple[Article, ...]

    def __post_init__(self) -> None:
        articles = tuple(self.articles)
        if not 1 <= len(articles) <= MAX_NEWS_ARTICLES:
            raise ValueError(f"a news reply needs 1 to {MAX_NEWS_ARTICLES} articles")
        object.__setattr__(self, "articles", articles)


@dataclass(frozen=True, slots=True)
class TransferCustomerServiceReply(Reply):
    """Hand the conversation to the customer-service desk (optionally to one agent)."""

    kf_account: str | None = None


@dataclass(frozen=True, slots=True)
class EmptyReply(Reply):
    """No reply: renders as an empty body; the gateway decides between "" and "success"."""


def _media(tag: str, media_id: str) -> str:
    return f"<{tag}><MediaId>{cdata(media_id)}</MediaId></{tag}>"


def _body(reply: Reply) -> tuple[str, str]:
    """Return (MsgType, the type-specific XML elements)."""
    if isinstance(reply, TextReply):
        return "text", f"<Content>{cdata(reply.content)}</Content>"
    if isinstance(reply, ImageReply):
        return "image", _media("Image", reply.media_id)
    if isinstance(reply, VoiceReply):
        return "voice", _media("Voice", reply.media_id)
    if isinstance(reply, VideoReply):
        return "video", (
            f"<Video><MediaId>{cdata(reply.media_id)}</MediaId>"
            f"<Title>{cdata(reply.title)}</Title>"
            f"<Description>{cdata(reply.description)}</Description></Video>"
        )
    if isinstance(reply, MusicReply):
        return "music", (
            f"<Music><Title>{cdata(reply.title)}</Title>"
            f"<Description>{cdata(reply.description)}</Description>"
            f"<MusicUrl>{cdata(reply.music_url)}</MusicUrl>"
            f"<HQMusicUrl>{cdata(reply.hq_music_url)}</HQMusicUrl>"
            f"<ThumbMediaId>{cdata(reply.thumb_media_id)}</ThumbMediaId></Music>"
        )
    if isinstance(reply, NewsReply):
        items = "".join(
            f"<item><Title>{cdata(a.title)}</Title>"
            f"<Description>{cdata(a.description)}</Description>"
            f"<PicUrl>{cdata(a.pic_url)}</PicUrl><Url>{cdata(a.url)}</Url></item>"
            for a in reply.articles
        )
        return (
            "news",
            f"<ArticleCount>{len(reply.articles)}</ArticleCount><Articles>{items}</Articles>",
        )
    if isinstance(reply, TransferCustomerServiceReply):
        extra = ""
        if reply.kf_account:
            extra = f"<TransInfo><KfAccount>{cdata(reply.kf_account)}</KfAccount></TransInfo>"
        return "transfer_customer_service", extra
    raise TypeError(f"cannot render {type(reply).__name__}")


def render_reply(reply: Reply, *, to_user: str, from_user: str, create_time: int) -> str:
    """Render the passive-reply XML; ``to_user`` is the citizen's openid (already swapped)."""
    if isinstance(reply, EmptyReply):
        return ""
    if type(create_time) is not int or create_time < 0:
        raise ValueError("create_time must be a non-negative int")
    msg_type, body = _body(reply)
    return (
        f"<xml><ToUserName>{cdata(to_user)}</ToUserName>"
        f"<FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{create_time}</CreateTime>"
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>{body}</xml>"
    )


def to_custom_message(reply: Reply, *, openid: str) -> dict[str, Any]:
    """Build the JSON body of ``/cgi-bin/message/custom/send`` carrying the same content."""
    if isinstance(reply, TextReply):
        return {"touser": openid, "msgtype": "text", "text": {"content": reply.content}}
    if isinstance(reply, ImageReply | VoiceReply):
        kind = "image" if isinstance(reply, ImageReply) else "voice"
        return {"touser": openid, "msgtype": kind, kind: {"media_id": reply.media_id}}
    if isinstance(reply, VideoReply):
        video = {
            "media_id": reply.media_id,
            "thumb_media_id": reply.thumb_media_id,
            "title": reply.title,
            "description": reply.description,
        }
        return {"touser": openid, "msgtype": "video", "video": video}
    if isinstance(reply, MusicReply):
        music = {
            "title": reply.title,
            "description": reply.description,
            "musicurl": reply.music_url,
            "hqmusicurl": reply.hq_music_url,
            "thumb_media_id": reply.thumb_media_id,
        }
        return {"touser": openid, "msgtype": "music", "music": music}
    if isinstance(reply, NewsReply):
        if len(reply.articles) > MAX_CUSTOM_NEWS_ARTICLES:
            raise ValueError("the customer-service API sends one news article at most (45008)")
        articles = [
            {"title": a.title, "description": a.description, "url": a.url, "picurl": a.pic_url}
            for a in reply.articles
        ]
        return {"touser": openid, "msgtype": "news", "news": {"articles": articles}}
    raise ValueError(f"{type(reply).__name__} cannot be sent as a customer-service message")
