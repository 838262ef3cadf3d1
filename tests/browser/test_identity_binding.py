"""Real-name binding from the phone simulator: a persona sends 绑定, opens the link, agrees to the
privacy notice, asks for a code, reads it in the simulator's SMS panel, and is bound."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from weizheng.identity.selectors import active_binding

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_settings(live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    settings.NOTIFICATIONS_SMS_GATEWAY = "weizheng.simulator.sms.SimulatorGateway"


def test_a_persona_binds_with_the_code_from_the_sms_panel(
    page, simulator_url, personas, mock_account, demo_settings, screenshot
):
    zhou = personas["zhou-ming"]
    page.goto(simulator_url(zhou.openid))
    if page.locator("#to-keyboard").is_visible():
        page.click("#to-keyboard")
    page.fill('[data-test="text-input"]', "绑定")
    page.click('[data-test="send"]')

    link = page.locator('#phone-messages a[href*="/h5/police/id/"]').last
    expect(link).to_be_visible()
    link.click()

    frame = page.frame_locator('[data-test="webview-frame"]')
    expect(frame.locator('[data-test="privacy-notice"]')).to_be_visible()
    frame.locator('[data-test="agree"]').check()
    frame.locator('[data-test="continue"]').click()

    frame.locator('[data-test="name"]').fill("周明")
    frame.locator('[data-test="id-number"]').fill("440304 19850612 0035")
    frame.locator('[data-test="phone"]').fill("13712340001")
    frame.locator('[data-test="send-code"]').click()
    expect(frame.locator('[data-test="code-sent"]')).to_contain_text("137****0001")

    sms = page.locator('[data-test="sms"] li[data-phone="137****0001"] [data-test="sms-text"]')
    expect(sms).to_contain_text(re.compile(r"\d{6}"))
    code = re.search(r"\d{6}", sms.inner_text()).group(0)
    screenshot(page, "identity-sms-panel.png")

    frame.locator('[data-test="code"]').fill(code)
    frame.locator('[data-test="bind"]').click()
    expect(frame.locator('[data-test="bound"]')).to_be_visible()

    binding = active_binding(account=mock_account, openid=zhou.openid)
    assert binding is not None
    assert (binding.name, binding.id_number, binding.phone) == (
        "周明",
        "440304198506120035",
        "13712340001",
    )
