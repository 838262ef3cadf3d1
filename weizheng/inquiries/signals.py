"""Signal receivers of 问政: a category saved or deleted anywhere in this process (the back office,
the demo, a test's factory) drops the cached answer to "does this account run 问政"."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Category
from .selectors import forget_runs_inquiries


@receiver(post_save, sender=Category)
@receiver(post_delete, sender=Category)
def _category_changed(**kwargs: Any) -> None:
    forget_runs_inquiries()
