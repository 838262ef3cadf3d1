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


def check_message(*, message_type: str, text: str, media_id: str) -> list[Problem]:
    problems: list[Problem] = []
    if message_type not in MessageType.values:
        return [Problem("message_type", _("Choose a message type."))]
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
            problems.append(
                Problem(
                    "media_id",
                    _("A %(type)s broadcast needs the media id of the uploaded %(type)s.")
                    % {"type": MessageType(message_type).label.lower()},
                )
            )
        elif len(media_id) > MAX_MEDIA_ID_LENGTH or not media_id.isprintable():
            problems.append(Problem("media_id", _("This is not a WeChat media id.")))
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
