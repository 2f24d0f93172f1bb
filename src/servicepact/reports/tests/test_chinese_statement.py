"""Statements in the recipient's language: the month-close e-mail to a contact who chose
Chinese is Chinese, and ``servicepact statement --language zh-hans`` writes a Chinese PDF whose
text layer holds the CJK glyphs (Noto Sans CJK SC is declared; pdftotext reads them back)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.core.management import call_command

from servicepact.billing.testing import june_month
from servicepact.customers.models import Contact
from servicepact.notifications.models import Notification
from servicepact.reports.services import close_period

pytestmark = pytest.mark.django_db


def test_the_statement_mail_to_a_chinese_contact_is_chinese(clock):
    """Two contacts receive June's statement: the one who chose Chinese gets a Chinese
    subject and body, the other the English ones; each row records its language."""
    june = june_month(clock)
    Contact.objects.filter(pk=june.world.contact.pk).update(
        email="li@acme.example", preferred_language="zh-hans"
    )
    Contact.objects.create(customer=june.world.customer, name="CFO", email="cfo@acme.example")
    close_period(june.contract, "2025-06")
    mails = {m.recipient: m for m in Notification.objects.filter(channel="email")}
    chinese, english = mails["li@acme.example"], mails["cfo@acme.example"]
    assert (chinese.subject, chinese.language) == ("SLA 服务报告 ACME-1 2025-06", "zh-hans")
    assert "SLA 达标率：72.22 %（18 个计时中 13 个达标）" in chinese.body
    assert (english.subject, english.language) == ("SLA statement ACME-1 2025-06", "en")
    assert "SLA compliance: 72.22 % (13 of 18 clocks met)" in english.body


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_statement_command_renders_a_chinese_pdf(clock, tmp_path):
    """--language zh-hans: the PDF's text layer says 可用性 (availability) and 服务报告; the
    default stays English."""
    june_month(clock)
    out = tmp_path / "zh.pdf"
    call_command(
        "statement", "ACME-1", "--period", "2025-06", "--language", "zh-hans", "--output", str(out)
    )
    text = subprocess.run(
        ["pdftotext", str(out), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "可用性" in text and "服务报告" in text
    english = tmp_path / "en.pdf"
    call_command("statement", "ACME-1", "--period", "2025-06", "--output", str(english))
    text = subprocess.run(
        ["pdftotext", str(english), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Availability" in text and "可用性" not in text


def test_statement_command_refuses_an_unknown_language(clock, tmp_path):
    from django.core.management.base import CommandError

    june_month(clock)
    with pytest.raises(CommandError, match="--language"):
        call_command(
            "statement", "ACME-1", "--period", "2025-06", "--language", "fr",
            "--output", str(tmp_path / "x.pdf"),
        )  # fmt: skip
