"""Common ways of asking for one's licence points (查分, 驾照扣分, 查扣分) reach the query, and
"查分" only when sent alone: "查分数线" is somebody else's question."""

from __future__ import annotations

import pytest

from weizheng.core.models import AuditLog

from .test_wechat import BASE, BOUND, _quiet, police, send  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("command", ["查分", "驾照扣分", "查扣分", " 查分 "])
def test_common_ways_to_ask_for_licence_points_are_answered(police, command):  # noqa: F811
    content = send(police, BOUND, command)

    assert content != "默认回复" and "12" in content
    assert f'<a href="{BASE}/h5/police/records/licence-points/">' in content
    assert AuditLog.objects.get(action="records.query").detail["outcome"] == "ok"


def test_a_message_merely_starting_with_cha_fen_gets_the_default_reply(police):  # noqa: F811
    assert send(police, BOUND, "查分数线") == "默认回复"
    assert not AuditLog.objects.filter(action="records.query").exists()
