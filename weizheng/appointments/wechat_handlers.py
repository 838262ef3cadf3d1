"""预约 from WeChat: "预约" answers with the link to the booking page; "我的预约" lists the
citizen's upcoming bookings with a link to each (or the binding link when they are not bound).
Not inline: the handlers read the database."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from weizheng.core.workdays import TIMEZONE
from weizheng.identity.selectors import active_binding
from weizheng.wechat.protocol.replies import Reply, TextReply
from weizheng.wechat.router import HandlerContext, router

from . import links, selectors
from .models import BookingStatus

# Before the back office's keyword rules (500): the commands are the app's.
PRIORITY = 100
BOOK = r"^\s*(?:预约|预约办事|预约取号|我要预约)\s*$"
MINE = r"^\s*(?:我的预约|查预约)\s*$"


def _a(url: str, text: str) -> str:
    return f'<a href="{url}">{text}</a>'


def answer_book(*, account) -> Reply:
    """The link to the booking page (binding is asked for there, if needed)."""
    url = links.absolute(links.index_path(account.slug))
    return TextReply(
        content=_(
            "Book a time at a service window: %(link)s\nSend “我的预约” to see your bookings."
        )
        % {"link": _a(url, _("book an appointment"))}
    )


def answer_mine(*, account, openid: str) -> Reply:
    """The citizen's upcoming bookings, or the binding link."""
    if active_binding(account=account, openid=openid) is None:
        url = links.absolute(
            links.binding_path(account.slug, next_path=links.mine_path(account.slug))
        )
        return TextReply(
            content=_(
                "Appointments are made in your real name. Please bind your identity first: %(link)s"
            )
            % {"link": _a(url, _("bind my identity"))}
        )
    upcoming = selectors.upcoming_bookings(account=account, openid=openid)
    if not upcoming:
        url = links.absolute(links.index_path(account.slug))
        return TextReply(
            content=_("You have no upcoming booking. %(link)s")
            % {"link": _a(url, _("Book an appointment"))}
        )
    lines = [_("Your upcoming bookings:")]
    for number, booking in enumerate(upcoming[:5], start=1):
        starts = booking.slot.starts_at.astimezone(TIMEZONE)
        state = BookingStatus(booking.status).label
        if booking.queue_number:
            state = _("%(state)s, number %(number)03d") % {
                "state": state,
                "number": booking.queue_number,
            }
        url = links.absolute(links.booking_path(account.slug, booking.code))
        lines.append(f"{number}. {starts:%m-%d %H:%M} {_a(url, booking.window.name)}（{state}）")
    lines.append(_a(links.absolute(links.mine_path(account.slug)), _("All my bookings")))
    return TextReply(content="\n".join(lines))


@router.keyword(BOOK, match="regex", priority=PRIORITY)
def book_command(ctx: HandlerContext) -> Reply:
    with translation.override(ctx.account.default_language):
        return answer_book(account=ctx.account)


@router.keyword(MINE, match="regex", priority=PRIORITY)
def mine_command(ctx: HandlerContext) -> Reply:
    with translation.override(ctx.account.default_language):
        return answer_mine(account=ctx.account, openid=ctx.openid)
