"""The search index: one row per indexed object, and synonyms for query expansion.

The full-text structures themselves are outside Django's models, created by migration 0002 for
the database in use: an FTS5 table kept in step by triggers on SQLite, a generated `tsvector`
column with a GIN index on PostgreSQL (docs/adr/0005-search-in-the-database.md).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Facets stored in their own columns: the H5 page filters and counts on them.
FACET_COLUMNS = ("kind", "issuer", "year", "topic", "validity")


class SearchEntry(models.Model):
    """An indexed object (a policy, a news article...) as the search sees it."""

    key = models.CharField(
        _("key"), max_length=200, unique=True, help_text='e.g. "content.policy:42"'
    )
    account = models.ForeignKey(
        "wechat.OfficialAccount", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    language = models.CharField(_("language"), max_length=16)
    title = models.TextField(_("title"))
    body = models.TextField(_("body"), blank=True)
    # Pre-segmented text (segment.index_text): what the full-text index reads.
    title_tokens = models.TextField(blank=True)
    body_tokens = models.TextField(blank=True)
    facets = models.JSONField(_("facets"), default=dict, blank=True)
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    issuer = models.CharField(_("issuing body"), max_length=200, blank=True)
    year = models.IntegerField(_("year"), null=True, blank=True)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    validity = models.CharField(_("validity"), max_length=40, blank=True)
    url = models.CharField(_("URL"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    indexed_at = models.DateTimeField(_("indexed"), auto_now=True)

    class Meta:
        verbose_name = _("search index entry")
        verbose_name_plural = _("search index entries")
        indexes = [models.Index(fields=["account", "language"], name="search_entry_account")]

    def __str__(self) -> str:
        return self.key


class Synonym(models.Model):
    """Two terms a query treats as one (公积金 ↔ 住房公积金); no account = every account."""

    account = models.ForeignKey(
        "wechat.OfficialAccount",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    term = models.CharField(_("term"), max_length=50)
    synonym = models.CharField(_("synonym"), max_length=50)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("synonym")
        verbose_name_plural = _("synonyms")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "term", "synonym"],
                name="search_synonym_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(term=models.F("synonym")), name="search_synonym_distinct"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term} ↔ {self.synonym}"
