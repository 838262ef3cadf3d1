"""What each role may do. Permissions are checked per account through selectors.access_account."""

from __future__ import annotations

from .models import Role

# account.*: the account's settings; menu.*, replies.* and qrcodes.*: what citizens see; followers.*: personal
# data (views are audited); audit.view: the audit log; content.*, broadcasts.*: publishing (三审);
# identity.view: real-name bindings (audited); guides.*: service guides (三审); eservices.manage:
# application forms, windows and the holiday calendar; cases.handle: work applications and
# requests; records.configure: record-query connectors; payments.view: orders, ledger and
# reconciliation (finance); payments.refund: refunds; payments.configure: billers and the merchant;
# inquiries.supervise: 问政 transfers, extensions and escalations; inquiries.configure: 问政
# categories, routing rules, time limits and the classifier; tips.* / analytics.*: modules to come.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMINISTRATOR: frozenset(
        {
            "account.view",
            "account.manage",
            "menu.edit",
            "menu.publish",
            "replies.edit",
            "qrcodes.manage",
            "followers.view",
            "followers.manage",
            "audit.view",
            "content.edit",
            "content.review",
            "content.approve",
            "broadcasts.edit",
            "broadcasts.review",
            "broadcasts.approve",
            "notifications.view",
            "cases.handle",
            "analytics.view",
            "identity.view",
            "guides.edit",
            "guides.review",
            "guides.approve",
            "eservices.manage",
            "records.configure",
            "payments.view",
            "payments.configure",
            "inquiries.supervise",
            "inquiries.configure",
        }
    ),
    Role.EDITOR: frozenset(
        {
            "account.view",
            "menu.edit",
            "replies.edit",
            "qrcodes.manage",
            "content.edit",
            "broadcasts.edit",
            "guides.edit",
        }
    ),
    # 三审: editors write, reviewers do the first review (初审), administrators the final one (终审).
    Role.REVIEWER: frozenset(
        {
            "account.view",
            "content.review",
            "broadcasts.review",
            "guides.review",
            "menu.publish",
        }
    ),
    # Handlers work the cases (online applications, 问政); they see who applied, masked and audited.
    Role.HANDLER: frozenset({"account.view", "followers.view", "cases.handle", "identity.view"}),
    Role.INVESTIGATOR: frozenset({"account.view", "tips.read"}),
    Role.ANALYST: frozenset({"account.view", "analytics.view", "notifications.view"}),
    # Finance sees every order and the ledger, reconciles with WeChat Pay and refunds.
    Role.FINANCE: frozenset({"account.view", "payments.view", "payments.refund"}),
}

ALL_PERMISSIONS = frozenset().union(*ROLE_PERMISSIONS.values())


def roles_granting(permission: str) -> list[str]:
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"Unknown permission {permission!r}.")
    return [role for role, granted in ROLE_PERMISSIONS.items() if permission in granted]
