"""Reads of real-name bindings. Other apps ask `active_binding` whether a citizen is bound."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet, TextChoices
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from weizheng.core.crypto import blind_index

from .models import ID_NUMBER_CONTEXT, PHONE_CONTEXT, Binding, Consent


def active_binding(*, account: Any, openid: str) -> Binding | None:
    """The citizen's current binding on this account, or None (never another openid's)."""
    if not openid:
        return None
    return Binding.objects.filter(account=account, openid=openid, unbound_at__isnull=True).first()


def phone_for_notifications(account: Any, openid: str) -> str | None:
    """The verified phone of the citizen's active binding, for the SMS fallback of notifications
    (settings.NOTIFICATIONS_PHONE_LOOKUP = "weizheng.identity.selectors.phone_for_notifications")."""
    binding = active_binding(account=account, openid=openid)
    return (binding.phone or None) if binding is not None else None


def phone_indexes_of(*, account: Any, openid: str, days: int = 7) -> set[str]:
    """Blind indexes of the phones that are this citizen's on this account: the phone of their
    active binding and those they asked a binding code for lately (the simulator's SMS panel
    shows a persona only these phones' texts)."""
    import datetime as dt

    from django.utils import timezone

    from .models import SmsChallenge

    if not openid:
        return set()
    indexes = set(
        SmsChallenge.objects.filter(
            account=account,
            openid=openid,
            created_at__gte=timezone.now() - dt.timedelta(days=days),
        ).values_list("phone_index", flat=True)
    )
    binding = active_binding(account=account, openid=openid)
    if binding is not None and binding.phone_index:
        indexes.add(binding.phone_index)
    return {i for i in indexes if i}


def consents_for(*, account: Any, openid: str) -> QuerySet[Consent]:
    """Every consent this openid gave on this account, newest first (withdrawn ones too)."""
    return Consent.objects.filter(account=account, openid=openid).order_by("-given_at", "-pk")


def past_bindings_for(*, account: Any, openid: str) -> QuerySet[Binding]:
    """Ended bindings of this openid (their personal fields are wiped), newest first."""
    return Binding.objects.filter(
        account=account, openid=openid, unbound_at__isnull=False
    ).order_by("-unbound_at", "-pk")


@dataclass(frozen=True)
class OwnData:
    binding: Binding | None
    past_bindings: list[Binding]
    consents: list[Consent]
    follower: Any
    notifications: list[Any]


def own_data(*, account: Any, openid: str, notifications: int = 20) -> OwnData:
    """Everything this account holds about the citizen who asks (their own openid only)."""
    from weizheng.followers.h5_selectors import follower_for_citizen
    from weizheng.notifications.selectors import history_for

    return OwnData(
        binding=active_binding(account=account, openid=openid),
        past_bindings=list(past_bindings_for(account=account, openid=openid)[:10]),
        consents=list(consents_for(account=account, openid=openid)[:20]),
        follower=follower_for_citizen(account=account, openid=openid),
        notifications=list(history_for(account=account, openid=openid, limit=notifications)),
    )


class LookupBy(TextChoices):
    ID_NUMBER = "id_number", _("ID number")
    PHONE = "phone", _("Mobile phone")
    OPENID = "openid", _("OpenID")


def lookup_bindings(*, account: Any, by: str, value: str) -> list[Binding]:
    """Bindings of this account matching exactly (blind index for the ID and phone numbers, which
    then finds active bindings only: ended ones have their indexes wiped; every binding, ended or
    not, for an openid). The caller checked the staff member may see the account's bindings."""
    from .idcard import normalise

    value = (value or "").strip()
    if not value:
        return []
    rows = Binding.objects.filter(account=account).select_related("unbound_by")
    if by == LookupBy.ID_NUMBER:
        rows = rows.filter(id_number_index=blind_index(normalise(value), context=ID_NUMBER_CONTEXT))
    elif by == LookupBy.PHONE:
        rows = rows.filter(phone_index=blind_index(value, context=PHONE_CONTEXT))
    elif by == LookupBy.OPENID:
        rows = rows.filter(openid=value)
    else:
        return []
    return list(rows.order_by("unbound_at", "-bound_at", "-pk")[:20])


def access_binding_for_staff(*, account: Any, binding_id: Any) -> Binding:
    """A binding of this account (404 for another account's or a malformed id)."""
    try:
        pk = int(binding_id)
    except (TypeError, ValueError):
        raise Http404("No such binding.") from None
    binding = Binding.objects.filter(account=account, pk=pk).first()
    if binding is None:
        raise Http404("No such binding.")
    return binding
