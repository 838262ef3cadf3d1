"""The identity check behind a binding: does this name go with this ID number?

A real deployment plugs in the public-security identity service (公安部公民身份信息核查, usually
through the province's government service platform) by naming a class in the setting
IDENTITY_VERIFIER (environment WEIZHENG_IDENTITY_VERIFIER). The class is built with no arguments
and has `verify(*, name, id_number) -> Verdict`; it should answer within a few seconds (use an
explicit timeout) and raise VerifierUnavailable when the service cannot be reached, so the citizen
is told to try later instead of being refused.

The default, AcceptValidIds, accepts every number that passes the GB 11643 check: it proves the
number is well formed, not that it belongs to the person typing it. The phone is still proven by
the SMS code. Do not run a production account that relies on bindings for records without a
real verifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_VERIFIER = "weizheng.identity.verifiers.AcceptValidIds"


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    # Shown to the citizen when refused: a sentence, translated by the verifier.
    reason: str = ""
    # Recorded on the binding (Binding.verified_by).
    verifier: str = ""


class VerifierUnavailable(Exception):
    """The identity service could not be reached or answered with an error."""


class IdentityVerifier(Protocol):
    def verify(self, *, name: str, id_number: str) -> Verdict: ...


class AcceptValidIds:
    """Accepts any name with any valid ID number (the ID was checked before it gets here)."""

    name = "accept-valid"

    def verify(self, *, name: str, id_number: str) -> Verdict:
        return Verdict(accepted=True, verifier=self.name)


def identity_verifier() -> IdentityVerifier:
    path = getattr(settings, "IDENTITY_VERIFIER", "") or DEFAULT_VERIFIER
    return import_string(path)()


def verified_by_label(verifier: str) -> str:
    """What `Binding.verified_by` means, for staff: an unverified binding must stand out."""
    from django.utils.translation import gettext as _

    if verifier == AcceptValidIds.name:
        return _("Not verified by public security (ID number format checked only)")
    if not verifier:
        return _("Unknown")
    return verifier
