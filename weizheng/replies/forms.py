"""The back-office forms of automatic replies. They parse input; the actions validate it (as
WeChat would) and the refusal is put back on the field it concerns."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weizheng.core.errors import AppError

from .actions import CONTENT_FIELDS, TEXT_REPLY_MAX_BYTES
from .models import MatchMode, ReplyContent, ReplyType

ARTICLE_FIELDS = ("title", "description", "url", "pic_url")
ARTICLE_LABELS = {
    "title": _("Title"),
    "description": _("Description"),
    "url": _("Link"),
    "pic_url": _("Picture URL"),
}
# The content fields each reply type uses; the others are emptied when saved, so a switched type
# leaves nothing behind.
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    ReplyType.TEXT: ("text",),
    ReplyType.IMAGE: ("media_id",),
    ReplyType.VOICE: ("media_id",),
    ReplyType.VIDEO: ("media_id", "title", "description"),
    ReplyType.MUSIC: ("title", "description", "music_url", "hq_music_url", "thumb_media_id"),
    ReplyType.NEWS: ("articles",),
}
# Which field an action's refusal concerns, by its code.
ERROR_FIELDS = {
    "bad_reply_type": "reply_type",
    "empty_text": "text",
    "text_too_long": "text",
    "missing_media": "media_id",
    "missing_music": "music_url",
    "bad_match": "match",
    "empty_pattern": "pattern",
    "bad_regex": "pattern",
    "slow_regex": "pattern",
    "half_hours": "active_until",
    "key_empty": "key",
    "key_too_long": "key",
}


class ReplyContentForm(forms.Form):
    """What to answer: one of WeChat's passive reply types, articles as numbered slots."""

    max_articles = 1

    reply_type = forms.ChoiceField(
        label=_("Reply with"), choices=ReplyType.choices, initial=ReplyType.TEXT
    )
    text = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "data-byte-limit": TEXT_REPLY_MAX_BYTES}),
        help_text=_(
            "Up to 2,048 bytes (about 680 Chinese characters); a link may be written as"
            ' <a href="https://…">text</a>.'
        ),
    )
    media_id = forms.CharField(
        label=_("Media ID"),
        required=False,
        max_length=128,
        help_text=_("The media_id of a file in the account's media library."),
    )
    title = forms.CharField(label=_("Title"), required=False, max_length=64)
    description = forms.CharField(label=_("Description"), required=False, max_length=200)
    music_url = forms.URLField(
        label=_("Music URL"), required=False, max_length=200, assume_scheme="https"
    )
    hq_music_url = forms.URLField(
        label=_("High-quality music URL"), required=False, max_length=200, assume_scheme="https"
    )
    thumb_media_id = forms.CharField(label=_("Thumbnail media ID"), required=False, max_length=128)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number in range(1, self.max_articles + 1):
            for field in ARTICLE_FIELDS:
                self.fields[f"a{number}-{field}"] = forms.CharField(
                    label=ARTICLE_LABELS[field],
                    required=False,
                    max_length=64 if field == "title" else 1024,
                )

    @classmethod
    def initial_from(cls, content: ReplyContent) -> dict[str, Any]:
        initial: dict[str, Any] = {field: getattr(content, field) for field in CONTENT_FIELDS}
        for number, article in enumerate(initial.pop("articles") or [], start=1):
            for field in ARTICLE_FIELDS:
                initial[f"a{number}-{field}"] = article.get(field, "")
        return initial

    def article_slots(self) -> list[dict[str, Any]]:
        """The article slots for the template: number and bound fields."""
        return [
            {
                "number": number,
                "fields": [self[f"a{number}-{field}"] for field in ARTICLE_FIELDS],
            }
            for number in range(1, self.max_articles + 1)
        ]

    @property
    def settings_fields(self) -> list[forms.BoundField]:
        """The fields about when the reply is given (the form's field_order), before the content."""
        return [self[field] for field in (self.field_order or [])]

    @property
    def content_fields(self) -> list[forms.BoundField]:
        return [self[field] for field in CONTENT_FIELDS if field not in ("reply_type", "articles")]

    def content(self) -> dict[str, Any]:
        """The reply content for the actions: the fields of its type, the others emptied."""
        data = self.cleaned_data
        kind = data.get("reply_type") or ReplyType.TEXT
        used = TYPE_FIELDS.get(kind, ())
        content: dict[str, Any] = {"reply_type": kind}
        for field in CONTENT_FIELDS:
            if field in ("reply_type", "articles"):
                continue
            value = data.get(field) or ""
            content[field] = value if field in used else ""
        articles = []
        if "articles" in used:
            for number in range(1, self.max_articles + 1):
                article = {
                    field: (data.get(f"a{number}-{field}") or "").strip()
                    for field in ARTICLE_FIELDS
                }
                if any(article.values()):
                    articles.append(article)
        content["articles"] = articles
        return content

    def add_refusal(self, error: AppError) -> None:
        """Put an action's refusal on the field it concerns (the whole form when unsure)."""
        field: str | None = ERROR_FIELDS.get(error.code)
        article = error.extra.get("article")
        if article and error.extra.get("field") in ARTICLE_FIELDS:
            # The action numbers the articles it was given: the filled slots, in order.
            filled = [
                number
                for number in range(1, self.max_articles + 1)
                if any(self.cleaned_data.get(f"a{number}-{f}") for f in ARTICLE_FIELDS)
            ]
            if 0 < article <= len(filled):
                field = f"a{filled[article - 1]}-{error.extra['field']}"
        if field is not None and field not in self.fields:
            field = None
        self.add_error(field, error.message)


class KeywordRuleForm(ReplyContentForm):
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=60,
        help_text=_("Shown to staff only; the keyword when left empty."),
    )
    match = forms.ChoiceField(label=_("Match"), choices=MatchMode.choices, initial=MatchMode.EXACT)
    pattern = forms.CharField(
        label=_("Keyword or pattern"),
        required=False,
        max_length=200,
        help_text=_(
            "A regular expression is searched anywhere in the text, e.g. ^查进度\\s*(\\w+)$."
        ),
    )
    priority = forms.IntegerField(
        label=_("Priority"),
        min_value=0,
        max_value=1_000_000,
        initial=100,
        help_text=_("Lower numbers are tried first."),
    )
    active_from = forms.TimeField(
        label=_("Active from"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    active_until = forms.TimeField(
        label=_("Active until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("Leave both empty for all day; 18:00 to 08:30 spans the night."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    field_order = [
        "name",
        "match",
        "pattern",
        "priority",
        "active_from",
        "active_until",
        "is_active",
    ]

    def data_for_action(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data.get("name") or "",
            "match": data.get("match"),
            "pattern": data.get("pattern") or "",
            "priority": data.get("priority") if data.get("priority") is not None else 100,
            "active_from": data.get("active_from"),
            "active_until": data.get("active_until"),
            "is_active": bool(data.get("is_active")),
            **self.content(),
        }


class GreetingForm(ReplyContentForm):
    max_articles = 8

    scene = forms.CharField(
        label=_("QR scene"),
        required=False,
        max_length=64,
        help_text=_("The scene of the QR code (qrscene_…); empty for the default greeting."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    field_order = ["scene", "is_active"]

    def __init__(self, *args: Any, scene_is_fixed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if scene_is_fixed:
            # A greeting belongs to its scene: another scene is another greeting.
            self.fields["scene"].disabled = True


class ButtonReplyForm(ReplyContentForm):
    key = forms.CharField(
        label=_("Menu button key"),
        max_length=128,
        help_text=_("The key of a menu button that sends a key (CLICK), e.g. POLICE_CONTACT."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    field_order = ["key", "is_active"]

    def __init__(self, *args: Any, key_is_fixed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if key_is_fixed:
            self.fields["key"].disabled = True


class DefaultReplyForm(ReplyContentForm):
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    field_order = ["is_active"]


class ReplyTestForm(forms.Form):
    """The "test this rule" box: a message and, optionally, the (Beijing) time it is sent at."""

    text = forms.CharField(label=_("A follower sends"), max_length=2000, strip=False)
    at = forms.TimeField(
        label=_("at"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("Now when empty."),
    )

    def moment(self) -> datetime:
        """Today (Beijing) at the time given, or now."""
        at: time | None = self.cleaned_data.get("at")
        now = timezone.localtime()
        if at is None:
            return now
        return now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
