"""A fake exit-entry backend for the demo (mounted only with the mock WeChat platform), so the
generic HTTP connector has something real to call in `make demo` without another server.

It answers like an agency system would: POST JSON {"sfzh": ID number, "xm": name}, an HMAC-signed
header (weizheng/records/connectors/transport.py), pinyin field names, dates as YYYYMMDD and a
business code. The records come from the demo generator, so they match the demo connector's.

Mounted by weizheng/urls.py (inside `if settings.WECHAT_MOCK_ENABLED`):
    path("fake-backend/records/", include("weizheng.records.fake_backend")),
"""

from __future__ import annotations

import hmac
import json
import time

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .connectors.demo import exit_entry
from .connectors.transport import DEFAULT_SIGNATURE_HEADER, sign

app_name = "records-fake-backend"

DEMO_KEY_ID = "pingan-crj-demo"
DEMO_HMAC_SECRET = "demo-crj-hmac-secret-not-for-production"  # noqa: S105 - demo backend only
SIGNATURE_WINDOW_SECONDS = 300

# The mapping that reads this backend's answer (used by weizheng/records/demo.py).
EXIT_ENTRY_MAPPING = {
    "status": {"path": "code", "ok": ["0000"], "not_found": ["1004"]},
    "records": "result.list",
    "fields": {
        "document": "zjzl",
        "status": "bzzt",
        "application_no": "slbh",
        "business": "sqlb",
        "accepted_on": "slrq",
        "updated_at": "gxsj",
        "delivery": "lqfs",
        "tracking_no": "yjhm",
    },
}
EXIT_ENTRY_BODY = {"sfzh": "{id_number}", "xm": "{name}"}


def _signature_ok(request: HttpRequest) -> bool:
    header = request.headers.get(DEFAULT_SIGNATURE_HEADER, "")
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts.get("ts", ""))
    except ValueError:
        return False
    if parts.get("keyId") != DEMO_KEY_ID or abs(time.time() - timestamp) > SIGNATURE_WINDOW_SECONDS:
        return False
    expected = sign(
        secret=DEMO_HMAC_SECRET,
        method=request.method or "POST",
        url=request.get_full_path(),
        body=request.body,
        timestamp=timestamp,
        nonce=parts.get("nonce", ""),
    )
    return hmac.compare_digest(expected, parts.get("sig", ""))


@csrf_exempt
@require_POST
def exit_entry_progress(request: HttpRequest) -> JsonResponse:
    if not _signature_ok(request):
        return JsonResponse({"code": "4010", "message": "签名校验失败"}, status=401)
    try:
        query = json.loads(request.body)
        id_number = str(query["sfzh"]).strip().upper()
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"code": "4000", "message": "请求参数错误"}, status=400)
    if len(id_number) != 18:
        return JsonResponse({"code": "4000", "message": "身份证号码格式错误"}, status=400)
    _summary, records = exit_entry(id_number, {}, timezone.localdate())
    rows = [
        {
            "slbh": r["application_no"],
            "zjzl": r["document"],
            "sqlb": r["business"],
            "slrq": f"{r['accepted_on']:%Y%m%d}",
            "bzzt": r["status"],
            "gxsj": f"{timezone.localtime(r['updated_at']):%Y-%m-%d %H:%M:%S}",
            "lqfs": r["delivery"],
            "yjhm": r["tracking_no"] or None,
        }
        for r in records
    ]
    return JsonResponse(
        {"code": "0000", "message": "查询成功", "result": {"total": len(rows), "list": rows}},
        json_dumps_params={"ensure_ascii": False},
    )


urlpatterns = [path("exit-entry/", exit_entry_progress, name="exit-entry")]
