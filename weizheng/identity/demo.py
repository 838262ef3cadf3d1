"""Demo real-name bindings: two of the simulator's personas are bound on the police account (and
周明 on the water account too), with fake but valid ID numbers; 林晓雨, 陈静, 何洋 and Emily Carter
are left unbound, so a demo user can bind one of them in the simulator (the code shows in its
SMS panel)."""

from __future__ import annotations

from django.db import transaction

from weizheng.wechat.models import OfficialAccount

from .actions import Identity, do_bind
from .models import Binding
from .notice import NOTICE_VERSION

# persona key, accounts, name, ID number (GB 11643 check digits; 440304/440305 are districts where
# the demo's fictional 平安市 sits), mobile number (fake).
BINDINGS = (
    ("zhou-ming", ("police", "water"), "周明", "440304198506120035", "13712340001"),
    ("wu-jianguo", ("police",), "吴建国", "440305195210010059", "15812340002"),
)


def _persona_openid(account: OfficialAccount, key: str) -> str | None:
    """The persona's openid on the account's mock app (None without the mock platform)."""
    try:
        from weizheng.simulator.personas import PERSONAS_BY_KEY
        from weizheng.wechat_mock import selectors as mock_selectors
    except (ImportError, RuntimeError):
        return None
    app = mock_selectors.get_app(account.app_id)
    if app is None:
        return None
    return PERSONAS_BY_KEY[key].openid_for(app.appid, app.openid_prefix)


def load_demo() -> None:
    """Idempotent: a persona already bound, or an ID number already bound, is left alone."""
    for key, slugs, name, id_number, phone in BINDINGS:
        identity = Identity(name=name, id_number=id_number, phone=phone)
        for slug in slugs:
            account = OfficialAccount.objects.filter(slug=slug).first()
            openid = _persona_openid(account, key) if account else None
            if openid is None:
                continue
            active = Binding.objects.filter(account=account, unbound_at__isnull=True)
            if (
                active.filter(openid=openid).exists()
                or active.filter(id_number_index=identity.id_number_index).exists()
            ):
                continue
            with transaction.atomic():
                do_bind(
                    account=account,
                    openid=openid,
                    identity=identity,
                    notice_version=NOTICE_VERSION,
                    verified_by="demo",
                    actor_label="demo",
                )
