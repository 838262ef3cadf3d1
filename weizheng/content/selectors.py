"""Reads of the content app: the back-office lists and review queues, the citizen's version of an
item, counts, and the dashboard's "nothing published for 12 days" warning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Max, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from weizheng.core.review import ReviewStatus
from weizheng.wechat.models import OfficialAccount

from .models import Attachment, Item, Kind, Language, MediaAsset, Publication, Relation

# Inspections of government accounts flag two weeks without an update; warn two days earlier.
STALE_AFTER = timedelta(days=12)


# --- the dashboard ----------------------------------------------------------------------------
def last_published_at(*, account: OfficialAccount) -> datetime | None:
    """When the account last published an item that is still published (a retracted one no
    longer shows on its pages)."""
    return Item.objects.filter(account=account, publication=Publication.PUBLISHED).aggregate(
        last=Max("published_at")
    )["last"]


def is_stale(*, account: OfficialAccount, now: datetime | None = None) -> bool:
    """True when the account has published nothing for 12 days (or ever)."""
    last = last_published_at(account=account)
    return last is None or (now or timezone.now()) - last >= STALE_AFTER


# --- the back office --------------------------------------------------------------------------
def access_item(*, account: OfficialAccount, item_id: Any) -> Item:
    """An item of this account, or 404 (another department's item does not exist here)."""
    if not str(item_id).isdigit():
        raise Http404("No such item.")
    item = (
        Item.objects.select_related("account", "author", "cover")
        .filter(account=account, pk=item_id)
        .first()
    )
    if item is None:
        raise Http404("No such item.")
    return item


def access_attachment(*, item: Item, attachment_id: Any) -> Attachment:
    if not str(attachment_id).isdigit():
        raise Http404("No such attachment.")
    attachment = Attachment.objects.filter(item=item, pk=attachment_id).first()
    if attachment is None:
        raise Http404("No such attachment.")
    return attachment


def access_relation(*, item: Item, relation_id: Any) -> Relation:
    if not str(relation_id).isdigit():
        raise Http404("No such link.")
    relation = (
        Relation.objects.select_related("source__account")
        .filter(source=item, pk=relation_id)
        .first()
    )
    if relation is None:
        raise Http404("No such link.")
    return relation


def access_media(*, account: OfficialAccount, media_id: Any) -> MediaAsset:
    if not str(media_id).isdigit():
        raise Http404("No such media file.")
    asset = (
        MediaAsset.objects.select_related("account").filter(account=account, pk=media_id).first()
    )
    if asset is None:
        raise Http404("No such media file.")
    return asset


def items_of(
    *,
    account: OfficialAccount,
    kind: str = "",
    language: str = "",
    review: str = "",
    publication: str = "",
    query: str = "",
) -> QuerySet[Item]:
    """The account's items, filtered as on the list page."""
    items = Item.objects.filter(account=account).select_related("author")
    if kind in Kind.values:
        items = items.filter(kind=kind)
    if language in Language.values:
        items = items.filter(language=language)
    if review in ReviewStatus.values:
        items = items.filter(review_status=review)
    if publication in Publication.values:
        items = items.filter(publication=publication)
    if query:
        items = items.filter(Q(title__icontains=query) | Q(document_number__icontains=query))
    return items.order_by("-updated_at", "-pk")


def review_queue(
    *, account: OfficialAccount, user: Any, permissions: frozenset[str]
) -> dict[str, QuerySet[Item]]:
    """Items waiting for this user: first review (reviewers), final review (approvers); never
    their own, and at the final step not those they reviewed first."""
    mine = Q(author=user) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
    queues: dict[str, QuerySet[Item]] = {}
    base = Item.objects.filter(account=account).exclude(mine).order_by("submitted_at", "pk")
    if "content.review" in permissions:
        queues["first"] = base.filter(review_status=ReviewStatus.FIRST_REVIEW)
    if "content.approve" in permissions:
        queues["final"] = base.filter(review_status=ReviewStatus.FINAL_REVIEW).exclude(
            first_reviewer=user
        )
    return queues


def media_of(*, account: OfficialAccount, kind: str = "") -> QuerySet[MediaAsset]:
    assets = MediaAsset.objects.filter(account=account)
    if kind:
        assets = assets.filter(kind=kind)
    return assets.order_by("-created_at", "-pk")


def versions_of(item: Item) -> list[Item]:
    """Every language version of the item (itself included), Chinese first."""
    return sorted(
        Item.objects.filter(group=item.group), key=lambda i: i.language != Language.ZH_HANS
    )


def relations_of(item: Item) -> dict[str, list[Relation]]:
    return {
        "out": list(item.relations_out.select_related("target").order_by("pk")),
        "in": list(item.relations_in.select_related("source").order_by("pk")),
    }


def totals_of(item: Item) -> dict[str, int]:
    """Reads and shares over all days."""
    sums = item.daily_counts.aggregate(reads=Sum("reads"), shares=Sum("shares"))
    return {"reads": sums["reads"] or 0, "shares": sums["shares"] or 0}


# --- citizens ---------------------------------------------------------------------------------
LANGUAGE_ALIASES = {
    "zh": Language.ZH_HANS,
    "zh-hans": Language.ZH_HANS,
    "zh_cn": Language.ZH_HANS,
    "zh-cn": Language.ZH_HANS,
    "zh_tw": Language.ZH_HANS,
    "zh-hant": Language.ZH_HANS,
    "en": Language.EN,
    "en_us": Language.EN,
    "en-us": Language.EN,
    "en_gb": Language.EN,
}


def language_of(value: str | None) -> str | None:
    """Our language code for WeChat's (zh_CN, en), Django's (zh-hans) or a ?lang= value."""
    if not value:
        return None
    value = value.strip().lower()
    return LANGUAGE_ALIASES.get(value) or (Language.EN if value.startswith("en") else None)


def reader_language(*, account: OfficialAccount, requested: str | None, openid: str | None) -> str:
    """Which version a reader sees: ?lang= first, then the language WeChat reports for the
    follower (when the session already knows them: the page never forces a sign-in), then the
    account's default language."""
    chosen = language_of(requested)
    if chosen:
        return chosen
    if openid:
        from weizheng.followers.models import Follower

        follower_language = (
            Follower.objects.filter(account=account, openid=openid)
            .values_list("language", flat=True)
            .first()
        )
        chosen = language_of(follower_language)
        if chosen:
            return chosen
    return language_of(account.default_language) or Language.ZH_HANS


@dataclass(frozen=True)
class Reading:
    """The version shown to a reader, and whether it is the language they wanted."""

    item: Item
    wanted: str
    other_versions: list[Item]

    @property
    def is_fallback(self) -> bool:
        return self.item.language != self.wanted


def published_items(*, account: OfficialAccount, kind: str) -> QuerySet[Item]:
    return Item.objects.filter(account=account, kind=kind, publication=Publication.PUBLISHED)


def reading_for(*, account: OfficialAccount, kind: str, item_id: Any, language: str) -> Reading:
    """The published version of the item's group in `language`, or another published version
    (the page says so). 404 when no version is published."""
    requested = (
        Item.objects.filter(account=account, kind=kind, pk=item_id)
        .values_list("group", flat=True)
        .first()
    )
    if requested is None:
        raise Http404("No such item.")
    versions = list(
        published_items(account=account, kind=kind)
        .filter(group=requested)
        .select_related("account", "cover")
    )
    if not versions:
        raise Http404("No such item.")
    shown = next((v for v in versions if v.language == language), None)
    if shown is None:
        # The version asked for by id if published, else Chinese, else whatever is left.
        shown = next((v for v in versions if v.pk == int(item_id)), None) or next(
            (v for v in versions if v.language == Language.ZH_HANS), versions[0]
        )
    return Reading(shown, language, [v for v in versions if v.pk != shown.pk])


def public_list(
    *, account: OfficialAccount, kind: str, language: str, validity: str = "", topic: str = ""
) -> list[Item]:
    """One entry per item (group): the reader's language where published, else the other one."""
    items = published_items(account=account, kind=kind).select_related("cover")
    if validity:
        items = items.filter(validity=validity)
    if topic:
        items = items.filter(topic=topic)
    chosen: dict[Any, Item] = {}
    for item in items.order_by("-published_at", "-pk")[:500]:
        current = chosen.get(item.group)
        if current is None or (item.language == language and current.language != language):
            chosen[item.group] = item
    return sorted(chosen.values(), key=lambda i: i.published_at or timezone.now(), reverse=True)


def public_topics(*, account: OfficialAccount) -> list[str]:
    return sorted(
        set(
            published_items(account=account, kind=Kind.POLICY)
            .exclude(topic="")
            .values_list("topic", flat=True)
        )
    )


def public_relations(item: Item) -> dict[str, list[Relation]]:
    """Links to and from published documents only."""
    return {
        "out": list(
            item.relations_out.filter(target__publication=Publication.PUBLISHED).select_related(
                "target"
            )
        ),
        "in": list(
            item.relations_in.filter(source__publication=Publication.PUBLISHED).select_related(
                "source"
            )
        ),
    }


def public_attachment(*, account: OfficialAccount, attachment_id: Any) -> Attachment:
    """An attachment of a published item of this account, or 404."""
    attachment = (
        Attachment.objects.select_related("item")
        .filter(pk=attachment_id, item__account=account, item__publication=Publication.PUBLISHED)
        .first()
    )
    if attachment is None:
        raise Http404("No such attachment.")
    return attachment


def public_cover(*, account: OfficialAccount, media_id: Any) -> MediaAsset:
    """An image of the library that is the cover of a published item, or 404: the rest of the
    library is not public."""
    asset = MediaAsset.objects.filter(
        pk=media_id,
        account=account,
        pk__in=Item.objects.filter(account=account, publication=Publication.PUBLISHED).values(
            "cover"
        ),
    ).first()
    if asset is None:
        raise Http404("No such image.")
    return asset
