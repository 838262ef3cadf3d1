"""The back office's window form: the window's settings and, per weekday, its opening hours
written as "08:30-12:00, 14:00-17:30" (one line per weekday, empty when closed)."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .actions import PeriodInput
from .models import WEEKDAYS, Window

PERIOD = re.compile(r"(\d{1,2})[:：](\d{2})\s*[-–—~～至]\s*(\d{1,2})[:：](\d{2})")
SEPARATORS = re.compile(r"^[\s,，;；、]*$")


def parse_periods(text: str) -> list[tuple[time, time]]:
    """'08:30-12:00, 14:00-17:30' → [(08:30, 12:00), (14:00, 17:30)]; ValueError (with the part
    that could not be read) on anything else."""
    text = text or ""
    spans = []
    position = 0
    for match in PERIOD.finditer(text):
        between = text[position : match.start()]
        if not SEPARATORS.match(between):
            raise ValueError(between.strip())
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(match.group(0))
        spans.append((time(h1, m1), time(h2, m2)))
        position = match.end()
    rest = text[position:]
    if not SEPARATORS.match(rest):
        raise ValueError(rest.strip())
    return spans


def format_periods(window: Window | None, weekday: int) -> str:
    if window is None:
        return ""
    return ", ".join(
        f"{p.starts:%H:%M}-{p.ends:%H:%M}" for p in window.periods.all() if p.weekday == weekday
    )


class WindowForm(forms.ModelForm):
    class Meta:
        model = Window
        fields = [
            "name",
            "place",
            "guide",
            "notes",
            "slot_minutes",
            "capacity",
            "days_ahead",
            "cutoff_minutes",
            "checkin_before_minutes",
            "checkin_after_minutes",
            "no_show_limit",
            "no_show_days",
            "block_days",
            "is_active",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, account: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from weizheng.eservices.models import ServiceGuide

        self.fields["guide"].queryset = ServiceGuide.objects.filter(account=account).order_by(
            "title"
        )
        self.fields["guide"].required = False
        for weekday, label in WEEKDAYS:
            self.fields[f"hours_{weekday}"] = forms.CharField(
                label=label,
                required=False,
                max_length=200,
                help_text=gettext_lazy("e.g. 08:30-12:00, 14:00-17:30; empty: closed"),
                initial=format_periods(self.instance if self.instance.pk else None, weekday),
            )

    @property
    def hour_fields(self) -> list[Any]:
        return [self[f"hours_{weekday}"] for weekday, _label in WEEKDAYS]

    @property
    def setting_fields(self) -> list[Any]:
        return [self[name] for name in self.Meta.fields]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        periods: list[PeriodInput] = []
        for weekday, _label in WEEKDAYS:
            try:
                spans = parse_periods(cleaned.get(f"hours_{weekday}", ""))
            except ValueError as exc:
                self.add_error(
                    f"hours_{weekday}",
                    _("“%(part)s” is not a period like 08:30-12:00.") % {"part": str(exc)},
                )
                continue
            periods += [PeriodInput(weekday, s, e) for s, e in spans]
        cleaned["periods"] = periods
        return cleaned

    def _post_clean(self) -> None:
        # The action validates and saves (unique name, ranges); skip the model's own validation
        # of constraints so the refusal comes from one place.
        pass

    def data_for_action(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name != "guide"}


class CloseDayForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"))
    reason = forms.CharField(label=gettext_lazy("Reason (citizens read it)"), max_length=100)
