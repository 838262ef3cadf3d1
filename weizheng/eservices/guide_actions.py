"""What a citizen can do from a guide's page besides reading it, offered by other apps.

The guide page shows 在线办理 itself (its own online form). Other apps add their own actions —
appointments adds 预约 where one of its windows serves the guide — by registering a provider in
their AppConfig.ready(). eservices never imports them: appointments already depends on
eservices (Window.guide), and the dependency stays one way. An app that is not installed simply
registers nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GuideAction:
    """A button on the guide page: its label (already translated), where it leads, and a short
    code for the page's data-test attribute."""

    code: str
    label: str
    url: str


Provider = Callable[[Any], list[GuideAction]]

_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a provider (called with the published guide being read); registering twice is one."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def actions_for(*, guide: Any) -> list[GuideAction]:
    """The other apps' actions on this guide, in the order they registered."""
    found: list[GuideAction] = []
    for provider in _providers:
        found.extend(provider(guide))
    return found
