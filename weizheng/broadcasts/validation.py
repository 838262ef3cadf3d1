"""What a broadcast must satisfy before anything is sent: WeChat's limits on the message, a
schedule that is not in the past, an audience that reaches somebody. Pure checks; each problem is
a full sentence naming the field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AudienceKind, LocationKind, MessageType

# WeChat's docs give no byte limit for the text of a mass message; we refuse what the
# customer-service API refuses (2,048 bytes of UTF-8) and the mock answers 45002 beyond it.
MAX_TEXT_BYTES = 2048
MAX_MEDIA_ID_LENGTH = 200
# mass/send takes 2 to 10,000 openids per call.
MAX_OPENIDS_PER_CALL = 10_000
MIN_OPENIDS_PER_CALL = 2
MAX_RADIUS_M = 200_000
# A schedule this close to now counts as "at once" rather than "in the past".
SCHEDULE_GRACE = timedelta(seconds=60)
# WeChat openids are 28 characters; anything much shorter (a CSV header) is not one.
OPENID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


# media/uploadnews: 1 to 8 articles; WeChat's limits of an article (characters): the title as
# the mass-send console counts it, the content "less than 20,000 characters and 1 MB".
MAX_ARTICLES = 8
ARTICLE_TITLE_MAX = 64
ARTICLE_DIGEST_MAX = 120
ARTICLE_CONTENT_MAX_CHARS = 20_000
ARTICLE_CONTENT_MAX_BYTES = 1024 * 1024
# The library file a broadcast of each type takes.
ASSET_KINDS = {
    MessageType.IMAGE: ("image",),
    MessageType.VOICE: ("voice",),
    MessageType.VIDEO: ("video",),
}


@dataclass(frozen=True)
class ArticleFacts:
    """What the checks need to know of a picked article (a content item)."""

    title: str
    is_published: bool
    has_cover: bool
    content: str


def check_message(
    *,
    message_type: str,
    text: str,
    media_id: str,
    asset_kind: str | None = None,
    articles: list[ArticleFacts] | None = None,
) -> list[Problem]:
    """The message against WeChat's limits. Image, voice and video take a file of the library
    (`asset_kind`: the picked file's kind), news 1–8 published articles; a media id typed by
    hand stands instead of a pick, never beside one."""
    problems: list[Problem] = []
    if message_type not in MessageType.values:
        return [Problem("message_type", _("Choose a message type."))]
    if message_type != MessageType.TEXT:
        picked = bool(articles) if message_type == MessageType.NEWS else asset_kind is not None
        if picked and media_id.strip():
            return [
                Problem(
                    "media_id",
                    _(
                        "Pick from the library or type a media id in the advanced part, not "
                        "both: clear the typed media id."
                    ),
                )
            ]
        if picked:
            if message_type == MessageType.NEWS:
                return check_articles(articles or [])
            return _check_asset_kind(message_type, asset_kind or "")
    if message_type == MessageType.TEXT:
        if not text.strip():
            problems.append(Problem("text", _("A text broadcast needs its text.")))
        size = len(text.encode("utf-8"))
        if size > MAX_TEXT_BYTES:
            problems.append(
                Problem(
                    "text",
                    _(
                        "The text is %(size)d bytes long; WeChat takes at most %(limit)d bytes "
                        "(a Chinese character counts 3)."
                    )
                    % {"size": size, "limit": MAX_TEXT_BYTES},
                )
            )
    else:
        if not media_id.strip():
            if message_type == MessageType.NEWS:
                problems.append(
                    Problem(
                        "article_ids",
                        _(
                            "A news broadcast needs 1 to %(max)d published articles: pick them "
                            "from the list."
                        )
                        % {"max": MAX_ARTICLES},
                    )
                )
            else:
                problems.append(
                    Problem(
                        "media_asset",
                        _(
                            "This %(type)s broadcast needs a file of the media library: pick "
                            "one (upload it to the library first if it is not there)."
                        )
                        % {"type": MessageType(message_type).label.lower()},
                    )
                )
        elif len(media_id) > MAX_MEDIA_ID_LENGTH or not media_id.isprintable():
            problems.append(Problem("media_id", _("This is not a WeChat media id.")))
    return problems


def _check_asset_kind(message_type: str, asset_kind: str) -> list[Problem]:
    if asset_kind in ASSET_KINDS.get(MessageType(message_type), ()):
        return []
    return [
        Problem(
            "media_asset",
            _(
                "This %(type)s broadcast needs a file of the kind “%(type)s”; the picked file is "
                "of the kind “%(kind)s”."
            )
            % {"type": MessageType(message_type).label.lower(), "kind": asset_kind},
        )
    ]


def check_articles(articles: list[ArticleFacts]) -> list[Problem]:
    """1–8 articles, each published, with a cover, within WeChat's limits: a published item
    cannot be edited, so an article over a limit is refused rather than cut."""
    if not articles:
        return [
            Problem(
                "article_ids",
                _("A news broadcast needs 1 to %(max)d published articles.")
                % {"max": MAX_ARTICLES},
            )
        ]
    if len(articles) > MAX_ARTICLES:
        return [
            Problem(
                "article_ids",
                _("WeChat takes at most %(max)d articles in one message; %(count)d are picked.")
                % {"max": MAX_ARTICLES, "count": len(articles)},
            )
        ]
    problems: list[Problem] = []
    for article in articles:
        name = {"title": article.title[:40]}
        if not article.is_published:
            problems.append(
                Problem(
                    "article_ids",
                    _("“%(title)s” is not published (any more); only published articles go out.")
                    % name,
                )
            )
        if len(article.title) > ARTICLE_TITLE_MAX:
            problems.append(
                Problem(
                    "article_ids",
                    _(
                        "The title of “%(title)s…” has %(count)d characters; WeChat takes at "
                        "most %(max)d in an article."
                    )
                    % {**name, "count": len(article.title), "max": ARTICLE_TITLE_MAX},
                )
            )
        if not article.has_cover:
            problems.append(
                Problem(
                    "article_ids",
                    _(
                        "“%(title)s” has no cover image; WeChat needs one for every article "
                        "(policy documents have none: broadcast a news article about them)."
                    )
                    % name,
                )
            )
        size = len(article.content.encode("utf-8"))
        if len(article.content) >= ARTICLE_CONTENT_MAX_CHARS or size >= ARTICLE_CONTENT_MAX_BYTES:
            problems.append(
                Problem(
                    "article_ids",
                    _(
                        "The text of “%(title)s” has %(count)d characters; WeChat takes fewer "
                        "than %(max)d in an article."
                    )
                    % {**name, "count": len(article.content), "max": ARTICLE_CONTENT_MAX_CHARS},
                )
            )
    return problems


def check_schedule(scheduled_at: datetime | None, *, now: datetime | None = None) -> list[Problem]:
    if scheduled_at is None:
        return []
    now = now or timezone.now()
    if scheduled_at < now - SCHEDULE_GRACE:
        return [
            Problem(
                "scheduled_at",
                _("The time to send (%(when)s) has passed; choose a later time or send at once.")
                % {"when": timezone.localtime(scheduled_at).strftime("%Y-%m-%d %H:%M")},
            )
        ]
    return []


def check_segment(data: dict) -> list[Problem]:
    """The criteria of a segment: coordinates in range, a date range the right way round."""
    problems: list[Problem] = []
    if data.get("audience_kind") not in AudienceKind.values:
        problems.append(Problem("audience_kind", _("Choose who receives the broadcast.")))
    start, end = data.get("followed_from"), data.get("followed_until")
    if start and end and start > end:
        problems.append(
            Problem("followed_until", _("The follow-date range ends before it starts."))
        )
    kind = data.get("location_kind") or ""
    if kind == LocationKind.CIRCLE:
        lat, lng, radius = data.get("latitude"), data.get("longitude"), data.get("radius_m")
        if lat is None or lng is None or radius is None:
            problems.append(
                Problem("latitude", _("A radius needs the centre's latitude and longitude."))
            )
        else:
            problems += _coordinates("latitude", lat, 90) + _coordinates("longitude", lng, 180)
            if not 0 < radius <= MAX_RADIUS_M:
                problems.append(
                    Problem(
                        "radius_m",
                        _("The radius is between 1 and %(max)d metres.") % {"max": MAX_RADIUS_M},
                    )
                )
    elif kind == LocationKind.BOX:
        edges = [data.get(k) for k in ("south", "west", "north", "east")]
        if any(e is None for e in edges):
            problems.append(
                Problem("south", _("A district needs its south, west, north and east edges."))
            )
        else:
            south, west, north, east = edges
            problems += _coordinates("south", south, 90) + _coordinates("north", north, 90)
            problems += _coordinates("west", west, 180) + _coordinates("east", east, 180)
            if south >= north or west >= east:
                problems.append(
                    Problem(
                        "north",
                        _(
                            "The district's north edge is above its south edge, and its east edge right of its west edge."
                        ),
                    )
                )
    elif kind:
        problems.append(Problem("location_kind", _("Unknown kind of place.")))
    return problems


def _coordinates(field: str, value: float, limit: float) -> list[Problem]:
    if not -limit <= value <= limit:
        return [Problem(field, _("%(value)s is not a valid coordinate here.") % {"value": value})]
    return []


def check_audience_size(count: int, *, is_to_all: bool) -> list[Problem]:
    if count == 0:
        return [
            Problem(
                "audience_kind",
                _("The audience resolves to nobody: no follower matches every criterion."),
            )
        ]
    if count < MIN_OPENIDS_PER_CALL and not is_to_all:
        return [
            Problem(
                "audience_kind",
                _(
                    "The audience is a single follower; WeChat's mass send needs at least two. "
                    "Send a preview or a customer-service message instead."
                ),
            )
        ]
    return []


def parse_openid_list(raw: str) -> tuple[list[str], int]:
    """OpenIDs from an uploaded CSV or text file: one per line or separated by commas,
    semicolons or spaces; a header or anything that is not an openid is counted as invalid.
    Duplicates are dropped, the order kept."""
    seen: dict[str, None] = {}
    invalid = 0
    for token in re.split(r"[\s,;\"']+", raw):
        if not token:
            continue
        if OPENID_PATTERN.match(token):
            seen.setdefault(token, None)
        else:
            invalid += 1
    return list(seen), invalid
