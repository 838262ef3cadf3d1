"""What online applications hold about a citizen, for identity's "My data" and unbind pages."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weizheng.identity.personal_data import Row, register

from .models import ApplicationStatus
from .selectors import citizen_applications

# Still with the citizen or the department: unbinding does not stop them.
OPEN = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.RETURNED,
    ApplicationStatus.UNDER_REVIEW,
)


def _row(application: Any, account: Any) -> Row:
    when = application.submitted_at or application.updated_at
    return Row(
        label=f"{application.guide.title} · {timezone.localtime(when):%Y-%m-%d}",
        value=" · ".join(
            part for part in (application.receipt_no, application.get_status_display()) if part
        ),
        url=reverse(
            "eservices:application",
            kwargs={"account_slug": account.slug, "application_id": application.pk},
        ),
    )


def applications(account: Any, openid: str) -> list[Row]:
    return [_row(a, account) for a in citizen_applications(account=account, openid=openid)[:20]]


def open_applications(account: Any, openid: str) -> list[Row]:
    return [
        _row(a, account)
        for a in citizen_applications(account=account, openid=openid)
        if a.status in OPEN
    ]


register(
    "eservices.applications",
    _("Online applications"),
    applications,
    order=40,
    in_progress=open_applications,
    after_unbinding=_(
        "Applications you submitted stay with the department and are handled to the end; the "
        "result still reaches you here. What you entered in them is kept as the department's "
        "case file. Drafts stay until you delete them."
    ),
)
