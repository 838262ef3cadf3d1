"""The router: apps register handlers; the gateway asks it for the reply to a message.

Handlers are plain functions `handler(ctx) -> Reply | None`, registered from each app's
`wechat_handlers.py` (discovered at start-up). Observers run first for every matching message and
their result is ignored (a follower's lifecycle, click counts); then reply handlers are tried in
order of priority (lower first), the specific ones (keyword, menu key, QR scene) before the generic
ones of equal priority, until one returns a reply.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import regex

if TYPE_CHECKING:
    from .models import OfficialAccount
    from .protocol.replies import Reply

logger = logging.getLogger(__name__)

KEYED_EVENTS = frozenset(
    {
        "event:click",
        "event:view",
        "event:scancode_push",
        "event:scancode_waitmsg",
        "event:pic_sysphoto",
        "event:pic_photo_or_album",
        "event:pic_weixin",
        "event:location_select",
    }
)
SCENE_EVENTS = frozenset({"event:subscribe", "event:scan"})


@dataclass(frozen=True, slots=True)
class HandlerContext:
    """What a handler gets: the account, the typed message and its interaction-log row id."""

    account: OfficialAccount
    message: Any
    inbound_id: int | None = None

    @property
    def openid(self) -> str:
        return self.message.from_user


Handler = Callable[[HandlerContext], "Reply | None"]


@dataclass(slots=True)
class Rule:
    handler: Handler
    priority: int
    specificity: int
    order: int
    kinds: frozenset[str] | None = None  # None = any kind
    predicate: Callable[[Any], bool] | None = None
    name: str = ""
    # Declared by handlers that do no I/O that could block (pure computation on the message):
    # they run in the request thread, skipping the hand-off that enforces the time budget.
    inline: bool = False

    def matches(self, message: Any) -> bool:
        if self.kinds is not None and message.kind not in self.kinds:
            return False
        return self.predicate is None or self.predicate(message)


@dataclass
class Router:
    rules: list[Rule] = field(default_factory=list)
    observers: list[Rule] = field(default_factory=list)
    # Guards say "do not answer this message" (a blacklisted follower): observers still run, so
    # the follower's lifecycle is kept, but no reply handler does.
    guards: list[Callable[[HandlerContext], bool]] = field(default_factory=list)

    def _add(self, rule: Rule, *, observer: bool = False) -> None:
        target = self.observers if observer else self.rules
        target.append(rule)
        target.sort(key=lambda r: (r.priority, -r.specificity, r.order))

    def _rule(
        self,
        handler: Handler,
        *,
        priority: int,
        specificity: int,
        kinds,
        predicate=None,
        inline: bool = False,
    ) -> Rule:
        order = len(self.rules) + len(self.observers)
        name = f"{handler.__module__}.{getattr(handler, '__qualname__', handler)}"
        frozen = frozenset(kinds) if kinds is not None else None
        return Rule(handler, priority, specificity, order, frozen, predicate, name, inline)

    # --- registration decorators ------------------------------------------------------------
    def on(
        self, *kinds: str, priority: int = 100, inline: bool = False
    ) -> Callable[[Handler], Handler]:
        """Reply handler for message kinds ("text", "image", "event:subscribe"...); none = all.

        `inline=True` only for handlers that cannot block (no database, no network).
        """

        def register(handler: Handler) -> Handler:
            rule = self._rule(
                handler, priority=priority, specificity=0, kinds=kinds or None, inline=inline
            )
            self._add(rule)
            return handler

        return register

    def observe(self, *kinds: str, priority: int = 100) -> Callable[[Handler], Handler]:
        """Side-effect handler that runs for every matching message before any reply handler."""

        def register(handler: Handler) -> Handler:
            rule = self._rule(handler, priority=priority, specificity=0, kinds=kinds or None)
            self._add(rule, observer=True)
            return handler

        return register

    def keyword(
        self, pattern: str, *, match: str = "exact", priority: int = 100
    ) -> Callable[[Handler], Handler]:
        """Reply handler for text messages: match is exact, prefix, contains or regex."""
        predicate = keyword_predicate(pattern, match)

        def register(handler: Handler) -> Handler:
            rule = self._rule(
                handler,
                priority=priority,
                specificity=3 if match == "exact" else 2,
                kinds=("text",),
                predicate=lambda m: predicate(m.content),
            )
            self._add(rule)
            return handler

        return register

    def menu(self, key: str, *, priority: int = 100) -> Callable[[Handler], Handler]:
        """Reply handler for a menu button key (CLICK, scancode_*, pic_*, location_select)."""

        def register(handler: Handler) -> Handler:
            rule = self._rule(
                handler,
                priority=priority,
                specificity=3,
                kinds=KEYED_EVENTS,
                predicate=lambda m: m.event_key == key,
            )
            self._add(rule)
            return handler

        return register

    def scene(
        self, scene: str, *, prefix: bool = False, priority: int = 100
    ) -> Callable[[Handler], Handler]:
        """Reply handler for a QR scene, on first follow (qrscene_) and on SCAN alike.

        With prefix=True, "expo:" routes every scene starting with it to one app.
        """

        def matches(message: Any) -> bool:
            value = getattr(message, "scene", None)
            if not value:
                return False
            return value.startswith(scene) if prefix else value == scene

        def register(handler: Handler) -> Handler:
            rule = self._rule(
                handler,
                priority=priority,
                specificity=2 if prefix else 3,
                kinds=SCENE_EVENTS,
                predicate=matches,
            )
            self._add(rule)
            return handler

        return register

    def guard(self, check: Callable[[HandlerContext], bool]) -> Callable[[HandlerContext], bool]:
        """Register a check that, when true, leaves the message unanswered."""
        self.guards.append(check)
        return check

    # --- dispatch ---------------------------------------------------------------------------
    def runs_inline(self, message: Any) -> bool:
        """True when every handler that could see this message declared itself inline."""
        for rules in (self.observers, self.rules):
            for rule in rules:
                if not rule.inline and rule.matches(message):
                    return False
        return True

    def dispatch(self, ctx: HandlerContext) -> Reply | None:
        message = ctx.message
        for rule in self.observers:
            if rule.matches(message):
                try:
                    rule.handler(ctx)
                except Exception:
                    # One app's bookkeeping failing must not cost the citizen their reply.
                    logger.exception("Observer %s failed on %s", rule.name, message.kind)
        if any(check(ctx) for check in self.guards):
            return None
        for rule in self.rules:
            if rule.matches(message):
                reply = rule.handler(ctx)
                if reply is not None:
                    return reply
        return None


REGEX_TIMEOUT_SECONDS = 0.05
# Messages a pattern is tried on before it is saved: ones that make naive backtracking explode.
REGEX_PROBES = tuple(ch * 40 + "!" for ch in ("a", "1", " ", "查", "ab")) + ("a" * 2000,)


def check_regex_is_bounded(pattern: str) -> None:
    """Refuse a pattern that takes too long on messages made to make it backtrack."""
    compiled = regex.compile(pattern)
    for probe in REGEX_PROBES:
        try:
            compiled.search(probe, timeout=REGEX_TIMEOUT_SECONDS)
        except TimeoutError as exc:
            raise ValueError(
                "The regular expression can take too long on some messages (nested repetition"
                " such as (a|aa)+): simplify it."
            ) from exc


def keyword_predicate(pattern: str, match: str) -> Callable[[str], bool]:
    """A matcher for text content; raises ValueError for an unknown mode or a bad regex."""
    if match == "exact":
        wanted = pattern.strip()
        return lambda text: text.strip() == wanted
    if match == "prefix":
        return lambda text: text.strip().startswith(pattern)
    if match == "contains":
        return lambda text: pattern in text
    if match == "regex":
        try:
            compiled = regex.compile(pattern)
        except regex.error as exc:
            raise ValueError(f"The regular expression does not compile: {exc}") from exc

        def search(text: str) -> bool:
            # A citizen's message must not tie up a worker: a pattern that backtracks without
            # end is cut off and counts as no match.
            try:
                return compiled.search(text, timeout=REGEX_TIMEOUT_SECONDS) is not None
            except TimeoutError:
                logger.warning(
                    "Keyword regex %r timed out on a %d-char message", pattern, len(text)
                )
                return False

        return search
    raise ValueError(f"Unknown match mode {match!r}: use exact, prefix, contains or regex.")


router = Router()
