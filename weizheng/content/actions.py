"""Writes of the content app: items, 三审 and publication, links between documents, attachments,
translations, the media library and read/share counts. One transaction per action with its audit
row; the search index is updated inside it (both land or neither), tasks start after commit."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from weizheng.core import review
from weizheng.core.actions import do_audit
from weizheng.core.errors import AppError
from weizheng.core.review import (
    EDITABLE,
    ReviewPolicy,
    ReviewStatus,
    check_approve,
    check_return,
    do_submit_for_review,
)
from weizheng.search import api as search
from weizheng.wechat.models import OfficialAccount

from .models import (
    Attachment,
    DailyCount,
    Item,
    Kind,
    Language,
    MediaAsset,
    MediaKind,
    Publication,
    Relation,
    RelationKind,
    Validity,
)
from .rules import check_attachment, check_media, normalize_document_number
from .sanitize import plain_text, sanitize_html

logger = logging.getLogger(__name__)

POLICY = ReviewPolicy(
    "content",
    submit_permission="content.edit",
    first_review_permission="content.review",
    final_review_permission="content.approve",
)

# Fields an editor sets; anything else in `data` is refused rather than ignored.
ITEM_FIELDS = (
    "kind",
    "language",
    "title",
    "summary",
    "body",
    "document_number",
    "issuer",
    "topic",
    "written_on",
    "issued_on",
    "effective_on",
    "validity",
    "cover",
    "scheduled_at",
)
# A video material's title, as WeChat takes it.
MATERIAL_TITLE_MAX = 64
POLICY_ONLY = ("document_number", "issuer", "topic", "written_on", "issued_on", "effective_on")


def _require(actor: Any, permission: str, account: OfficialAccount) -> None:
    from weizheng.staff.selectors import can

    if actor is not None and not can(actor, permission, account):
        raise AppError("forbidden", _("Your roles do not allow this on this account."), status=403)


def clean_item_data(*, account: OfficialAccount, data: dict[str, Any]) -> dict[str, Any]:
    """Validated field values for an item (shared by the editor and the import)."""
    unknown = set(data) - set(ITEM_FIELDS)
    if unknown:
        raise AppError(
            "bad_field", _("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    cleaned = dict(data)
    if "title" in cleaned:
        cleaned["title"] = " ".join(str(cleaned["title"] or "").split())
        if not cleaned["title"]:
            raise AppError("title_missing", _("A title is required."), field="title")
        if len(cleaned["title"]) > 200:
            raise AppError(
                "title_too_long", _("The title is longer than 200 characters."), field="title"
            )
    if "kind" in cleaned and cleaned["kind"] not in Kind.values:
        raise AppError("bad_kind", _("The kind must be policy or news."), field="kind")
    if "language" in cleaned and cleaned["language"] not in Language.values:
        raise AppError("bad_language", _("The language must be zh-hans or en."), field="language")
    if "validity" in cleaned and cleaned["validity"] not in Validity.values:
        raise AppError(
            "bad_validity",
            _("The validity must be in_force, amended or repealed."),
            field="validity",
        )
    if "document_number" in cleaned:
        try:
            cleaned["document_number"] = normalize_document_number(cleaned["document_number"])
        except AppError as error:
            error.extra["field"] = "document_number"
            raise
    for name in ("issuer", "topic", "summary"):
        if name in cleaned:
            cleaned[name] = " ".join(str(cleaned[name] or "").split())
    for name in ("written_on", "issued_on", "effective_on"):
        if name in cleaned and cleaned[name] is not None and not isinstance(cleaned[name], date):
            raise AppError("bad_date", _("Dates are written as 2013-10-01."), field=name)
    if "body" in cleaned:
        cleaned["body"] = sanitize_html(str(cleaned["body"] or ""))
    cover = cleaned.get("cover")
    if cover is not None and (cover.account_id != account.pk or cover.kind != MediaKind.IMAGE):
        raise AppError(
            "bad_cover", _("The cover must be an image of this account's library."), field="cover"
        )
    scheduled = cleaned.get("scheduled_at")
    if scheduled is not None and timezone.is_naive(scheduled):
        raise AppError(
            "bad_date", _("The publication time needs a time zone."), field="scheduled_at"
        )
    return cleaned


def check_save_item(
    *,
    account: OfficialAccount,
    actor: Any,
    data: dict[str, Any],
    item: Item | None = None,
    actor_label: str = "",
) -> Item:
    """Create an item (as a draft, `actor` its author) or change an editable one."""
    cleaned = clean_item_data(account=account, data=data)
    kind = cleaned.get("kind", item.kind if item else Kind.POLICY)
    if kind == Kind.NEWS:
        for name in POLICY_ONLY:
            cleaned.pop(name, None)
    if item is not None and "kind" in cleaned and cleaned["kind"] != item.kind:
        raise AppError("bad_kind", _("A policy cannot become a news article, or the reverse."))
    try:
        with transaction.atomic():
            if item is None:
                if not cleaned.get("title"):
                    raise AppError("title_missing", _("A title is required."), field="title")
                item = Item.objects.create(
                    account=account,
                    author=actor if getattr(actor, "is_authenticated", False) else None,
                    **cleaned,
                )
                action = "content.create"
            else:
                if not Item.objects.filter(pk=item.pk, review_status__in=EDITABLE).exists():
                    raise AppError(
                        "not_editable",
                        _("Only a draft or a returned item can be changed."),
                        status=409,
                    )
                if "language" in cleaned and cleaned["language"] != item.language:
                    if (
                        Item.objects.filter(group=item.group, language=cleaned["language"])
                        .exclude(pk=item.pk)
                        .exists()
                    ):
                        raise AppError(
                            "language_taken",
                            _("This item already has a version in that language."),
                            field="language",
                        )
                for name, value in cleaned.items():
                    setattr(item, name, value)
                item.save(update_fields=[*cleaned.keys(), "updated_at"])
                action = "content.update"
            do_audit(
                action=action,
                actor=actor,
                actor_label=actor_label,
                account=account,
                target=item,
                detail={"title": item.title, "fields": sorted(cleaned)},
            )
    except IntegrityError as exc:
        raise AppError(
            "duplicate_document_number",
            _("This account already has a document numbered %(number)s in this language.")
            % {"number": cleaned.get("document_number") or (item.document_number if item else "")},
            field="document_number",
        ) from exc
    return item


def do_delete_draft(*, item: Item, actor: Any) -> None:
    """Delete an item never submitted (or returned) and never published."""
    with transaction.atomic():
        deleted = Item.objects.filter(
            pk=item.pk, review_status__in=EDITABLE, publication=Publication.UNPUBLISHED
        )
        if not deleted.exists():
            raise AppError(
                "not_editable", _("Only an unpublished draft can be deleted."), status=409
            )
        do_audit(
            action="content.delete",
            actor=actor,
            account=item.account,
            target=item,
            detail={"title": item.title},
        )
        for attachment in item.attachments.all():
            transaction.on_commit(lambda f=attachment.file: f.delete(save=False))
        try:
            with transaction.atomic():
                deleted.delete()
        except ProtectedError as exc:
            raise AppError(
                "item_in_use",
                _("This item is an article of a broadcast; it stays as its record."),
                status=409,
            ) from exc


# --- 三审 and publication ---------------------------------------------------------------------
def do_submit(*, item: Item, actor: Any) -> Item:
    """The author hands the item to the first reviewer."""
    if item.kind == Kind.POLICY and not item.body and not item.attachments.exists():
        raise AppError("empty", _("Add the full text or an attachment before submitting."))
    return do_submit_for_review(item=item, actor=actor, policy=POLICY)


def check_approve_item(*, item: Item, actor: Any, note: str = "") -> Item:
    """A review step; the final approval publishes the item at once or schedules it."""
    with transaction.atomic():
        item = check_approve(item=item, actor=actor, policy=POLICY, note=note)
        if item.review_status == ReviewStatus.APPROVED:
            _release(item, actor=actor)
    item.refresh_from_db()
    return item


def check_return_item(*, item: Item, actor: Any, reason: str) -> Item:
    """A reviewer sends the item back to its author with a reason."""
    return check_return(item=item, actor=actor, policy=POLICY, reason=reason)


def _release(item: Item, *, actor: Any) -> None:
    now = timezone.now()
    if item.scheduled_at is not None and item.scheduled_at > now:
        Item.objects.filter(pk=item.pk, publication=Publication.UNPUBLISHED).update(
            publication=Publication.SCHEDULED
        )
        do_audit(
            action="content.schedule",
            actor=actor,
            account=item.account,
            target=item,
            detail={"at": item.scheduled_at.isoformat()},
        )
        from .tasks import publish_scheduled_item

        item_id, when = item.pk, item.scheduled_at
        transaction.on_commit(
            lambda: _enqueue_at(publish_scheduled_item, item_id=item_id, when=when)
        )
    else:
        _publish(item, actor=actor, now=now)


def _enqueue_at(task: Any, *, item_id: int, when: datetime) -> None:
    """Run `task` at `when` where the task backend can defer; elsewhere (tests, the immediate
    backend) the periodic `content_publish_due` command publishes it."""
    if task.get_backend().supports_defer:
        task.using(run_after=when).enqueue(item_id=item_id)


def _publish(item: Item, *, actor: Any = None, now: datetime | None = None) -> bool:
    """Approved (and unpublished or scheduled) → published, claimed with a conditional update.
    Call inside a transaction."""
    now = now or timezone.now()
    claimed = Item.objects.filter(
        pk=item.pk,
        review_status=ReviewStatus.APPROVED,
        publication__in=(Publication.UNPUBLISHED, Publication.SCHEDULED),
    ).update(publication=Publication.PUBLISHED, published_at=now)
    if not claimed:
        return False
    item.refresh_from_db()
    do_audit(
        action="content.publish",
        actor=actor,
        actor_label="" if actor else "system",
        account=item.account,
        target=item,
        detail={
            "title": item.title,
            "scheduled_at": item.scheduled_at.isoformat() if item.scheduled_at else None,
        },
    )
    _apply_relations(item)
    search.index_documents([search_document(item)])
    return True


def _apply_relations(item: Item) -> None:
    """A published amending or repealing document changes the validity of its target."""
    for relation in item.relations_out.select_related("target").filter(
        kind__in=(RelationKind.AMENDS, RelationKind.REPEALS)
    ):
        target = relation.target
        new = Validity.REPEALED if relation.kind == RelationKind.REPEALS else Validity.AMENDED
        if target.validity == Validity.REPEALED or target.validity == new:
            continue
        Item.objects.filter(pk=target.pk).update(validity=new)
        target.validity = new
        do_audit(
            action="content.validity",
            account=item.account,
            target=target,
            detail={"validity": new, "by": item.pk, "document_number": item.document_number},
        )
        if target.publication == Publication.PUBLISHED:
            search.index_documents([search_document(target)])


def publish_due_items(*, now: datetime | None = None) -> list[int]:
    """Publish every scheduled item whose time has come; each in its own transaction. Returns
    the ids published (safe to run from several processes: each item is claimed once)."""
    now = now or timezone.now()
    published = []
    due = Item.objects.filter(publication=Publication.SCHEDULED, scheduled_at__lte=now)
    for item in due.order_by("scheduled_at", "pk"):
        with transaction.atomic():
            if _publish(item, now=now):
                published.append(item.pk)
    return published


def check_retract(*, item: Item, actor: Any, reason: str) -> Item:
    """Take a published (or scheduled) item off the citizens' pages and the search index."""
    return review.do_retract(
        item=item,
        actor=actor,
        reason=reason,
        permission="content.approve",
        from_states=(Publication.PUBLISHED, Publication.SCHEDULED),
        retracted_state=Publication.RETRACTED,
        audit_action="content.retract",
        messages=(
            _("Say why the item is retracted."),
            _("Only a published or scheduled item can be retracted."),
        ),
    )


def check_reopen(*, item: Item, actor: Any) -> Item:
    """A retracted item becomes a draft again, to be corrected and reviewed anew."""
    return review.do_reopen(
        item=item,
        actor=actor,
        permission="content.edit",
        retracted_state=Publication.RETRACTED,
        changes={"publication": Publication.UNPUBLISHED, "scheduled_at": None},
        audit_action="content.reopen",
        refused=_("Only a retracted item can be edited again."),
    )


def search_document(item: Item) -> search.Document:
    """What the search index holds for a published item."""
    year = item.issued_on.year if item.issued_on else (item.published_at or timezone.now()).year
    path = "policies" if item.kind == Kind.POLICY else "news"
    facets: dict[str, Any] = {"kind": item.kind, "year": year}
    if item.kind == Kind.POLICY:
        facets.update({"issuer": item.issuer, "topic": item.topic, "validity": item.validity})
    body = plain_text(item.body)
    if item.document_number:
        body = f"{item.document_number}\n{body}"
    return search.Document(
        key=item.search_key,
        account_id=item.account_id,
        language=item.language,
        title=item.title,
        body=body,
        facets=facets,
        url=f"/h5/{item.account.slug}/{path}/{item.pk}/",
        published_at=item.published_at,
    )


# --- links between documents ------------------------------------------------------------------
def check_add_relation(*, source: Item, target: Item, kind: str, actor: Any) -> Relation:
    """Record that `source` interprets, amends or repeals `target` (policies of one account)."""
    if kind not in RelationKind.values:
        raise AppError("bad_relation", _("Choose interprets, amends or repeals."))
    if source.account_id != target.account_id or source.pk == target.pk:
        raise AppError("bad_relation", _("Link two different documents of this account."))
    if source.kind != Kind.POLICY or target.kind != Kind.POLICY:
        raise AppError("bad_relation", _("Only policy documents are linked."))
    if Relation.objects.filter(source=target, target=source).exists():
        raise AppError("bad_relation", _("The other document already points at this one."))
    # A link is part of what the document says: it is reviewed with it, and takes effect on the
    # target (amended, repealed) only when the document is published.
    _require_editable(source)
    with transaction.atomic():
        relation, created = Relation.objects.get_or_create(source=source, target=target, kind=kind)
        if created:
            do_audit(
                action="content.relation.add",
                actor=actor,
                account=source.account,
                target=source,
                detail={"kind": kind, "target": target.pk},
            )
            if source.publication == Publication.PUBLISHED:
                _apply_relations(source)
    return relation


def do_remove_relation(*, relation: Relation, actor: Any) -> None:
    _require_editable(relation.source)
    with transaction.atomic():
        do_audit(
            action="content.relation.remove",
            actor=actor,
            account=relation.source.account,
            target=relation.source,
            detail={"kind": relation.kind, "target": relation.target_id},
        )
        relation.delete()


# --- attachments ------------------------------------------------------------------------------
def _require_editable(item: Item) -> None:
    if item.review_status not in EDITABLE:
        raise AppError(
            "not_editable", _("Only a draft or a returned item can be changed."), status=409
        )


def check_add_attachment(*, item: Item, filename: str, content: bytes, actor: Any) -> Attachment:
    """Attach a file to an editable item."""
    _require_editable(item)
    extension = check_attachment(filename=filename, size=len(content))
    from .rules import CONTENT_TYPES

    types = {**CONTENT_TYPES, "pdf": "application/pdf", "txt": "text/plain; charset=utf-8"}
    with transaction.atomic():
        attachment = Attachment(
            item=item,
            name=filename[-150:],
            size=len(content),
            content_type=types.get(extension, "application/octet-stream"),
        )
        attachment.file.save(filename, ContentFile(content), save=False)
        attachment.save()
        do_audit(
            action="content.attachment.add",
            actor=actor,
            account=item.account,
            target=item,
            detail={"name": attachment.name, "size": attachment.size},
        )
    return attachment


def do_remove_attachment(*, attachment: Attachment, actor: Any) -> None:
    item = attachment.item
    _require_editable(item)
    with transaction.atomic():
        do_audit(
            action="content.attachment.remove",
            actor=actor,
            account=item.account,
            target=item,
            detail={"name": attachment.name},
        )
        stored = attachment.file
        attachment.delete()
        transaction.on_commit(lambda: stored.storage.delete(stored.name))


# --- bilingual versions -----------------------------------------------------------------------
def check_create_translation(*, item: Item, actor: Any) -> Item:
    """A draft in the other language, in the same group, with the document's facts copied."""
    other = Language.EN if item.language == Language.ZH_HANS else Language.ZH_HANS
    if Item.objects.filter(group=item.group, language=other).exists():
        raise AppError("language_taken", _("This item already has a version in that language."))
    data = {
        name: getattr(item, name)
        for name in (
            "kind",
            "document_number",
            "issuer",
            "topic",
            "written_on",
            "issued_on",
            "effective_on",
            "validity",
            "cover",
        )
    }
    data.update({"language": other, "title": item.title})
    with transaction.atomic():
        translation = check_save_item(account=item.account, actor=actor, data=data)
        Item.objects.filter(pk=translation.pk).update(group=item.group)
        translation.group = item.group
        do_audit(
            action="content.translation.create",
            actor=actor,
            account=item.account,
            target=translation,
            detail={"of": item.pk, "language": other},
        )
    return translation


def check_pair(*, item: Item, other: Item, actor: Any) -> Item:
    """Link two existing items as the Chinese and English versions of one."""
    if item.account_id != other.account_id or item.pk == other.pk or item.kind != other.kind:
        raise AppError("bad_pair", _("Pair two items of the same kind on this account."))
    if item.language == other.language:
        raise AppError("bad_pair", _("The two versions must be in different languages."))
    if Item.objects.filter(group=item.group).exclude(pk=item.pk).exists():
        raise AppError("bad_pair", _("This item is already paired."))
    if Item.objects.filter(group=other.group).exclude(pk=other.pk).exists():
        raise AppError("bad_pair", _("The other item is already paired."))
    # What readers of a published version see changes with the pairing: only while editable.
    _require_editable(item)
    _require_editable(other)
    with transaction.atomic():
        Item.objects.filter(pk=other.pk).update(group=item.group)
        do_audit(
            action="content.translation.pair",
            actor=actor,
            account=item.account,
            target=item,
            detail={"with": other.pk},
        )
    other.refresh_from_db()
    return other


def do_unpair(*, item: Item, actor: Any) -> None:
    """Take an item out of its bilingual group."""
    import uuid

    _require_editable(item)
    for partner in Item.objects.filter(group=item.group).exclude(pk=item.pk):
        _require_editable(partner)
    with transaction.atomic():
        Item.objects.filter(pk=item.pk).update(group=uuid.uuid4())
        do_audit(
            action="content.translation.unpair", actor=actor, account=item.account, target=item
        )


# --- media library ----------------------------------------------------------------------------
def check_upload_media(
    *,
    account: OfficialAccount,
    kind: str,
    filename: str,
    content: bytes,
    actor: Any,
    actor_label: str = "",
) -> MediaAsset:
    """Store a file in the library after checking it against WeChat's limits for its kind."""
    checked = check_media(kind=kind, filename=filename, content=content)
    with transaction.atomic():
        asset = MediaAsset(
            account=account,
            kind=kind,
            name=filename[-150:],
            size=len(content),
            content_type=checked.content_type,
            duration_seconds=checked.duration_seconds,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        asset.file.save(filename, ContentFile(content), save=False)
        asset.save()
        do_audit(
            action="content.media.upload",
            actor=actor,
            actor_label=actor_label,
            account=account,
            target=asset,
            detail={"name": asset.name, "kind": kind, "size": asset.size},
        )
    return asset


def do_delete_media(*, asset: MediaAsset, actor: Any) -> None:
    if Item.objects.filter(cover=asset).exists():
        raise AppError(
            "media_in_use",
            _("This image is the cover of an item; choose another cover first."),
            status=409,
        )
    try:
        with transaction.atomic():
            do_audit(
                action="content.media.delete",
                actor=actor,
                account=asset.account,
                target=asset,
                detail={"name": asset.name},
            )
            stored = asset.file
            asset.delete()
            transaction.on_commit(lambda: stored.storage.delete(stored.name))
    except ProtectedError as exc:
        raise AppError(
            "media_in_use",
            _("This file is part of a broadcast; it stays in the library as its record."),
            status=409,
        ) from exc


def do_request_wechat_upload(*, asset: MediaAsset, actor: Any) -> None:
    """Hand the file to WeChat (media/upload) from a task, after commit."""
    from .tasks import upload_media_to_wechat

    with transaction.atomic():
        do_audit(
            action="content.media.push",
            actor=actor,
            account=asset.account,
            target=asset,
            detail={"name": asset.name},
        )
        asset_id = asset.pk
        transaction.on_commit(lambda: upload_media_to_wechat.enqueue(asset_id=asset_id))


def do_upload_media_to_wechat(*, asset: MediaAsset) -> str:
    """Upload the file through the account's API client and keep the media_id."""
    from weizheng.wechat.client import client_for

    with asset.file.open("rb") as handle:
        content = handle.read()
    result = client_for(asset.account).post(
        "media/upload",
        params={"type": asset.kind},
        files={"media": (asset.name, content, asset.content_type)},
    )
    media_id = str(result.get("media_id") or result.get("thumb_media_id") or "")
    MediaAsset.objects.filter(pk=asset.pk).update(
        wechat_media_id=media_id, wechat_uploaded_at=timezone.now()
    )
    return media_id


def check_add_material(
    *, asset: MediaAsset, title: str = "", introduction: str = "", actor: Any = None
) -> str:
    """The file as permanent material of the account (`material/add_material`), uploaded once:
    the media_id is kept on the asset and every later broadcast reuses it. Temporary media
    (media/upload) expires after 3 days, too soon for a broadcast reviewed and scheduled days
    ahead. A video goes with WeChat's `description` form field (title and introduction).
    AppError("material_refused") with WeChat's reason when it refuses; nothing is kept then."""
    from weizheng.wechat.client import client_for
    from weizheng.wechat.errors import WeChatError

    asset.refresh_from_db()
    if asset.wechat_material_id:
        return asset.wechat_material_id
    with asset.file.open("rb") as handle:
        content = handle.read()
    # The stored name (random hex + the original extension) is ASCII; WeChat reads the format
    # from the extension.
    files: dict[str, Any] = {
        "media": (asset.file.name.rsplit("/", 1)[-1], content, asset.content_type)
    }
    if asset.kind == MediaKind.VIDEO:
        stem = asset.name.rsplit(".", 1)[0] if "." in asset.name else asset.name
        described = {
            "title": (title or stem)[:MATERIAL_TITLE_MAX],
            "introduction": introduction or title or stem,
        }
        files["description"] = (None, json.dumps(described, ensure_ascii=False))
    client = client_for(asset.account)
    try:
        answer = client.post("material/add_material", params={"type": asset.kind}, files=files)
    except WeChatError as exc:
        raise AppError(
            "material_refused",
            _("WeChat refused “%(name)s” as permanent material (%(code)s %(message)s).")
            % {"name": asset.name, "code": exc.errcode or "—", "message": exc.errmsg},
        ) from exc
    media_id = str(answer.get("media_id") or "")
    if not media_id:
        raise AppError(
            "material_refused",
            _("WeChat gave no media id for “%(name)s”.") % {"name": asset.name},
        )
    with transaction.atomic():
        kept = MediaAsset.objects.filter(pk=asset.pk, wechat_material_id="").update(
            wechat_material_id=media_id,
            wechat_material_url=str(answer.get("url") or "")[:500],
            wechat_material_at=timezone.now(),
        )
        if kept:
            do_audit(
                action="content.media.material",
                actor=actor,
                account=asset.account,
                target=asset,
                detail={"name": asset.name, "kind": asset.kind, "media_id": media_id},
            )
    if not kept:
        # Another request uploaded it at the same time and was first: ours is a duplicate that
        # would only count against the account's material limit.
        try:
            client.post("material/del_material", data={"media_id": media_id})
        except WeChatError as exc:
            logger.warning("Duplicate material %s of media %s kept: %s", media_id, asset.pk, exc)
    asset.refresh_from_db()
    return asset.wechat_material_id


# --- counts -----------------------------------------------------------------------------------
def _bump(item: Item, field: str) -> None:
    day = timezone.localdate()
    with transaction.atomic():
        updated = DailyCount.objects.filter(item=item, day=day).update(**{field: F(field) + 1})
        if updated:
            return
        try:
            with transaction.atomic():
                DailyCount.objects.create(item=item, day=day, **{field: 1})
        except IntegrityError:  # another request created today's row first
            DailyCount.objects.filter(item=item, day=day).update(**{field: F(field) + 1})


def do_record_read(*, item: Item) -> None:
    """One more read of a published item today."""
    _bump(item, "reads")


def do_record_share(*, item: Item) -> None:
    """One more share of a published item today."""
    _bump(item, "shares")
