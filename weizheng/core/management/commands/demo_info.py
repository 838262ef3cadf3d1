"""manage.py demo_info: what `make demo` prints once the servers are up."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import shlex
import time

from django.core.management.base import BaseCommand

from weizheng.wechat.models import OfficialAccount

from .demo_load import (
    CLERK_PASSWORD,
    DEMO_PASSWORD,
    DEMO_TOTP_KEY,
    DEMO_USERNAME,
    DEPARTMENTS,
)

DEMO_TOTP_BASE32 = base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()


class Command(BaseCommand):
    help = "Print the demo's URLs, login and a command that sends a signed message."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")
        parser.add_argument("--mock-port", default="8001")

    def handle(self, *args, **options):
        from weizheng.wechat_mock.models import MockUser

        web = f"http://127.0.0.1:{options['port']}"
        mock = f"http://127.0.0.1:{options['mock_port']}/wxmock"
        out = self.stdout.write
        out("")
        out("Weizheng demo is running (Ctrl-C stops it).")
        first = (
            OfficialAccount.objects.filter(slug="police").first()
            or OfficialAccount.objects.order_by("pk").first()
        )
        simulator = f"{web}/simulator/" + (f"?account={first.slug}" if first else "")
        out(f"  Phone simulator:      {simulator}   (play a citizen: follow, scan, menu, chat)")
        out(f"  Back office:          {web}/office/   login: {DEMO_USERNAME} / {DEMO_PASSWORD}")
        out(
            "  Two-factor code:      shown on the demo's sign-in page (DEBUG only); or add the key"
            f" {DEMO_TOTP_BASE32} to an authenticator app"
        )
        clerks = ", ".join(
            username for _name, _slugs, people in DEPARTMENTS for username, _role in people
        )
        out(
            f"  Department clerks:    {clerks}   password: {CLERK_PASSWORD} (each sees only their accounts)"
        )
        out(f"  Mock WeChat platform: {mock}/_control/apps")
        from weizheng.open311.demo import info_lines

        for line in info_lines(web):
            out(line)
        out("  Accounts (callback URL, message mode):")
        for account in OfficialAccount.objects.order_by("pk"):
            out(f"    {account.name:<40} {web}/wx/{account.slug}/  ({account.message_mode})")

        police = OfficialAccount.objects.filter(slug="police").first()
        citizen = (
            MockUser.objects.filter(app__appid=police.app_id).order_by("pk").first()
            if police
            else None
        )
        if police and citizen:
            out("")
            out(
                f"A citizen ({citizen.nickname}) sends 你好 to {police.name}; the mock platform signs and"
            )
            out(
                "encrypts it as WeChat does, posts it to the callback and shows the decrypted reply:"
            )
            url = f"{mock}/_control/apps/{police.app_id}/users/{citizen.openid}/text"
            body = json.dumps({"content": "你好"}, ensure_ascii=False)
            out(
                f"  curl -s -X POST {url} -H 'Content-Type: application/json' -d {shlex.quote(body)}"
            )

        water = OfficialAccount.objects.filter(slug="water").first()
        if water:
            ts, nonce = str(int(time.time())), secrets.token_hex(4)
            signature = hashlib.sha1(
                "".join(sorted([water.token, ts, nonce])).encode(), usedforsecurity=False
            ).hexdigest()
            xml = (
                "<xml><ToUserName><![CDATA[gh_demo]]></ToUserName><FromUserName><![CDATA[oDEMO_curl_citizen]]></FromUserName>"
                f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[水费怎么缴？]]></Content>"
                f"<MsgId>{int(ts) * 1000 + secrets.randbelow(1000)}</MsgId></xml>"
            )
            out("")
            out(
                f"Or post a signed plain-mode message to {water.name} yourself (valid for 5 minutes):"
            )
            out(
                f"  curl -s '{web}/wx/{water.slug}/?signature={signature}&timestamp={ts}&nonce={nonce}' "
                f"-H 'Content-Type: text/xml' --data-binary {shlex.quote(xml)}"
            )
        out("")
