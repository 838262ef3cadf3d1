"""Search from the phone simulator: a citizen sends 查政策 公积金提取, the news card opens the H5
search page inside the phone, the withdrawal measures come first and open their page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from weizheng.search.api import Document, index_documents
from weizheng.search.links import search_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WITHDRAWAL = "平安市住房公积金提取管理办法"


@pytest.fixture
def policies(mock_account, live_server, settings):
    """Three policies of the police account. The measures' own page is not this app's: its URL
    here is a search page of its title, so the test can open it."""
    settings.PUBLIC_BASE_URL = live_server.url
    index_documents(
        [
            Document(
                key="content.policy:1",
                account_id=mock_account.pk,
                language="zh-hans",
                title=WITHDRAWAL,
                body="缴存职工购买自住住房、离休退休的，可以申请提取住房公积金。",
                facets={"kind": "policy", "issuer": "平安市住房公积金管理中心", "year": 2021},
                url=search_path(mock_account.slug, "住房公积金提取管理办法"),
            ),
            Document(
                key="content.policy:2",
                account_id=mock_account.pk,
                language="zh-hans",
                title="平安市住房公积金缴存管理办法",
                body="缴存的住房公积金，可以按照提取管理办法提取。",
                facets={"kind": "policy", "issuer": "平安市住房公积金管理中心", "year": 2020},
                url="/h5/police/policies/2/",
            ),
            Document(
                key="content.policy:3",
                account_id=mock_account.pk,
                language="zh-hans",
                title="平安市居住证办理规定",
                body="申领居住证，应当提交居民身份证。",
                facets={"kind": "policy", "issuer": "平安市公安局", "year": 2020},
                url="/h5/police/policies/3/",
            ),
        ]
    )


def test_a_citizen_searches_from_the_chat_and_opens_the_result(
    page, simulator_url, personas, policies, screenshot
):
    page.goto(simulator_url(personas["zhou-ming"].openid))
    if page.locator("#to-keyboard").is_visible():
        page.click("#to-keyboard")
    page.fill('[data-test="text-input"]', "查政策 公积金提取")
    page.click('[data-test="send"]')

    card = page.locator('#phone-messages .msg_in [data-type="news"]')
    expect(card).to_contain_text("公积金提取")
    expect(card).to_contain_text(f"1. {WITHDRAWAL}")
    card.click()

    frame = page.frame_locator('[data-test="webview-frame"]')
    results = frame.locator('[data-testid="results"] a')
    expect(results).to_have_count(2)
    expect(results.first).to_have_attribute("data-key", "content.policy:1")
    expect(results.first.locator("mark").first).to_have_text("住房公积金")
    expect(frame.locator('[data-testid="search-input"]')).to_have_value("公积金提取")
    screenshot(page, "search.png")

    results.first.click()
    expect(frame.locator('[data-testid="search-input"]')).to_have_value("住房公积金提取管理办法")
    expect(frame.locator('[data-testid="results"] a').first).to_have_attribute(
        "data-key", "content.policy:1"
    )
