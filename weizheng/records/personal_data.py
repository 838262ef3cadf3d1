"""Record queries made in a citizen's name, for identity's "My data" page: the audit rows of
`records.query` written against the citizen's bindings (masked when written; nothing decrypted)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weizheng.core.models import AuditLog
from weizheng.identity.personal_data import Row, register

from . import registry

QUERY_ACTION = "records.query"
OUTCOMES = {
    "ok": _("answered"),
    "not_found": _("nothing found"),
    "unavailable": _("service unavailable"),
    "timeout": _("no answer in time"),
    "refused": _("refused"),
}


def queries(account: Any, openid: str) -> list[Row]:
    from weizheng.identity.models import Binding

    bindings = [
        str(pk)
        for pk in Binding.objects.filter(account=account, openid=openid).values_list(
            "pk", flat=True
        )
    ]
    if not bindings:
        return []
    rows = AuditLog.objects.filter(
        action=QUERY_ACTION,
        account=account,
        target_type=Binding._meta.label_lower,
        target_id__in=bindings,
    ).order_by("-created_at", "-pk")[:20]
    listed = []
    for row in rows:
        detail = row.detail if isinstance(row.detail, dict) else {}
        code = str(detail.get("query_type", ""))
        query_type = registry.get(code)
        outcome = str(detail.get("outcome", ""))
        listed.append(
            Row(
                label=f"{query_type.label if query_type else code} · "
                f"{timezone.localtime(row.created_at):%Y-%m-%d %H:%M}",
                value=str(OUTCOMES.get(outcome, _("error"))),
            )
        )
    return listed


register("records.queries", _("Record queries made in your name"), queries, order=50)
