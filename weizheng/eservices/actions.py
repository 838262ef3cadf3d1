"""Writes of the eservices app: service guides, their 三审 and publication, bilingual versions;
online applications (forms, drafts with their files, submission, the department's steps, 好差评).
One transaction per action with its audit row; the search index changes inside the publishing
(and retracting) transaction, so a guide is findable exactly when it is published."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
    Application,
    ApplicationEvent,
    ApplicationField,
    ApplicationFile,
    ApplicationRating,
    ApplicationStatus,
    DateLimit,
    FieldKind,
    FileType,
    GuideMaterial,
    GuidePublication,
    GuideQuestion,
    HandlingMode,
    Language,
    MaterialForm,
    Prefill,
    RatingScore,
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
    return review.do_retract(
        item=guide,
        actor=actor,
        reason=reason,
        permission="guides.approve",
        from_states=(GuidePublication.PUBLISHED,),
        retracted_state=GuidePublication.RETRACTED,
        audit_action="eservices.guide.retract",
        messages=(
            _("Say why the guide is retracted."),
            _("Only a published guide can be retracted."),
        ),
    )


def check_reopen_guide(*, guide: ServiceGuide, actor: Any) -> ServiceGuide:
    """A retracted guide becomes a draft again, to be corrected and reviewed anew."""
    return review.do_reopen(
        item=guide,
        actor=actor,
        permission="guides.edit",
        retracted_state=GuidePublication.RETRACTED,
        changes={"publication": GuidePublication.UNPUBLISHED},
        audit_action="eservices.guide.reopen",
        refused=_("Only a retracted guide can be edited again."),
    )


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


# --- online applications (网办) ---------------------------------------------------------------
# 行政许可法 art. 32: within five (working) days the department accepts the application or tells
# the applicant once and for all what to correct.
ACCEPTANCE_WORKDAYS = 5
# When the guide promises nothing, the statutory general limit of 行政许可法 art. 42.
DEFAULT_DECISION_WORKDAYS = 20
MAX_ANSWER_LENGTH = 500
RECEIPT_PREFIX = "WB"

# (from, to) → who may take the step. The whole state machine: nothing else moves a status.
CITIZEN, STAFF = "citizen", "staff"
TRANSITIONS: dict[tuple[str, str], str] = {
    (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED): CITIZEN,
    (ApplicationStatus.RETURNED, ApplicationStatus.SUBMITTED): CITIZEN,
    (ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED): STAFF,
    (ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED): STAFF,
    (ApplicationStatus.ACCEPTED, ApplicationStatus.UNDER_REVIEW): STAFF,
    (ApplicationStatus.UNDER_REVIEW, ApplicationStatus.APPROVED): STAFF,
    (ApplicationStatus.UNDER_REVIEW, ApplicationStatus.REJECTED): STAFF,
    (ApplicationStatus.APPROVED, ApplicationStatus.COMPLETED): STAFF,
}
# Steps that must say why (the citizen reads it).
NEEDS_REASON = {ApplicationStatus.RETURNED, ApplicationStatus.REJECTED}
# What the citizen's notification says of each new status (notification texts are Chinese,
# as the other kinds' are): "您申请的“…”（受理编号 …）<words>。"
STATUS_WORDS = {
    ApplicationStatus.SUBMITTED: "已提交，等待受理",
    ApplicationStatus.ACCEPTED: "已受理，正在办理",
    ApplicationStatus.UNDER_REVIEW: "正在审查",
    ApplicationStatus.APPROVED: "已审批通过，等待办结",
    ApplicationStatus.REJECTED: "未予批准，原因：{note}",
    ApplicationStatus.COMPLETED: "已办结，欢迎打开办件页面对本次服务作出评价",
}
MAX_FORM_FIELDS = 40
MAX_CHOICES = 50
MAX_RATING_COMMENT = 300
FIELD_KEY = r"^[a-z][a-z0-9_]{0,39}$"
PHONE_NUMBER = r"^1[3-9]\d{9}$"


def clean_answers(
    *,
    guide: ServiceGuide,
    answers: dict[str, Any],
    complete: bool,
    attached: set[str] | frozenset[str] = frozenset(),
) -> dict[str, str]:
    """The answers to the guide's form, each checked by its kind; with `complete`, every
    required field must be answered (an upload field by a file among `attached`, the keys of
    the files the application has or is about to get). Every field is checked before refusing:
    the AppError's `errors` extra maps each bad field's key to its problem (the form shows each
    next to its field), `field` names the first; its code is the problems' when they share one
    (answer_missing), `answers_invalid` when they differ."""
    fields = {f.key: f for f in guide.form_fields.all()}
    unknown = set(answers) - set(fields)
    if unknown:
        raise AppError(
            "bad_field", _("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    cleaned: dict[str, str] = {}
    problems: list[tuple[str, str, str]] = []  # (field key, code, message)
    for key, field in fields.items():
        condition = fields.get(field.required_when_field) if field.required_when_field else None
        is_required = field.is_required or (
            condition is not None
            and " ".join(str(answers.get(condition.key) or "").split()) == field.required_when_value
        )
        if field.kind == FieldKind.FILE:
            if complete and is_required and key not in attached:
                problems.append(
                    (key, "file_missing", _("Attach “%(label)s”.") % {"label": field.label})
                )
            continue
        value = " ".join(str(answers.get(key) or "").split())
        if not value:
            if complete and is_required and condition is not None and not field.is_required:
                problems.append(
                    (
                        key,
                        "answer_missing",
                        _("“%(label)s” is required when “%(other)s” is “%(value)s”.")
                        % {
                            "label": field.label,
                            "other": condition.label,
                            "value": field.required_when_value,
                        },
                    )
                )
            elif complete and is_required:
                problems.append(
                    (
                        key,
                        "answer_missing",
                        _("“%(label)s” is required.") % {"label": field.label},
                    )
                )
            continue
        problem = _answer_problem(field, value)
        if isinstance(problem, tuple):
            problems.append((key, *problem))
            continue
        cleaned[key] = problem
    if problems:
        first_key, first_code, first_message = problems[0]
        codes = {code for _key, code, _text in problems}
        code = first_code if len(codes) == 1 else "answers_invalid"
        message = first_message
        if len(problems) > 1:
            message = ngettext(
                "%(count)d field needs correcting: see the note under it.",
                "%(count)d fields need correcting: see the note under each.",
                len(problems),
            ) % {"count": len(problems)}
        raise AppError(
            code,
            message,
            field=first_key,
            errors={key: str(text) for key, _code, text in problems},
        )
    return cleaned


def _answer_problem(field: ApplicationField, value: str) -> str | tuple[str, str]:
    """The answer as stored (normalised by its kind), or (code, message) of what is wrong."""
    import regex

    from weizheng.identity.idcard import InvalidIdNumber, check_id_number

    if len(value) > MAX_ANSWER_LENGTH:
        return (
            "answer_too_long",
            _("“%(label)s” is longer than %(n)d characters.")
            % {"label": field.label, "n": MAX_ANSWER_LENGTH},
        )
    if field.kind == FieldKind.NUMBER:
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            return "bad_number", _("“%(label)s” must be a number.") % {"label": field.label}
    elif field.kind == FieldKind.DATE:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return (
                "bad_date",
                _("“%(label)s” is a date written as 2026-10-01.") % {"label": field.label},
            )
        today = timezone.localdate()
        if field.date_limit == DateLimit.NOT_AFTER_TODAY and day > today:
            return "date_after_today", _("“%(label)s” cannot be later than today.") % {
                "label": field.label
            }
        if field.date_limit == DateLimit.NOT_BEFORE_TODAY and day < today:
            return "date_before_today", _("“%(label)s” cannot be earlier than today.") % {
                "label": field.label
            }
        value = day.isoformat()
    elif field.kind == FieldKind.SELECT and value not in field.choices:
        return (
            "bad_choice",
            _("Choose one of the options of “%(label)s”.") % {"label": field.label},
        )
    elif field.kind == FieldKind.ID_NUMBER:
        try:
            value = check_id_number(value)
        except InvalidIdNumber:
            return (
                "bad_id_number",
                _("“%(label)s” is not a valid resident ID number (check the last digit).")
                % {"label": field.label},
            )
    elif field.kind == FieldKind.PHONE:
        value = value.replace(" ", "").replace("-", "")
        if not regex.match(PHONE_NUMBER, value):
            return (
                "bad_phone",
                _("“%(label)s” is an 11-digit mobile number.") % {"label": field.label},
            )
    return value


def _require_binding(*, account: OfficialAccount, openid: str) -> Any:
    from weizheng.identity.selectors import active_binding

    binding = active_binding(account=account, openid=openid)
    if binding is None:
        raise AppError(
            "binding_required",
            _("Bind your real name to this account before applying online."),
            status=403,
        )
    return binding


def _check_online(guide: ServiceGuide, account: OfficialAccount) -> None:
    if (
        guide.account_id != account.pk
        or not guide.is_public
        or guide.mode == HandlingMode.OFFLINE
        or not guide.accepts_online
    ):
        raise AppError("not_online", _("This service cannot be applied for online."), status=404)


def _with_prefill(
    fields: list[ApplicationField], answers: dict[str, Any], binding: Any
) -> dict[str, Any]:
    """The citizen's answers with the binding's values in the fields filled from it (what the
    citizen posted for those is ignored) and nothing for upload fields (files come apart)."""
    merged = {
        key: value
        for key, value in answers.items()
        if not any(f.key == key and (f.prefill or f.kind == FieldKind.FILE) for f in fields)
    }
    for field in fields:
        if field.prefill:
            merged[field.key] = getattr(binding, field.prefill, "") or ""
    return merged


def check_save_application(
    *,
    account: OfficialAccount,
    guide: ServiceGuide,
    openid: str,
    answers: dict[str, Any],
    files: dict[str, Any] | None = None,
    application: Application | None = None,
    submit: bool = False,
) -> Application:
    """Save the citizen's draft (or the correction of a returned application) with its uploads
    and, with `submit`, submit it — all of it or nothing.

    Every check (binding, the guide accepting online applications, ownership, the status, each
    answer by its kind, each file by its content and size, and with `submit` every required
    field) runs before anything is written. Files are written inside the transaction and
    deleted again if it does not commit; a replaced file is deleted after the commit."""
    from .uploads import check_upload, remove_private, write_private

    binding = _require_binding(account=account, openid=openid)
    if application is not None:
        if application.openid != openid or application.account_id != account.pk:
            raise AppError("not_found", _("No such application."), status=404)
        guide = application.guide
        if application.status not in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED):
            raise AppError(
                "not_editable",
                _("Only a draft or an application returned for correction can be changed."),
                status=409,
            )
    _check_online(guide, account)
    fields = list(guide.form_fields.all())
    by_key = {f.key: f for f in fields}
    pending = []
    for key, upload in (files or {}).items():
        field = by_key.get(key)
        if field is None or field.kind != FieldKind.FILE:
            raise AppError("bad_field", _("Unknown fields: %(names)s.") % {"names": key})
        pending.append(check_upload(field=field, upload=upload))
    attached = {p.field_key for p in pending}
    if application is not None:
        attached |= set(application.files.values_list("field_key", flat=True))
    cleaned = clean_answers(
        guide=guide,
        answers=_with_prefill(fields, answers, binding),
        complete=submit,
        attached=attached,
    )
    written: list[str] = []
    replaced: list[str] = []
    try:
        with transaction.atomic():
            if application is None:
                application = Application.objects.create(
                    account=account,
                    guide=guide,
                    openid=openid,
                    sealed_answers=Application.seal(cleaned),
                )
            else:
                changed = Application.objects.filter(
                    pk=application.pk,
                    status=application.status,
                ).update(sealed_answers=Application.seal(cleaned), updated_at=timezone.now())
                if not changed:
                    raise AppError(
                        "application_state",
                        _("This application has moved on meanwhile; reload the page."),
                        status=409,
                    )
                application.refresh_from_db()
            for upload in pending:
                old = ApplicationFile.objects.filter(
                    application=application, field_key=upload.field_key
                ).first()
                if old is not None:
                    replaced.append(old.path)
                    old.delete()
                path = write_private(upload, application_id=application.pk)
                written.append(path)
                ApplicationFile.objects.create(
                    application=application,
                    field_key=upload.field_key,
                    original_name=upload.original_name,
                    file_type=upload.file_type,
                    size=upload.size,
                    sha256=upload.sha256,
                    path=path,
                )
            do_audit(
                action="eservices.application.save",
                actor_label="citizen",
                account=account,
                target=application,
                detail={
                    "guide": guide.pk,
                    "fields": sorted(cleaned),
                    "files": [
                        {"field": p.field_key, "type": p.file_type, "size": p.size} for p in pending
                    ],
                },
            )
            if submit:
                application = _submit(application)
            old_paths = list(replaced)
            transaction.on_commit(lambda: [remove_private(path) for path in old_paths])
    except BaseException:
        for path in written:
            remove_private(path)
        raise
    return application


def check_save_draft(
    *,
    account: OfficialAccount,
    guide: ServiceGuide,
    openid: str,
    answers: dict[str, Any],
    application: Application | None = None,
    files: dict[str, Any] | None = None,
) -> Application:
    """Create or change the citizen's draft (answers checked by kind, required ones not yet)."""
    return check_save_application(
        account=account,
        guide=guide,
        openid=openid,
        answers=answers,
        files=files,
        application=application,
    )


def _new_receipt_no(now: datetime) -> str:
    local = timezone.localtime(now)
    return f"{RECEIPT_PREFIX}{local:%Y%m%d}{secrets.randbelow(10**6):06d}"


def _due_for(application: Application, to: str, now: datetime) -> datetime | None:
    """The working-day clock after moving to `to` (None: nobody in the department owes a step)."""
    from weizheng.core.workdays import add_workdays

    if to == ApplicationStatus.SUBMITTED:
        return add_workdays(start=now, n=ACCEPTANCE_WORKDAYS)
    if to == ApplicationStatus.ACCEPTED:
        return add_workdays(start=now, n=decision_workdays(application.guide))
    if to in (ApplicationStatus.UNDER_REVIEW, ApplicationStatus.APPROVED):
        return application.due_at  # the decision's clock keeps running until completion
    return None


def decision_workdays(guide: ServiceGuide) -> int:
    """The working days the department has to decide once it accepted: the promised limit,
    else the statutory one, else 行政许可法's general 20."""
    limit = guide.promised_days
    if limit is None:
        limit = guide.statutory_days
    return DEFAULT_DECISION_WORKDAYS if limit is None else limit


def application_link(application: Application) -> str:
    """The absolute address of the citizen's page of the application ("" without
    PUBLIC_BASE_URL: the notification then has no link)."""
    from weizheng.search.links import public_base_url

    base = public_base_url()
    if not base:
        return ""
    return base + reverse(
        "eservices:application",
        kwargs={"account_slug": application.account.slug, "application_id": application.pk},
    )


def _sentence_part(text: str) -> str:
    """A reason as it goes into a notification sentence: no final full stop of its own."""
    return text.strip().rstrip("。.！!；;，, ")


def _move_application(
    application: Application,
    *,
    to: str,
    actor: Any,
    actor_label: str,
    note: str,
    extra: dict[str, Any] | None = None,
) -> Application:
    """The one place a status changes: a conditional update from the status read, the event
    row, the audit row and the citizen's notification, in one transaction."""
    from weizheng.notifications.actions import notify

    now = timezone.now()
    frm = application.status
    due = _due_for(application, to, now)
    changes: dict[str, Any] = {
        "status": to,
        "due_at": due,
        "updated_at": now,
        "last_note": note[:500] if to in NEEDS_REASON else "",
        **(extra or {}),
    }
    stamp = {
        ApplicationStatus.SUBMITTED: "submitted_at",
        ApplicationStatus.ACCEPTED: "accepted_at",
        ApplicationStatus.APPROVED: "decided_at",
        ApplicationStatus.REJECTED: "decided_at",
        ApplicationStatus.COMPLETED: "completed_at",
    }.get(to)
    if stamp:
        changes[stamp] = now
    with transaction.atomic():
        moved = Application.objects.filter(pk=application.pk, status=frm).update(**changes)
        if not moved:
            raise AppError(
                "application_state",
                _("This application has moved on meanwhile; reload the page."),
                status=409,
            )
        application.refresh_from_db()
        event = ApplicationEvent.objects.create(
            application=application,
            from_status=frm,
            to_status=to,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_label=actor_label,
            note=note[:500],
            due_at=due,
        )
        do_audit(
            action=f"eservices.application.{to}",
            actor=actor,
            actor_label=actor_label,
            account=application.account,
            target=application,
            detail={
                "receipt_no": application.receipt_no,
                "from": frm,
                "note": note[:500],
                "due_at": due.isoformat() if due else None,
            },
        )
        service = application.guide.title
        link = application_link(application)
        if to == ApplicationStatus.RETURNED:
            notify(
                account=application.account,
                openid=application.openid,
                kind="eservices.returned",
                variables={
                    "service": service,
                    "receipt_no": application.receipt_no,
                    "reason": _sentence_part(note[:500]),
                    "link": link,
                },
                dedupe_key=f"eservices.application:{application.pk}:event:{event.pk}",
            )
        else:
            notify(
                account=application.account,
                openid=application.openid,
                kind="eservices.status",
                variables={
                    "service": service,
                    "receipt_no": application.receipt_no,
                    "status": STATUS_WORDS[to].format(note=_sentence_part(note[:200])),
                    "link": link,
                },
                dedupe_key=f"eservices.application:{application.pk}:event:{event.pk}",
            )
    return application


def _submit(application: Application) -> Application:
    """Move a checked draft or corrected application to submitted (a receipt number the first
    time). Runs inside the caller's transaction or its own."""
    extra: dict[str, Any] = {}
    if not application.receipt_no:
        for _attempt in range(5):
            receipt = _new_receipt_no(timezone.now())
            if not Application.objects.filter(receipt_no=receipt).exists():
                extra["receipt_no"] = receipt
                break
        else:  # pragma: no cover - a million numbers a day
            raise AppError("busy", _("Please try again in a moment."), status=503)
    try:
        return _move_application(
            application,
            to=ApplicationStatus.SUBMITTED,
            actor=None,
            actor_label="citizen",
            note="",
            extra=extra,
        )
    except IntegrityError as exc:  # two submissions drew the same number at once
        raise AppError("busy", _("Please try again in a moment."), status=503) from exc


def check_submit_application(*, application: Application, openid: str) -> Application:
    """The citizen submits a draft (a receipt number is given) or resubmits a corrected one;
    every required field must be answered and every required file attached."""
    if application.openid != openid:
        raise AppError("not_found", _("No such application."), status=404)
    _require_binding(account=application.account, openid=openid)
    if (application.status, ApplicationStatus.SUBMITTED) not in TRANSITIONS:
        raise AppError(
            "application_state", _("This application has already been submitted."), status=409
        )
    clean_answers(
        guide=application.guide,
        answers=application.answers,
        complete=True,
        attached=set(application.files.values_list("field_key", flat=True)),
    )
    return _submit(application)


def check_transition(
    *, application: Application, to: str, actor: Any, note: str = "", seen_status: str = ""
) -> Application:
    """A department's step on an application (accept, return for correction, review, approve,
    reject, complete), refused unless the state machine allows it from the current status.
    `seen_status`, the status the clerk's page showed, makes a step from a stale page a 409."""
    _require(actor, "cases.handle", application.account)
    if actor is None:
        raise AppError("forbidden", _("A staff member takes this step."), status=403)
    note = " ".join((note or "").split())
    if seen_status and seen_status != application.status:
        raise AppError(
            "application_state",
            _("This application has moved on meanwhile; reload the page."),
            status=409,
        )
    if TRANSITIONS.get((application.status, to)) != STAFF:
        raise AppError(
            "application_state",
            _("An application that is “%(current)s” cannot become “%(next)s”.")
            % {
                "current": ApplicationStatus(application.status).label,
                "next": ApplicationStatus(to).label if to in ApplicationStatus.values else to,
            },
            status=409,
        )
    if to in NEEDS_REASON and not note:
        raise AppError("reason_missing", _("Tell the applicant why."), field="note")
    return _move_application(application, to=to, actor=actor, actor_label="", note=note)


# --- 好差评 -------------------------------------------------------------------------------------
def check_rate_application(
    *, application: Application, openid: str, score: Any, comment: str = ""
) -> ApplicationRating:
    """The applicant rates a completed application, once (a database constraint)."""
    if application.openid != openid:
        raise AppError("not_found", _("No such application."), status=404)
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if score not in RatingScore.values:
        raise AppError("bad_score", _("Choose one of the five ratings."), field="score")
    comment = " ".join((comment or "").split())
    if len(comment) > MAX_RATING_COMMENT:
        raise AppError(
            "comment_too_long",
            _("The comment is limited to %(n)d characters.") % {"n": MAX_RATING_COMMENT},
            field="comment",
        )
    if application.status != ApplicationStatus.COMPLETED:
        raise AppError(
            "not_completed", _("An application can be rated once it is completed."), status=409
        )
    try:
        with transaction.atomic():
            rating = ApplicationRating.objects.create(
                application=application, openid=openid, score=score, comment=comment
            )
            do_audit(
                action="eservices.application.rated",
                actor_label="citizen",
                account=application.account,
                target=application,
                detail={"receipt_no": application.receipt_no, "score": score},
            )
    except IntegrityError as exc:
        raise AppError(
            "already_rated", _("You have already rated this application."), status=409
        ) from exc
    return rating


# --- audit of reads -------------------------------------------------------------------------------
def do_audit_application_read(
    *,
    application: Application,
    actor: Any = None,
    what: str = "view",
    file: ApplicationFile | None = None,
    ip_address: str | None = None,
) -> None:
    """An audit row for a look at an application's personal data: a clerk's detail page
    (`view`) or a download of an attached file (`file`), by a clerk or the citizen (actor None)."""
    detail: dict[str, Any] = {"receipt_no": application.receipt_no}
    if file is not None:
        detail.update(file=file.pk, field=file.field_key)
    do_audit(
        action=f"eservices.application.{what}",
        actor=actor,
        actor_label="" if actor is not None else "citizen",
        account=application.account,
        target=application,
        detail=detail,
        ip_address=ip_address,
    )


# --- the form designer ------------------------------------------------------------------------
def clean_form_fields(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of an application form as the designer sent them, in order; AppError naming the
    row (and field) otherwise."""
    import regex

    from .uploads import HARD_MAX_KB

    if len(rows) > MAX_FORM_FIELDS:
        raise AppError("too_many", _("A form has at most %(n)d fields.") % {"n": MAX_FORM_FIELDS})
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    prefilled: set[str] = set()
    for number, row in enumerate(rows, start=1):
        key = str(row.get("key") or "").strip().lower()
        label = " ".join(str(row.get("label") or "").split())
        kind = str(row.get("kind") or "")
        where = {"row": number}
        if not label:
            raise AppError(
                "label_missing",
                _("Field %(n)d needs a label.") % {"n": number},
                field="label",
                **where,
            )
        if len(label) > 100:
            raise AppError(
                "label_too_long",
                _("Field %(n)d: the label is limited to 100 characters.") % {"n": number},
                field="label",
                **where,
            )
        if not regex.match(FIELD_KEY, key):
            raise AppError(
                "bad_key",
                _(
                    "Field %(n)d: the key is lowercase letters, digits and _, starting with a "
                    "letter (at most 40), e.g. id_number."
                )
                % {"n": number},
                field="key",
                **where,
            )
        if key in seen:
            raise AppError(
                "duplicate_key",
                _("Field %(n)d: the key %(key)s is used twice.") % {"n": number, "key": key},
                field="key",
                **where,
            )
        seen.add(key)
        if kind not in FieldKind.values:
            raise AppError(
                "bad_kind", _("Field %(n)d: choose a kind.") % {"n": number}, field="kind", **where
            )
        help_text = " ".join(str(row.get("help_text") or "").split())
        if len(help_text) > 200:
            raise AppError(
                "help_too_long",
                _("Field %(n)d: the help text is limited to 200 characters.") % {"n": number},
                field="help_text",
                **where,
            )
        choices: list[str] = []
        raw_choices = row.get("choices") or []
        if isinstance(raw_choices, str):
            raw_choices = raw_choices.splitlines()
        for choice in raw_choices:
            choice = " ".join(str(choice).split())
            if choice and choice not in choices:
                choices.append(choice)
        if kind == FieldKind.SELECT:
            if len(choices) < 2:
                raise AppError(
                    "choices_missing",
                    _("Field %(n)d: a choice from a list needs at least two options, one per line.")
                    % {"n": number},
                    field="choices",
                    **where,
                )
            if len(choices) > MAX_CHOICES or any(len(c) > 100 for c in choices):
                raise AppError(
                    "too_many_choices",
                    _("Field %(n)d: at most %(max)d options of up to 100 characters.")
                    % {"n": number, "max": MAX_CHOICES},
                    field="choices",
                    **where,
                )
        else:
            choices = []
        prefill = str(row.get("prefill") or "")
        if prefill not in Prefill.values:
            raise AppError(
                "bad_prefill",
                _("Field %(n)d: choose where the value comes from.") % {"n": number},
                field="prefill",
                **where,
            )
        fitting = {
            Prefill.NAME: (FieldKind.TEXT,),
            Prefill.ID_NUMBER: (FieldKind.ID_NUMBER,),
            Prefill.PHONE: (FieldKind.PHONE, FieldKind.TEXT),
        }
        if prefill and kind not in fitting[Prefill(prefill)]:
            raise AppError(
                "prefill_kind",
                _("Field %(n)d: “%(prefill)s” fits a field of kind %(kinds)s.")
                % {
                    "n": number,
                    "prefill": Prefill(prefill).label,
                    "kinds": " / ".join(str(FieldKind(k).label) for k in fitting[Prefill(prefill)]),
                },
                field="prefill",
                **where,
            )
        if prefill and prefill in prefilled:
            raise AppError(
                "prefill_twice",
                _("Field %(n)d: another field is already filled with this value.") % {"n": number},
                field="prefill",
                **where,
            )
        if prefill:
            prefilled.add(prefill)
        file_types: list[str] = []
        max_size_kb = None
        if kind == FieldKind.FILE:
            file_types = [t for t in FileType.values if t in (row.get("file_types") or [])]
            if not file_types:
                raise AppError(
                    "file_types_missing",
                    _("Field %(n)d: tick the file types it accepts.") % {"n": number},
                    field="file_types",
                    **where,
                )
            max_size_kb = row.get("max_size_kb")
            if (
                not isinstance(max_size_kb, int)
                or isinstance(max_size_kb, bool)
                or not 1 <= max_size_kb <= HARD_MAX_KB
            ):
                raise AppError(
                    "bad_max_size",
                    _("Field %(n)d: the largest file is from 1 to %(max)d KB.")
                    % {"n": number, "max": HARD_MAX_KB},
                    field="max_size_kb",
                    **where,
                )
        date_limit = str(row.get("date_limit") or "")
        if date_limit not in DateLimit.values or (date_limit and kind != FieldKind.DATE):
            raise AppError(
                "bad_date_limit",
                _("Field %(n)d: a date limit applies to a date field only.") % {"n": number},
                field="date_limit",
                **where,
            )
        when_field = str(row.get("required_when_field") or "").strip().lower()
        when_value = " ".join(str(row.get("required_when_value") or "").split())
        if bool(when_field) != bool(when_value) or (when_field and prefill):
            raise AppError(
                "bad_condition",
                _(
                    "Field %(n)d: a condition names both the key of a choice field and one of "
                    "its options (and a value from the binding needs none)."
                )
                % {"n": number},
                field="required_when_field" if not when_field else "required_when_value",
                **where,
            )
        cleaned.append(
            {
                "key": key,
                "label": label,
                "kind": kind,
                # A condition decides when the field is required.
                "is_required": bool(row.get("is_required", True)) and not when_field,
                "choices": choices,
                "help_text": help_text,
                "prefill": prefill,
                "file_types": file_types,
                "max_size_kb": max_size_kb,
                "date_limit": date_limit,
                "required_when_field": when_field,
                "required_when_value": when_value,
            }
        )
    # Conditions may name a field further down: checked once every row is known.
    selects = {row["key"]: row["choices"] for row in cleaned if row["kind"] == FieldKind.SELECT}
    for number, row in enumerate(cleaned, start=1):
        when_field, when_value = row["required_when_field"], row["required_when_value"]
        if not when_field:
            continue
        if when_field == row["key"] or when_field not in selects:
            raise AppError(
                "condition_field",
                _(
                    "Field %(n)d: the condition names %(key)s, which is not a choice field of this form."
                )
                % {"n": number, "key": when_field},
                field="required_when_field",
                row=number,
            )
        if when_value not in selects[when_field]:
            raise AppError(
                "condition_value",
                _("Field %(n)d: “%(value)s” is not one of the options of %(key)s.")
                % {"n": number, "value": when_value, "key": when_field},
                field="required_when_value",
                row=number,
            )
    return cleaned


def check_save_form(
    *,
    guide: ServiceGuide,
    actor: Any,
    fields: list[dict[str, Any]],
    accepts_online: bool,
) -> ServiceGuide:
    """Replace a guide's application form (the fields in the order given) and switch online
    application on or off. Applications keep their answers by key: a removed field's answers
    stay on the applications already made."""
    _require(actor, "eservices.manage", guide.account)
    cleaned = clean_form_fields(fields)
    if accepts_online:
        if guide.mode == HandlingMode.OFFLINE:
            raise AppError(
                "offline_guide",
                _(
                    "The guide says the service is handled at the service hall only; change its "
                    "handling mode first."
                ),
                field="accepts_online",
            )
        if not cleaned:
            raise AppError(
                "empty_form",
                _("Add at least one field before enabling online application."),
                field="accepts_online",
            )
    with transaction.atomic():
        guide.form_fields.all().delete()
        ApplicationField.objects.bulk_create(
            ApplicationField(guide=guide, position=n, **row) for n, row in enumerate(cleaned)
        )
        ServiceGuide.objects.filter(pk=guide.pk).update(accepts_online=accepts_online)
        guide.accepts_online = accepts_online
        do_audit(
            action="eservices.form.update",
            actor=actor,
            account=guide.account,
            target=guide,
            detail={
                "title": guide.title,
                "fields": [row["key"] for row in cleaned],
                "accepts_online": accepts_online,
            },
        )
    return guide
