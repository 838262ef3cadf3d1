"""Writes of the eservices app: service guides, their 三审 and publication, bilingual versions.
One transaction per action with its audit row; the search index changes inside the publishing
(and retracting) transaction, so a guide is findable exactly when it is published."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

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
    GuideMaterial,
    GuidePublication,
    GuideQuestion,
    HandlingMode,
    Language,
    MaterialForm,
    ServiceGuide,
)

GUIDE_POLICY = ReviewPolicy(
    "eservices.guide",
    submit_permission="guides.edit",
    first_review_permission="guides.review",
    final_review_permission="guides.approve",
)

GUIDE_FIELDS = (
    "language",
    "title",
    "code",
    "category",
    "department",
    "conditions",
    "fee_fen",
    "fee_basis",
    "statutory_days",
    "promised_days",
    "steps",
    "place",
    "hours",
    "phone",
    "mode",
)
SHORT_TEXT = {
    "title": 200,
    "code": 64,
    "category": 50,
    "department": 100,
    "fee_basis": 500,
    "place": 300,
    "hours": 200,
    "phone": 50,
}
MAX_MATERIALS = 50
MAX_QUESTIONS = 30
MAX_DAYS = 365
# A fee above this is a typing mistake (fen for yuan): 100,000 yuan.
MAX_FEE_FEN = 10_000_000


def _require(actor: Any, permission: str, account: OfficialAccount) -> None:
    from weizheng.staff.selectors import can

    if actor is not None and not can(actor, permission, account):
        raise AppError("forbidden", _("Your roles do not allow this on this account."), status=403)


def _require_editable(guide: ServiceGuide) -> None:
    if not ServiceGuide.objects.filter(pk=guide.pk, review_status__in=EDITABLE).exists():
        raise AppError(
            "not_editable", _("Only a draft or a returned guide can be changed."), status=409
        )


# --- validation -------------------------------------------------------------------------------
def clean_guide_data(data: dict[str, Any]) -> dict[str, Any]:
    """Validated field values of a guide; AppError naming the field otherwise."""
    unknown = set(data) - set(GUIDE_FIELDS)
    if unknown:
        raise AppError(
            "bad_field", _("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    cleaned = dict(data)
    for name, limit in SHORT_TEXT.items():
        if name in cleaned:
            cleaned[name] = " ".join(str(cleaned[name] or "").split())
            if len(cleaned[name]) > limit:
                raise AppError(
                    "too_long",
                    _("This is longer than %(limit)d characters.") % {"limit": limit},
                    field=name,
                )
    for name in ("conditions", "steps"):
        if name in cleaned:
            cleaned[name] = "\n".join(
                line.strip() for line in str(cleaned[name] or "").strip().splitlines()
            )
    for name, message in (
        ("title", _("A title is required.")),
        ("category", _("Choose or type a category.")),
        ("department", _("Name the handling department.")),
    ):
        if name in cleaned and not cleaned[name]:
            raise AppError(f"{name}_missing", message, field=name)
    if "language" in cleaned and cleaned["language"] not in Language.values:
        raise AppError("bad_language", _("The language must be zh-hans or en."), field="language")
    if "mode" in cleaned and cleaned["mode"] not in HandlingMode.values:
        raise AppError(
            "bad_mode", _("The handling mode must be online, offline or both."), field="mode"
        )
    if "fee_fen" in cleaned:
        fee = cleaned["fee_fen"]
        if fee is None:
            fee = 0
        if not isinstance(fee, int) or isinstance(fee, bool) or fee < 0 or fee > MAX_FEE_FEN:
            raise AppError(
                "bad_fee",
                _("The fee is an amount in yuan from 0 (free) to 100,000."),
                field="fee_fen",
            )
        cleaned["fee_fen"] = fee
    for name in ("statutory_days", "promised_days"):
        if name in cleaned and cleaned[name] is not None:
            days = cleaned[name]
            if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_DAYS:
                raise AppError(
                    "bad_days",
                    _("A time limit is a number of working days from 0 to %(max)d.")
                    % {"max": MAX_DAYS},
                    field=name,
                )
    return cleaned


def clean_materials(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The materials table: each row named, a known form, 1 to 20 copies."""
    if len(rows) > MAX_MATERIALS:
        raise AppError(
            "too_many", _("A guide lists at most %(n)d materials.") % {"n": MAX_MATERIALS}
        )
    cleaned = []
    for number, row in enumerate(rows, start=1):
        name = " ".join(str(row.get("name") or "").split())
        if not name:
            raise AppError(
                "material_name", _("Material %(n)d needs a name.") % {"n": number}, row=number
            )
        form = row.get("form") or MaterialForm.ORIGINAL
        if form not in MaterialForm.values:
            raise AppError(
                "material_form",
                _("Material %(n)d: choose original, copy, both or electronic.") % {"n": number},
                row=number,
            )
        copies = row.get("copies", 1)
        if not isinstance(copies, int) or isinstance(copies, bool) or not 1 <= copies <= 20:
            raise AppError(
                "material_copies",
                _("Material %(n)d: from 1 to 20 copies.") % {"n": number},
                row=number,
            )
        note = " ".join(str(row.get("note") or "").split())
        if len(name) > 200 or len(note) > 300:
            raise AppError(
                "material_too_long",
                _("Material %(n)d: the name is limited to 200 characters, the note to 300.")
                % {"n": number},
                row=number,
            )
        cleaned.append(
            {
                "name": name,
                "form": form,
                "copies": copies,
                "is_required": bool(row.get("is_required", True)),
                "note": note,
            }
        )
    return cleaned


def clean_questions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """FAQ pairs: both the question and the answer."""
    if len(rows) > MAX_QUESTIONS:
        raise AppError("too_many", _("A guide has at most %(n)d questions.") % {"n": MAX_QUESTIONS})
    cleaned = []
    for number, row in enumerate(rows, start=1):
        question = " ".join(str(row.get("question") or "").split())
        answer = str(row.get("answer") or "").strip()
        if not question or not answer:
            raise AppError(
                "question_incomplete",
                _("Question %(n)d needs both the question and its answer.") % {"n": number},
                row=number,
            )
        if len(question) > 200:
            raise AppError(
                "question_too_long",
                _("Question %(n)d is longer than 200 characters.") % {"n": number},
                row=number,
            )
        cleaned.append({"question": question, "answer": answer})
    return cleaned


# --- editing ----------------------------------------------------------------------------------
def check_save_guide(
    *,
    account: OfficialAccount,
    actor: Any,
    data: dict[str, Any],
    materials: list[dict[str, Any]] | None = None,
    questions: list[dict[str, Any]] | None = None,
    guide: ServiceGuide | None = None,
) -> ServiceGuide:
    """Create a guide (a draft, `actor` its author) or change an editable one. `materials` and
    `questions`, when given, replace the guide's lists; all of it is saved or none."""
    _require(actor, "guides.edit", account)
    cleaned = clean_guide_data(data)
    material_rows = clean_materials(materials) if materials is not None else None
    question_rows = clean_questions(questions) if questions is not None else None
    statutory = cleaned.get("statutory_days", guide.statutory_days if guide else None)
    promised = cleaned.get("promised_days", guide.promised_days if guide else None)
    if statutory is not None and promised is not None and promised > statutory:
        raise AppError(
            "promise_over_statute",
            _("The promised time limit cannot be longer than the statutory one."),
            field="promised_days",
        )
    try:
        with transaction.atomic():
            if guide is None:
                for name, message in (
                    ("title", _("A title is required.")),
                    ("category", _("Choose or type a category.")),
                    ("department", _("Name the handling department.")),
                ):
                    if not cleaned.get(name):
                        raise AppError(f"{name}_missing", message, field=name)
                guide = ServiceGuide.objects.create(
                    account=account,
                    author=actor if getattr(actor, "is_authenticated", False) else None,
                    **cleaned,
                )
                action = "eservices.guide.create"
            else:
                _require_editable(guide)
                if "language" in cleaned and cleaned["language"] != guide.language:
                    if (
                        ServiceGuide.objects.filter(group=guide.group, language=cleaned["language"])
                        .exclude(pk=guide.pk)
                        .exists()
                    ):
                        raise AppError(
                            "language_taken",
                            _("This guide already has a version in that language."),
                            field="language",
                        )
                for name, value in cleaned.items():
                    setattr(guide, name, value)
                guide.save(update_fields=[*cleaned.keys(), "updated_at"])
                action = "eservices.guide.update"
            if material_rows is not None:
                guide.materials.all().delete()
                GuideMaterial.objects.bulk_create(
                    GuideMaterial(guide=guide, position=n, **row)
                    for n, row in enumerate(material_rows)
                )
            if question_rows is not None:
                guide.questions.all().delete()
                GuideQuestion.objects.bulk_create(
                    GuideQuestion(guide=guide, position=n, **row)
                    for n, row in enumerate(question_rows)
                )
            do_audit(
                action=action,
                actor=actor,
                account=account,
                target=guide,
                detail={
                    "title": guide.title,
                    "fields": sorted(cleaned),
                    "materials": len(material_rows) if material_rows is not None else None,
                    "questions": len(question_rows) if question_rows is not None else None,
                },
            )
    except IntegrityError as exc:
        raise AppError(
            "duplicate_code",
            _("This account already has a guide with the code %(code)s in this language.")
            % {"code": cleaned.get("code") or (guide.code if guide else "")},
            field="code",
        ) from exc
    return guide


def do_delete_draft(*, guide: ServiceGuide, actor: Any) -> None:
    """Delete a guide never published (a draft or a returned one)."""
    _require(actor, "guides.edit", guide.account)
    with transaction.atomic():
        deleted = ServiceGuide.objects.filter(
            pk=guide.pk, review_status__in=EDITABLE, publication=GuidePublication.UNPUBLISHED
        )
        if not deleted.exists():
            raise AppError(
                "not_editable", _("Only an unpublished draft can be deleted."), status=409
            )
        do_audit(
            action="eservices.guide.delete",
            actor=actor,
            account=guide.account,
            target=guide,
            detail={"title": guide.title},
        )
        deleted.delete()


# --- 三审 and publication ---------------------------------------------------------------------
def do_submit_guide(*, guide: ServiceGuide, actor: Any) -> ServiceGuide:
    """The author hands the guide to the first reviewer; a guide without steps or materials
    tells a citizen nothing and is refused."""
    if not guide.step_list:
        raise AppError("incomplete", _("Write the steps before submitting."), field="steps")
    if not guide.materials.exists():
        raise AppError("incomplete", _("List the materials before submitting."), field="materials")
    return do_submit_for_review(item=guide, actor=actor, policy=GUIDE_POLICY)  # type: ignore[return-value]


def check_approve_guide(*, guide: ServiceGuide, actor: Any, note: str = "") -> ServiceGuide:
    """A review step; the final approval publishes the guide and indexes it, in one transaction."""
    with transaction.atomic():
        guide = check_approve(item=guide, actor=actor, policy=GUIDE_POLICY, note=note)  # type: ignore[assignment]
        if guide.review_status == ReviewStatus.APPROVED:
            _publish(guide, actor=actor)
    guide.refresh_from_db()
    return guide


def check_return_guide(*, guide: ServiceGuide, actor: Any, reason: str) -> ServiceGuide:
    """A reviewer sends the guide back to its author with a reason."""
    return check_return(item=guide, actor=actor, policy=GUIDE_POLICY, reason=reason)  # type: ignore[return-value]


def _publish(guide: ServiceGuide, *, actor: Any) -> None:
    now = timezone.now()
    claimed = ServiceGuide.objects.filter(
        pk=guide.pk,
        review_status=ReviewStatus.APPROVED,
        publication=GuidePublication.UNPUBLISHED,
    ).update(publication=GuidePublication.PUBLISHED, published_at=now)
    if not claimed:
        return
    guide.refresh_from_db()
    do_audit(
        action="eservices.guide.publish",
        actor=actor,
        account=guide.account,
        target=guide,
        detail={"title": guide.title},
    )
    search.index_documents([search_document(guide)])


def check_retract_guide(*, guide: ServiceGuide, actor: Any, reason: str) -> ServiceGuide:
    """Take a published guide off the citizens' pages and out of the search index."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise AppError("reason_missing", _("Say why the guide is retracted."))
    _require(actor, "guides.approve", guide.account)
    with transaction.atomic():
        moved = ServiceGuide.objects.filter(
            pk=guide.pk, publication=GuidePublication.PUBLISHED
        ).update(
            publication=GuidePublication.RETRACTED,
            retracted_at=timezone.now(),
            retracted_by=actor if getattr(actor, "is_authenticated", False) else None,
            retraction_reason=reason[:500],
        )
        if not moved:
            raise AppError(
                "publication_state", _("Only a published guide can be retracted."), status=409
            )
        do_audit(
            action="eservices.guide.retract",
            actor=actor,
            account=guide.account,
            target=guide,
            detail={"reason": reason[:500], "title": guide.title},
        )
        search.remove_documents([guide.search_key])
    guide.refresh_from_db()
    return guide


def check_reopen_guide(*, guide: ServiceGuide, actor: Any) -> ServiceGuide:
    """A retracted guide becomes a draft again, to be corrected and reviewed anew."""
    _require(actor, "guides.edit", guide.account)
    with transaction.atomic():
        moved = ServiceGuide.objects.filter(
            pk=guide.pk, publication=GuidePublication.RETRACTED
        ).update(
            publication=GuidePublication.UNPUBLISHED,
            review_status=ReviewStatus.DRAFT,
            published_at=None,
        )
        if not moved:
            raise AppError(
                "publication_state", _("Only a retracted guide can be edited again."), status=409
            )
        do_audit(action="eservices.guide.reopen", actor=actor, account=guide.account, target=guide)
    guide.refresh_from_db()
    return guide


def check_create_translation(*, guide: ServiceGuide, actor: Any) -> ServiceGuide:
    """A draft in the other language, in the same group, with the facts (fees, limits, mode,
    code) and the materials copied, to be translated."""
    other = Language.EN if guide.language == Language.ZH_HANS else Language.ZH_HANS
    if ServiceGuide.objects.filter(group=guide.group, language=other).exists():
        raise AppError("language_taken", _("This guide already has a version in that language."))
    data = {
        name: getattr(guide, name)
        for name in GUIDE_FIELDS
        if name not in ("language", "conditions", "steps")
    }
    data["language"] = other
    materials = [
        {
            "name": m.name,
            "form": m.form,
            "copies": m.copies,
            "is_required": m.is_required,
            "note": m.note,
        }
        for m in guide.materials.all()
    ]
    with transaction.atomic():
        translation = check_save_guide(
            account=guide.account, actor=actor, data=data, materials=materials
        )
        ServiceGuide.objects.filter(pk=translation.pk).update(group=guide.group)
        translation.group = guide.group
        do_audit(
            action="eservices.guide.translation.create",
            actor=actor,
            account=guide.account,
            target=translation,
            detail={"of": guide.pk, "language": other},
        )
    return translation


# --- search -----------------------------------------------------------------------------------
def search_document(guide: ServiceGuide) -> search.Document:
    """What the search index holds for a published guide: its facts, materials, steps and FAQ."""
    parts = [
        guide.code,
        guide.department,
        guide.conditions,
        "\n".join(m.name for m in guide.materials.all()),
        guide.steps,
        guide.place,
        "\n".join(f"{q.question}\n{q.answer}" for q in guide.questions.all()),
    ]
    return search.Document(
        key=guide.search_key,
        account_id=guide.account_id,
        language=guide.language,
        title=guide.title,
        body="\n".join(part for part in parts if part),
        facets={
            "kind": "guide",
            "issuer": guide.department,
            "topic": guide.category,
            "mode": guide.mode,
        },
        url=reverse(
            "eservices:guide", kwargs={"account_slug": guide.account.slug, "guide_id": guide.pk}
        ),
        published_at=guide.published_at,
    )
