"""The composer's form: the fields of a draft, turned into the dict the actions take."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weizheng.followers.models import Follower, FollowerTag
from weizheng.wechat.models import OfficialAccount

from .models import AudienceKind, Broadcast, LocationKind, MessageType

COMMON_LANGUAGES = ("zh_CN", "zh_TW", "zh_HK", "en")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def language_choices(account: OfficialAccount) -> list[tuple[str, str]]:
    found = set(
        Follower.objects.filter(account=account, is_subscribed=True)
        .exclude(language="")
        .order_by()
        .values_list("language", flat=True)
        .distinct()[:50]
    )
    return [(code, code) for code in sorted(found | set(COMMON_LANGUAGES))]


class BroadcastForm(forms.Form):
    title = forms.CharField(label=_("Title (staff only)"), max_length=100)
    message_type = forms.ChoiceField(label=_("Message type"), choices=MessageType.choices)
    text = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    media_id = forms.CharField(
        label=_("Media id"),
        required=False,
        max_length=200,
        help_text=_(
            "Image and voice: the media id of media uploaded to WeChat. Video: an mpvideo media id "
            "(media/uploadvideo). Articles: the media id of uploaded articles (mpnews)."
        ),
    )
    audience_kind = forms.ChoiceField(
        label=_("Audience"), choices=AudienceKind.choices, widget=forms.RadioSelect
    )
    tag_ids = forms.MultipleChoiceField(
        label=_("Tags (any of them)"), required=False, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"), required=False, widget=forms.CheckboxSelectMultiple
    )
    followed_from = forms.DateField(
        label=_("First followed from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    followed_until = forms.DateField(
        label=_("First followed until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    first_scene = forms.CharField(
        label=_("QR scene of the first follow"), required=False, max_length=64
    )
    location_kind = forms.ChoiceField(
        label=_("Last location"), choices=LocationKind.choices, required=False
    )
    location_label = forms.CharField(label=_("Place name"), required=False, max_length=60)
    latitude = forms.FloatField(label=_("Centre latitude"), required=False)
    longitude = forms.FloatField(label=_("Centre longitude"), required=False)
    radius_m = forms.FloatField(label=_("Radius (metres)"), required=False)
    south = forms.FloatField(label=_("South edge (latitude)"), required=False)
    west = forms.FloatField(label=_("West edge (longitude)"), required=False)
    north = forms.FloatField(label=_("North edge (latitude)"), required=False)
    east = forms.FloatField(label=_("East edge (longitude)"), required=False)
    openid_file = forms.FileField(
        label=_("OpenID list (CSV or text)"),
        required=False,
        help_text=_("One OpenID per line (or separated by commas). Replaces an earlier list."),
    )
    scheduled_at = forms.DateTimeField(
        label=_("Send at (Beijing time)"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: at once after the final approval."),
    )

    def __init__(self, *args: Any, account: OfficialAccount, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["tag_ids"].choices = [
            (str(t.pk), t.name)
            for t in FollowerTag.objects.filter(account=account).order_by("name")
        ]
        self.fields["languages"].choices = language_choices(account)

    def clean_openid_file(self) -> Any:
        upload = self.cleaned_data.get("openid_file")
        if upload and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload

    def data_for_action(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "openid_file"}
        data["location_kind"] = data.get("location_kind") or ""
        scheduled = data.get("scheduled_at")
        if scheduled is not None and timezone.is_naive(scheduled):
            data["scheduled_at"] = timezone.make_aware(scheduled)
        return data

    def uploaded_text(self) -> str | None:
        upload = self.cleaned_data.get("openid_file")
        if not upload:
            return None
        return upload.read().decode("utf-8-sig", errors="replace")


def initial_from(broadcast: Broadcast) -> dict[str, Any]:
    fields = (
        "title message_type text media_id audience_kind languages followed_from followed_until "
        "first_scene location_kind location_label latitude longitude radius_m south west north east"
    ).split()
    initial = {f: getattr(broadcast, f) for f in fields}
    initial["tag_ids"] = [str(pk) for pk in broadcast.tags.values_list("pk", flat=True)]
    if broadcast.scheduled_at:
        initial["scheduled_at"] = timezone.localtime(broadcast.scheduled_at).strftime(
            "%Y-%m-%dT%H:%M"
        )
    return initial
