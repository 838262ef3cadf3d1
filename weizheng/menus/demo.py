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
                    {"type": "click", "name": "违法查询", "key": "POLICE_VIOLATIONS"},
                    {"type": "click", "name": "驾驶证记分", "key": "POLICE_LICENSE_POINTS"},
                    {"type": "view", "name": "我的信息", "url": f"{h5}/police/me/"},
                    # A CLICK until the service guides' H5 pages come (online services issue).
                    {"type": "click", "name": "办事指南", "key": "POLICE_GUIDES"},
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
