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
    media_asset = forms.IntegerField(label=_("File from the media library"), required=False)
    # The picked articles in their order, comma-separated (the composer's script keeps it in
    # the order they were ticked); `article_pick` are the ticked boxes themselves.
    article_ids = forms.CharField(label=_("Articles"), required=False, max_length=400)
    video_title = forms.CharField(
        label=_("Video title (followers see it)"), required=False, max_length=64
    )
    video_description = forms.CharField(
        label=_("Video description"), required=False, max_length=120
    )
    media_id = forms.CharField(
        label=_("Media id"),
        required=False,
        max_length=200,
        help_text=_(
            "Instead of a pick, a media id WeChat already holds. Image and voice: a permanent "
            "material id (material/add_material). Video: an mpvideo media id "
            "(media/uploadvideo). Articles: an mpnews media id (media/uploadnews, valid 3 days)."
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

    def clean_article_ids(self) -> list[int]:
        """The picked articles in order: the ticked boxes (when the picker was on the page),
        in the order the script kept, the others after them as they appear."""
        ordered = [
            int(v)
            for v in (self.cleaned_data.get("article_ids") or "").split(",")
            if v.strip().isdigit()
        ]
        if not self.data.get("article_picker"):
            return list(dict.fromkeys(ordered))
        ticked = [int(v) for v in self.data.getlist("article_pick") if str(v).isdigit()]
        first = [i for i in ordered if i in ticked]
        return list(dict.fromkeys(first + ticked))

    def data_for_action(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "openid_file"}
        data["location_kind"] = data.get("location_kind") or ""
        scheduled = data.get("scheduled_at")
        if scheduled is not None and timezone.is_naive(scheduled):
            data["scheduled_at"] = timezone.make_aware(scheduled)
        return data

    def picked_article_ids(self) -> list[int]:
        """What the picker shows ticked, in order."""
        if self.is_bound:
            if hasattr(self, "cleaned_data") and "article_ids" in self.cleaned_data:
                return list(self.cleaned_data["article_ids"])
            return [int(v) for v in self.data.getlist("article_pick") if str(v).isdigit()]
        raw = str(self.initial.get("article_ids") or "")
        return [int(v) for v in raw.split(",") if v.isdigit()]

    def picked_asset_id(self) -> int | None:
        value = self["media_asset"].value()
        try:
            return int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None

    def uploaded_text(self) -> str | None:
        upload = self.cleaned_data.get("openid_file")
        if not upload:
            return None
        return upload.read().decode("utf-8-sig", errors="replace")


def initial_from(broadcast: Broadcast) -> dict[str, Any]:
    fields = (
        "title message_type text media_id video_title video_description audience_kind languages "
        "followed_from followed_until first_scene location_kind location_label latitude "
        "longitude radius_m south west north east"
    ).split()
    initial = {f: getattr(broadcast, f) for f in fields}
    initial["media_asset"] = broadcast.media_asset_id
    initial["article_ids"] = ",".join(
        str(pk) for pk in broadcast.articles.order_by("position").values_list("item_id", flat=True)
    )
    initial["tag_ids"] = [str(pk) for pk in broadcast.tags.values_list("pk", flat=True)]
    if broadcast.scheduled_at:
        initial["scheduled_at"] = timezone.localtime(broadcast.scheduled_at).strftime(
            "%Y-%m-%dT%H:%M"
        )
    return initial
