"""The demo police account's menu: 快撤理赔 / 服务事项 / 便民指南."""

from __future__ import annotations

from typing import Any

DEMO_H5_BASE = "https://demo.weizheng.gov.cn/h5"


def police_demo_structure(h5_base: str = DEMO_H5_BASE) -> dict[str, Any]:
    """The three-section menu of a city traffic police account, in WeChat's JSON.

    `h5_base` is where the citizen pages live (the demo server's /h5 in a local demo).
    """
    h5 = h5_base.rstrip("/")
    return {
        "button": [
            {
                "name": "快撤理赔",
                "sub_button": [
                    {"type": "click", "name": "事故快处", "key": "POLICE_ACCIDENT_QUICK"},
                    {"type": "click", "name": "理赔进度", "key": "POLICE_CLAIM_PROGRESS"},
                    {
                        "type": "location_select",
                        "name": "定损点查询",
                        "key": "POLICE_ASSESSMENT_SITES",
                    },
                ],
            },
            {
                "name": "服务事项",
                "sub_button": [
                    {"type": "view", "name": "综合查询", "url": f"{h5}/police/records/"},
                    {"type": "view", "name": "办事指南", "url": f"{h5}/police/services/guides/"},
                    {"type": "view", "name": "预约办事", "url": f"{h5}/police/appointments/"},
                    {"type": "view", "name": "我的信息", "url": f"{h5}/police/me/"},
                    {"type": "view", "name": "缴纳罚款", "url": f"{h5}/police/pay/fines/"},
                ],
            },
            {
                "name": "便民指南",
                "sub_button": [
                    {"type": "click", "name": "交通路况", "key": "POLICE_TRAFFIC"},
                    {"type": "click", "name": "报警求助", "key": "POLICE_EMERGENCY"},
                    {"type": "click", "name": "联系我们", "key": "POLICE_CONTACT"},
                    {"type": "view", "name": "政策文件", "url": f"{h5}/police/policies/"},
                ],
            },
        ]
    }
