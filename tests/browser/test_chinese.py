"""A Chinese-speaking contact uses the portal in Chinese; an English agent sees the same ticket
in English (docs/i18n.md). The browser itself asks for English (en-GB): the language comes
from the contact's stored preference after login.

The expected Chinese is read from the catalogue and must differ from the English, so the test
proves the pages are translated without pinning a translator's wording."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A Chinese deadline: "10月1日 星期三 09:00 Asia/Shanghai (UTC+08:00)" (month, day, weekday).
CHINESE_DEADLINE = re.compile(r"\d{1,2}月\d{1,2}日 星期. \d\d:\d\d Asia/Shanghai \(UTC\+08:00\)")


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        translated = translation.gettext(text)
    assert translated != text, f"{text!r} has no Chinese translation"
    return translated


def test_chinese_contact_files_a_ticket_and_an_english_agent_reads_it(
    page: Page, demo: dict[str, Any], login: Any, shot: Any
) -> None:
    from servicepact.customers.models import Contact

    globex = demo["globex"]
    Contact.objects.filter(pk=globex.contact.pk).update(preferred_language="zh-hans")

    login(page, "globex-it", "pw-globex-it")
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    nav = page.get_by_role("navigation", name=zh("Main"))
    nav.get_by_role("link", name=zh("Report a problem")).click()
    expect(page.get_by_role("heading", name=zh("Report a problem"), level=1)).to_be_visible()

    page.get_by_label(zh("Which system is affected?")).select_option(str(globex.asset.pk))
    page.get_by_label(zh("Subject"), exact=True).fill("MES 服务器无法启动")
    page.get_by_label(zh("What happened?")).fill("09:40 停电后一直停在 RAID 控制器界面。")
    page.get_by_label(zh("The whole company, or all of our services")).check()
    page.get_by_label(zh("Right now: our business has stopped")).check()
    # The preview's deadlines: Shanghai time, in Chinese date order.
    expect(page.get_by_test_id("preview-priority")).to_have_text("P1")
    expect(page.get_by_test_id("preview-deadline-first_response")).to_contain_text(CHINESE_DEADLINE)
    shot(page, "portal_new_ticket_zh")

    page.get_by_role("button", name=zh("Submit ticket")).click()
    expect(page).to_have_url(re.compile(r"/portal/tickets/\d+/$"))
    confirmation = zh("Ticket %(number)s is filed. These are the deadlines that apply.")
    before, _, after = confirmation.partition("%(number)s")
    expect(
        page.get_by_text(re.compile(re.escape(before) + r"SP-\d+" + re.escape(after)))
    ).to_be_visible()
    expect(page.get_by_test_id("deadline-first_response")).to_contain_text(CHINESE_DEADLINE)
    ticket_url = page.url
    shot(page, "portal_ticket_zh")

    # The agent (no preference, an English browser) reads the same ticket in English.
    page.context.clear_cookies()
    agent = page.context.browser.new_context(base_url=page.url.split("/portal/")[0], locale="en-GB")
    tab = agent.new_page()
    login(tab, "globex-agent", "pw-globex-agent")
    number = ticket_url.rstrip("/").rsplit("/", 1)[1]
    tab.goto(f"/desk/tickets/{number}/")
    expect(tab.locator("html")).to_have_attribute("lang", "en")
    expect(tab.get_by_text("MES 服务器无法启动").first).to_be_visible()
    expect(tab.get_by_role("button", name="Acknowledge")).to_be_visible()
    expect(tab.get_by_test_id("deadline-first_response")).not_to_contain_text("月")
    shot(tab, "desk_ticket_en_of_a_chinese_contact")
    agent.close()
