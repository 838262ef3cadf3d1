"""Demo of the Open311 adapter: a client `demo-hotline` (the city's 12345 hotline) with a known
key for the gov account, and two requests it filed, one answered by the traffic police. Safe to
run again. Needs the inquiries demo first (the gov account's categories)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from weizheng.inquiries.models import Inquiry
from weizheng.wechat.models import OfficialAccount

from .keys import key_hash
from .models import ApiClient

DEMO_CLIENT = "demo-hotline"
# Published with the demo on purpose: a demo deployment only.
DEMO_KEY = "o311_demo-pingan-12345-hotline-not-a-secret"  # noqa: S105

REQUESTS = [
    {
        "service_code": "traffic",
        "description": "市民来电：建设大道与解放路口早高峰左转车辆排队过长，左转绿灯时间太短，希望调整信号配时。",
        "address_string": "建设大道与解放路交叉口",
        "lat": "30.5832",
        "long": "114.2961",
        "attribute[consent_publish]": "yes",
        "reply": "已调取路口流量数据，早高峰（7:30—9:00）左转绿灯由25秒延长至40秒，即日起执行。",
    },
    {
        "service_code": "city",
        "description": "市民来电：滨江公园北门垃圾桶满溢，周末无人清运，气味很大。",
        "address_string": "滨江公园北门",
        "attribute[consent_publish]": "no",
    },
]


def load_demo() -> None:
    from .actions import Submission, check_post_request, do_create_client

    account = OfficialAccount.objects.filter(slug="gov").first()
    if account is None:
        return
    client = ApiClient.objects.filter(name=DEMO_CLIENT).first()
    if client is None:
        client, _key = do_create_client(
            name=DEMO_CLIENT, accounts=[account], actor_label="demo", key=DEMO_KEY
        )
    elif client.key_hash != key_hash(DEMO_KEY):
        return  # someone replaced the demo client: leave it alone
    if Inquiry.objects.filter(api_client=client.label).exists():
        return
    for spec in REQUESTS:
        _post(client, account, spec, Submission, check_post_request)


def _post(client: Any, account: Any, spec: dict[str, str], submission: Any, post: Any) -> None:
    from weizheng.inquiries.actions import check_reply, check_sign
    from weizheng.staff.models import Membership

    with transaction.atomic():
        inquiry = post(
            client=client,
            account=account,
            submission=submission(
                service_code=spec["service_code"],
                description=spec["description"],
                lat=spec.get("lat", ""),
                long=spec.get("long", ""),
                address_string=spec["address_string"],
                attributes={"consent_publish": [spec["attribute[consent_publish]"]]},
            ),
        )
        if "reply" in spec:
            member = (
                Membership.objects.filter(department=inquiry.department)
                .select_related("user")
                .first()
            )
            if member is not None:
                inquiry = check_sign(inquiry=inquiry, actor=member.user)
                check_reply(inquiry=inquiry, actor=member.user, reply=spec["reply"])


def info_lines(web: str) -> list[str]:
    """What demo_info prints about the Open311 endpoint."""
    base = f"{web}/open311/v2"
    return [
        f"  Open311 GeoReport v2: {base}/discovery.json   services: {base}/services.xml",
        f"    key of {DEMO_CLIENT} (gov): {DEMO_KEY}",
        f"    curl -X POST {base}/requests.json --data-urlencode api_key={DEMO_KEY} "
        "--data-urlencode service_code=city --data-urlencode description=路灯不亮 "
        "--data-urlencode address_string=滨江大道16号",
    ]
