"""The privacy notice shown before binding. Change NOTICE_VERSION whenever its text changes: the
consent rows record the version each citizen agreed to, and a form opened under an older version
must be agreed again. The text itself is in templates/identity/h5/notice.html."""

from __future__ import annotations

NOTICE_VERSION = "2026-02"  # 2026-02: says what unbinding keeps (bookings, applications, look-ups)
# Stored on Consent.purpose (a stable key; the page shows its label).
PURPOSE = "real_name_binding"
# How long the account keeps a binding's personal data: until unbinding; the audit trail keeps
# no plaintext, only masked values.
