"""An SMS gateway for the demo: texts are stored and shown in the simulator's SMS panel.

settings.NOTIFICATIONS_SMS_GATEWAY = "weizheng.simulator.sms.SimulatorGateway" (dev settings
only: the simulator app is installed only with the mock WeChat platform).
"""

from __future__ import annotations

from collections.abc import Collection

from weizheng.core.crypto import blind_index
from weizheng.core.masking import mask_phone

from .models import SimulatedSms

# The panel shows the newest text per phone; older ones are pruned beyond this many.
KEEP = 200


class SimulatorGateway:
    def send(self, phone: str, text: str) -> str:
        from weizheng.identity.models import PHONE_CONTEXT

        sms = SimulatedSms.objects.create(
            phone=mask_phone(phone),
            phone_index=blind_index(phone, context=PHONE_CONTEXT),
            text=text,
        )
        stale = SimulatedSms.objects.order_by("-pk").values_list("pk", flat=True)[KEEP : KEEP + 1]
        if stale:
            SimulatedSms.objects.filter(pk__lte=stale[0]).delete()
        return f"simulator-{sms.pk}"


def latest_per_phone(
    limit: int = 8, *, phone_indexes: Collection[str] | None = None
) -> list[SimulatedSms]:
    """The newest text of each (masked) phone, newest first; only those phones' texts when
    `phone_indexes` (blind indexes) is given."""
    seen: set[str] = set()
    latest: list[SimulatedSms] = []
    rows = SimulatedSms.objects.order_by("-sent_at", "-pk")
    if phone_indexes is not None:
        rows = rows.filter(phone_index__in=[i for i in phone_indexes if i])
    for sms in rows[:KEEP]:
        if sms.phone in seen:
            continue
        seen.add(sms.phone)
        latest.append(sms)
        if len(latest) == limit:
            break
    return latest
