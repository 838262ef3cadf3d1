"""What reaches the phone, as chat bubbles: one shape for passive replies (WeChat's reply XML,
parsed) and for pushed messages (customer-service, template, mass: the API's JSON bodies).

A bubble is a dict with `id`, `channel`, `type` and the fields of its type:
text {text}; image {src}; voice {src}; video {src, title, description};
music {title, description, url}; news {articles: [{title, description, pic_url, url}]};
template {title, rows: [{name, value}], url}; menu {head, options: [{id, text}], tail};
notice {kind, text} for what a bubble cannot show (an article by media id, a Mini Program card,
an unknown type). The browser shows every string as text, never as HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MediaUrl = Callable[[str], str]


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _passive(msgtype: str, reply: dict[str, Any], media_url: MediaUrl) -> dict[str, Any]:
    """A passive reply, as the mock parsed WeChat's reply XML."""
    if msgtype == "text":
        return {"type": "text", "text": _s(reply.get("Content"))}
    if msgtype in ("image", "voice"):
        media = _dict(reply.get(msgtype.capitalize()))
        return {"type": msgtype, "src": media_url(_s(media.get("MediaId")))}
    if msgtype == "video":
        video = _dict(reply.get("Video"))
        return {
            "type": "video",
            "src": media_url(_s(video.get("MediaId"))),
            "title": _s(video.get("Title")),
            "description": _s(video.get("Description")),
        }
    if msgtype == "music":
        music = _dict(reply.get("Music"))
        return {
            "type": "music",
            "title": _s(music.get("Title")),
            "description": _s(music.get("Description")),
            "url": _s(music.get("MusicUrl") or music.get("HQMusicUrl")),
        }
    if msgtype == "news":
        items = _list(_dict(reply.get("Articles")).get("item"))
        return {
            "type": "news",
            "articles": [
                {
                    "title": _s(a.get("Title")),
                    "description": _s(a.get("Description")),
                    "pic_url": _s(a.get("PicUrl")),
                    "url": _s(a.get("Url")),
                }
                for a in items
                if isinstance(a, dict)
            ],
        }
    return {"type": "notice", "kind": msgtype, "text": ""}


def _pushed(
    msgtype: str, payload: dict[str, Any], media_url: MediaUrl, templates: dict[str, str]
) -> dict[str, Any]:
    """A customer-service, template or mass message, as the API body that sent it."""
    body = _dict(payload.get(msgtype))
    if msgtype == "template":
        data = _dict(payload.get("data"))
        return {
            "type": "template",
            "title": templates.get(_s(payload.get("template_id")), ""),
            "rows": [
                {"name": name, "value": _s(_dict(value).get("value"))}
                for name, value in data.items()
            ],
            "url": _s(payload.get("url")),
        }
    if msgtype == "text":
        return {"type": "text", "text": _s(body.get("content"))}
    if msgtype in ("image", "voice"):
        media_id = body.get("media_id") or _list(_dict(payload.get("images")).get("media_ids"))[:1]
        if isinstance(media_id, list):
            media_id = media_id[0] if media_id else ""
        return {"type": msgtype, "src": media_url(_s(media_id))}
    if msgtype in ("video", "mpvideo"):
        return {
            "type": "video",
            "src": media_url(_s(body.get("media_id"))),
            "title": _s(body.get("title")),
            "description": _s(body.get("description")),
        }
    if msgtype == "music":
        return {
            "type": "music",
            "title": _s(body.get("title")),
            "description": _s(body.get("description")),
            "url": _s(body.get("musicurl") or body.get("hqmusicurl")),
        }
    if msgtype == "news":
        return {
            "type": "news",
            "articles": [
                {
                    "title": _s(a.get("title")),
                    "description": _s(a.get("description")),
                    "pic_url": _s(a.get("picurl")),
                    "url": _s(a.get("url")),
                }
                for a in _list(body.get("articles"))
                if isinstance(a, dict)
            ],
        }
    if msgtype == "mpnews" and _list(body.get("articles")):
        # A broadcast of uploaded articles: the mock hands back what media/uploadnews stored.
        return {
            "type": "news",
            "articles": [
                {
                    "title": _s(a.get("title")),
                    "description": _s(a.get("digest")),
                    "pic_url": media_url(_s(a.get("thumb_media_id"))),
                    "url": _s(a.get("content_source_url")),
                }
                for a in _list(body.get("articles"))
                if isinstance(a, dict)
            ],
        }
    if msgtype in ("mpnews", "mpnewsarticle"):
        return {
            "type": "notice",
            "kind": "article",
            "text": _s(body.get("media_id") or body.get("article_id")),
        }
    if msgtype == "msgmenu":
        return {
            "type": "menu",
            "head": _s(body.get("head_content")),
            "options": [
                {"id": _s(o.get("id")), "text": _s(o.get("content"))}
                for o in _list(body.get("list"))
                if isinstance(o, dict)
            ],
            "tail": _s(body.get("tail_content")),
        }
    if msgtype == "miniprogrampage":
        return {"type": "notice", "kind": "miniprogram", "text": _s(body.get("title"))}
    return {"type": "notice", "kind": msgtype, "text": ""}


def bubble(
    delivered: dict[str, Any], *, media_url: MediaUrl, templates: dict[str, str] | None = None
) -> dict[str, Any]:
    """One delivery of the mock platform (`/_control/apps/<appid>/delivered`) as a bubble."""
    channel = _s(delivered.get("channel"))
    msgtype = _s(delivered.get("msgtype"))
    payload = _dict(delivered.get("payload"))
    if channel == "passive":
        shaped = _passive(msgtype, payload, media_url)
    else:
        shaped = _pushed(msgtype, payload, media_url, templates or {})
    return {"id": delivered.get("id"), "channel": channel, **shaped}
