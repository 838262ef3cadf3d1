"""From what a citizen typed to what the index is asked: checked, segmented, synonyms added.

A parsed query is an AND of groups, one per query word; a group is an OR of alternatives (the
word and its synonyms); an alternative is an AND of tokens (a synonym of several words, such as an
account's own 新市民积分 that jieba cuts in two, needs all of them).
"""

from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from weizheng.core.errors import AppError

from . import segment
from .models import Synonym

MAX_QUERY_LENGTH = 50

Alternative = tuple[str, ...]
Group = tuple[Alternative, ...]


def check_query(query: str) -> str:
    """The query with its spaces collapsed; AppError when it is empty or too long."""
    text = " ".join(unicodedata.normalize("NFC", query or "").split())
    if not text:
        raise AppError(
            "empty_query",
            _("Please type what you are looking for, for example 公积金提取."),
        )
    if len(text) > MAX_QUERY_LENGTH:
        raise AppError(
            "query_too_long",
            _(
                "Your search is %(length)d characters long; please keep it to %(limit)d or "
                "fewer. A few key words work best, for example 公积金提取."
            )
            % {"length": len(text), "limit": MAX_QUERY_LENGTH},
            limit=MAX_QUERY_LENGTH,
        )
    return text


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    words: tuple[str, ...]
    groups: tuple[Group, ...]

    @property
    def terms(self) -> list[str]:
        """Every word searched for: the query's own, then the synonyms added."""
        seen: dict[str, None] = dict.fromkeys(self.words)
        for group in self.groups:
            for alternative in group:
                seen.setdefault(
                    "".join(alternative) if _all_cjk(alternative) else " ".join(alternative), None
                )
        return list(seen)

    @property
    def tokens(self) -> list[str]:
        """Every token any alternative needs (for highlighting), longest first."""
        found = {token for group in self.groups for alternative in group for token in alternative}
        return sorted(found, key=lambda token: (-len(token), token))


def _all_cjk(tokens: Alternative) -> bool:
    return all(not token.isascii() for token in tokens)


# The pairs every deployment starts with (the official name and the name citizens use). They are
# also rows (migration 0003), but the code does not depend on those rows existing.
BUILT_IN_SYNONYMS: tuple[tuple[str, str], ...] = (
    ("公积金", "住房公积金"),
    ("社保", "社会保险"),
    ("医保", "医疗保险"),
    ("养老金", "养老保险"),
    ("身份证", "居民身份证"),
    ("户口", "户籍"),
    ("低保", "最低生活保障"),
    ("驾照", "驾驶证"),
    ("违章", "交通违法"),
    ("房产证", "不动产"),
    ("暂住证", "居住证"),
    ("执照", "营业执照"),
    ("公租房", "公共租赁住房"),
    ("廉租房", "公共租赁住房"),
    ("出国", "出入境"),
)


# The synonym pairs of each account (its own and every account's), read on every search and every
# chat message the search fallback sees, so cached in-process for a few seconds: an edit applies
# at once in the process that made it (do_add_synonym forgets), within the TTL elsewhere — as the
# automatic replies' rules do. Nothing depends on it for correctness.
_SYNONYM_TTL_SECONDS = 10.0
_synonym_cache: dict[int, tuple[float, dict[str, tuple[str, ...]]]] = {}


def synonym_table(account_id: int) -> dict[str, tuple[str, ...]]:
    """Each term with the terms declared synonymous with it, both ways, built-in pairs included."""
    now = time.monotonic()
    hit = _synonym_cache.get(account_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    rows = list(
        Synonym.objects.filter(Q(account_id=account_id) | Q(account__isnull=True)).values_list(
            "term", "synonym"
        )
    )
    table: dict[str, list[str]] = {}
    for term, synonym in dict.fromkeys([*rows, *BUILT_IN_SYNONYMS]):
        table.setdefault(term, []).append(synonym)
        table.setdefault(synonym, []).append(term)
    frozen = {term: tuple(dict.fromkeys(found)) for term, found in table.items()}
    _synonym_cache[account_id] = (now + _SYNONYM_TTL_SECONDS, frozen)
    return frozen


def forget_synonyms() -> None:
    _synonym_cache.clear()


def synonyms_for(words: list[str], *, account_id: int) -> dict[str, list[str]]:
    """For each word, the terms the account (or every account) declares synonymous with it."""
    if not words:
        return {}
    table = synonym_table(account_id)
    return {word: list(table[word]) for word in dict.fromkeys(words) if word in table}


def parse_query(text: str, *, account_id: int) -> ParsedQuery:
    """Segment a checked query and add each word's synonyms as alternatives."""
    words = segment.query_words(text)
    synonyms = synonyms_for(words, account_id=account_id)
    groups: list[Group] = []
    for word in words:
        alternatives: dict[Alternative, None] = {(word,): None}
        for synonym in synonyms.get(word, []):
            tokens = segment.term_tokens(synonym)
            if tokens:
                alternatives.setdefault(tokens, None)
        groups.append(tuple(alternatives))
    return ParsedQuery(text=text, words=tuple(words), groups=tuple(groups))
