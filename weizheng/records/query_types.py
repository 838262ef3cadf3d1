"""The built-in query types (综合查询): traffic violations by plate, driving-licence points,
social insurance contributions, housing provident fund, exit-entry application progress."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import plates
from .connectors.base import FieldSpec, Kind, QueryResult, Schema
from .formatting import format_value, format_yuan
from .registry import ParamSpec, QueryType, register

VIOLATIONS = "violations"
LICENCE_POINTS = "licence-points"
SOCIAL_INSURANCE = "social-insurance"
HOUSING_FUND = "housing-fund"
EXIT_ENTRY = "exit-entry"

# At most this many records in a WeChat reply; the H5 page shows them all.
SHOWN_IN_REPLY = 3


def _violation_summary(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    open_ = [r for r in records if not r["is_handled"]]
    return {
        "count": len(records),
        "unhandled_count": len(open_),
        "unhandled_fine": sum(r["fine"] or 0 for r in open_),
        "unhandled_points": sum(r["points"] or 0 for r in open_),
    }


def _field(query_type: QueryType, name: str) -> FieldSpec:
    spec = query_type.schema.record_field(name) or query_type.schema.summary_field(name)
    assert spec is not None, name  # noqa: S101 - a programming error in this module
    return spec


def _summarise_violations(result: QueryResult, params: Mapping[str, str]) -> list[str]:
    s = result.summary
    plate = params.get("plate", "")
    if not s["count"]:
        return [_("%(plate)s: no traffic violations on record.") % {"plate": plate}]
    lines = [
        ngettext(
            "%(plate)s: %(count)d violation on record, %(open)d not handled.",
            "%(plate)s: %(count)d violations on record, %(open)d not handled.",
            s["count"],
        )
        % {"plate": plate, "count": s["count"], "open": s["unhandled_count"]}
    ]
    if s["unhandled_count"]:
        lines.append(
            ngettext(
                "Not handled: fines %(fine)s, %(points)d point.",
                "Not handled: fines %(fine)s, %(points)d points.",
                s["unhandled_points"],
            )
            % {"fine": format_yuan(s["unhandled_fine"]), "points": s["unhandled_points"]}
        )
    violations = registry_type(VIOLATIONS)
    for number, record in enumerate(result.records[:SHOWN_IN_REPLY], start=1):
        lines.append(
            f"{number}. {format_value(_field(violations, 'occurred_at'), record['occurred_at'])} "
            f"{record['place']} {record['behaviour']}"
            f"（{format_value(_field(violations, 'is_handled'), record['is_handled'])}）"
        )
    return lines


def _summarise_points(result: QueryResult, params: Mapping[str, str]) -> list[str]:
    s = result.summary
    points = registry_type(LICENCE_POINTS)
    return [
        _("Points in the current cycle: %(points)d of 12.") % {"points": s["points"]},
        _("Cycle: %(start)s to %(end)s; licence status: %(status)s.")
        % {
            "start": format_value(_field(points, "cycle_start"), s["cycle_start"]),
            "end": format_value(_field(points, "cycle_end"), s["cycle_end"]),
            "status": s["status"],
        },
    ]


def _summarise_social(result: QueryResult, params: Mapping[str, str]) -> list[str]:
    s = result.summary
    lines = [
        _("Social insurance: %(status)s, %(months)d months paid in total.")
        % {"status": s["status"], "months": s["months_paid"]}
    ]
    if result.records:
        latest = result.records[0]
        lines.append(
            _("Latest month %(period)s: you paid %(personal)s, the employer %(employer)s.")
            % {
                "period": latest["period"],
                "personal": format_yuan(latest["personal"]),
                "employer": format_yuan(latest["employer_part"]),
            }
        )
    return lines


def _summarise_fund(result: QueryResult, params: Mapping[str, str]) -> list[str]:
    s = result.summary
    return [
        _("Housing provident fund balance: %(balance)s (%(status)s).")
        % {"balance": format_yuan(s["balance"]), "status": s["status"]},
        _("Monthly deposit: %(monthly)s.") % {"monthly": format_yuan(s["monthly_deposit"])},
    ]


def _summarise_exit_entry(result: QueryResult, params: Mapping[str, str]) -> list[str]:
    if not result.records:
        return [_("You have no exit-entry applications on record.")]
    lines = []
    for record in result.records[:SHOWN_IN_REPLY]:
        lines.append(
            _("%(document)s (%(number)s): %(status)s")
            % {
                "document": record["document"],
                "number": record["application_no"],
                "status": record["status"],
            }
        )
    return lines


_HANDLED = gettext_lazy("Handled")
_NOT_HANDLED = gettext_lazy("Not handled")

register(
    QueryType(
        code=VIOLATIONS,
        label=gettext_lazy("Traffic violations"),
        description=gettext_lazy("Violations recorded against a vehicle registered to you."),
        icon="违",
        params=(
            ParamSpec(
                name="plate",
                label=gettext_lazy("Plate number"),
                clean=plates.check_plate,
                display=plates.display,
                mask=plates.mask,
                placeholder="粤B·12345",
                help_text=gettext_lazy("New-energy plates have eight characters, e.g. 粤B·D12345."),
                ask=gettext_lazy(
                    "Please write the plate number after the command, for example: %(example)s"
                ),
            ),
        ),
        schema=Schema(
            summary=(
                FieldSpec("count", gettext_lazy("Violations on record"), Kind.INTEGER),
                FieldSpec("unhandled_count", gettext_lazy("Not handled"), Kind.INTEGER),
                FieldSpec("unhandled_fine", gettext_lazy("Fines not paid"), Kind.MONEY),
                FieldSpec("unhandled_points", gettext_lazy("Points pending"), Kind.INTEGER),
            ),
            record=(
                FieldSpec("behaviour", gettext_lazy("Violation"), role="title"),
                FieldSpec(
                    "is_handled",
                    gettext_lazy("Handled"),
                    Kind.BOOLEAN,
                    true_label=_HANDLED,
                    false_label=_NOT_HANDLED,
                    role="badge",
                ),
                FieldSpec("occurred_at", gettext_lazy("Time"), Kind.DATETIME),
                FieldSpec("place", gettext_lazy("Place")),
                FieldSpec("fine", gettext_lazy("Fine"), Kind.MONEY),
                FieldSpec("points", gettext_lazy("Points"), Kind.INTEGER),
                FieldSpec("code", gettext_lazy("Violation code"), required=False),
                FieldSpec("authority", gettext_lazy("Recorded by"), required=False),
            ),
        ),
        commands=("查违章", "违章查询", "查违法"),
        derive_summary=_violation_summary,
        order_by="occurred_at",
        pending_first="is_handled",
        summarise=_summarise_violations,
        sample_params={"plate": "粤B12345"},
    )
)

register(
    QueryType(
        code=LICENCE_POINTS,
        label=gettext_lazy("Driving-licence points"),
        description=gettext_lazy("Points on your driving licence in the current 12-month cycle."),
        icon="分",
        schema=Schema(
            summary=(
                FieldSpec("points", gettext_lazy("Points in this cycle"), Kind.INTEGER),
                FieldSpec("status", gettext_lazy("Licence status")),
                FieldSpec("licence_class", gettext_lazy("Permitted vehicle classes")),
                FieldSpec("cycle_start", gettext_lazy("Cycle starts"), Kind.DATE),
                FieldSpec("cycle_end", gettext_lazy("Cycle ends"), Kind.DATE),
                FieldSpec(
                    "valid_until", gettext_lazy("Licence valid until"), Kind.DATE, required=False
                ),
            ),
            record=(
                FieldSpec("behaviour", gettext_lazy("Violation"), role="title"),
                FieldSpec("occurred_at", gettext_lazy("Time"), Kind.DATETIME),
                FieldSpec("place", gettext_lazy("Place"), required=False),
                FieldSpec("points", gettext_lazy("Points"), Kind.INTEGER),
            ),
        ),
        commands=("查记分", "查驾驶证", "驾驶证记分", "驾照扣分", "查扣分", "查分"),
        order_by="occurred_at",
        summarise=_summarise_points,
    )
)

register(
    QueryType(
        code=SOCIAL_INSURANCE,
        label=gettext_lazy("Social insurance contributions"),
        description=gettext_lazy("Your social insurance status and monthly contributions."),
        icon="保",
        schema=Schema(
            summary=(
                FieldSpec("status", gettext_lazy("Insurance status")),
                FieldSpec("employer", gettext_lazy("Employer"), required=False),
                FieldSpec("months_paid", gettext_lazy("Months paid in total"), Kind.INTEGER),
                FieldSpec(
                    "pension_balance",
                    gettext_lazy("Pension personal account"),
                    Kind.MONEY,
                    required=False,
                ),
            ),
            record=(
                FieldSpec("period", gettext_lazy("Month"), role="title"),
                FieldSpec(
                    "is_paid",
                    gettext_lazy("Received"),
                    Kind.BOOLEAN,
                    true_label=gettext_lazy("Received"),
                    false_label=gettext_lazy("Outstanding"),
                    role="badge",
                ),
                FieldSpec("base", gettext_lazy("Contribution base"), Kind.MONEY),
                FieldSpec("personal", gettext_lazy("Paid by you"), Kind.MONEY),
                FieldSpec("employer_part", gettext_lazy("Paid by the employer"), Kind.MONEY),
                FieldSpec("employer", gettext_lazy("Employer"), required=False),
            ),
        ),
        commands=("查社保", "社保查询"),
        order_by="period",
        summarise=_summarise_social,
    )
)

register(
    QueryType(
        code=HOUSING_FUND,
        label=gettext_lazy("Housing provident fund"),
        description=gettext_lazy("Your housing provident fund balance and recent transactions."),
        icon="金",
        schema=Schema(
            summary=(
                FieldSpec("balance", gettext_lazy("Balance"), Kind.MONEY),
                FieldSpec("status", gettext_lazy("Account status")),
                FieldSpec("monthly_deposit", gettext_lazy("Monthly deposit"), Kind.MONEY),
                FieldSpec("account_number", gettext_lazy("Account number"), required=False),
                FieldSpec("employer", gettext_lazy("Employer"), required=False),
                FieldSpec("paid_until", gettext_lazy("Paid up to"), required=False),
            ),
            record=(
                FieldSpec("kind", gettext_lazy("Transaction"), role="title"),
                FieldSpec("occurred_on", gettext_lazy("Date"), Kind.DATE),
                FieldSpec("amount", gettext_lazy("Amount"), Kind.MONEY, signed=True),
                FieldSpec(
                    "balance_after", gettext_lazy("Balance after"), Kind.MONEY, required=False
                ),
                FieldSpec("note", gettext_lazy("Note"), required=False),
            ),
        ),
        commands=("查公积金", "公积金查询"),
        order_by="occurred_on",
        summarise=_summarise_fund,
    )
)

register(
    QueryType(
        code=EXIT_ENTRY,
        label=gettext_lazy("Exit-entry application progress"),
        description=gettext_lazy("Where your passport, permit or visa application stands."),
        icon="证",
        schema=Schema(
            record=(
                FieldSpec("document", gettext_lazy("Document"), role="title"),
                FieldSpec("status", gettext_lazy("Status"), role="badge"),
                FieldSpec("application_no", gettext_lazy("Application number")),
                FieldSpec("business", gettext_lazy("Application")),
                FieldSpec("accepted_on", gettext_lazy("Accepted on"), Kind.DATE),
                FieldSpec("updated_at", gettext_lazy("Last update"), Kind.DATETIME, required=False),
                FieldSpec("delivery", gettext_lazy("Delivery"), required=False),
                FieldSpec("tracking_no", gettext_lazy("Tracking number"), required=False),
            ),
        ),
        commands=("查出入境", "查办证", "办证进度"),
        order_by="accepted_on",
        summarise=_summarise_exit_entry,
    )
)


def registry_type(code: str) -> QueryType:
    from .registry import get

    found = get(code)
    assert found is not None, code  # noqa: S101 - the built-in types are registered above
    return found
