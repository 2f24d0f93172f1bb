"""The samples of real mail clients, read by ``mail.parsing`` (no database)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from servicepact.mail.parsing import Unparseable, html_to_text, parse, unflow
from servicepact.mail.tests.conftest import mime

TICKET = SimpleNamespace(number="SP-000042", pk=42)
OWN = frozenset({"support@provider.example"})


def read(name: str, **kwargs: str):
    return parse(
        mime(name, ticket=TICKET, notification=7, **kwargs),
        own_domain="provider.example",
        own_addresses=OWN,
    )


@pytest.mark.parametrize(
    ("name", "sender", "text"),
    [
        (
            "outlook_reply.eml",
            "john.smith@acme.example",
            "Hello,\n\nthe controller still reports the error after the firmware update. "
            "The log from this\nmorning is attached.",
        ),
        (
            "gmail_reply.eml",
            "maria.garcia@acme.example",
            "The disk was replaced, the array is rebuilding. Thanks for the quick dispatch!"
            "\n\nMaria",
        ),
        (
            "thunderbird_reply.eml",
            "jane.doe@acme.example",
            "The job ran with the new credentials last night and finished without errors.",
        ),
        ("apple_mail_reply.eml", "wei.li@acme.example", "Thanks, the server is back online."),
        (
            "gb2312_chinese.eml",
            "wang.zhe@globex.example",
            "您好，\n\n服务器按照建议重启后，问题依旧，RAID卡仍然报错。\n\n王喆\n环球科技 运维部",
        ),
    ],
)
def test_a_reply_keeps_only_the_new_text(name: str, sender: str, text: str) -> None:
    """Quoted history ("-----Original Message-----", "On … wrote:", "> On …", "发件人:") and
    signatures ("-- ", "Sent from my iPhone") are gone; the reply names our thread."""
    mail = read(name)
    assert mail.sender == sender
    assert mail.text == text
    assert mail.loop_reason is None
    assert mail.references == ["<notification-7@provider.example>", "<ticket-42@provider.example>"]
    assert "SP-000042" in mail.subject


def test_the_chinese_sample_is_gbk_text_labelled_gb2312() -> None:
    """王喆's 喆 exists only in GBK: decoded as GB18030 it survives; the GB2312 subject and
    sender name are decoded too."""
    mail = read("gb2312_chinese.eml")
    assert "王喆" in mail.full_text and "\ufffd" not in mail.full_text
    assert mail.subject == "回复: [SP-000042] New reply: 服务器无法启动"
    assert mail.sender_name == "王工"


def test_outlook_attachment_is_read() -> None:
    mail = read("outlook_reply.eml")
    assert [(a.name, a.content_type) for a in mail.attachments] == [
        ("controller.log", "text/plain")
    ]
    assert mail.attachments[0].content.startswith(b"2025-12-02T07:58:11Z megaraid_sas")
    assert mail.message_id.startswith("<AM0PR02MB55243C6F0E2B8D8A1B2E1F3AD8A92@")


def test_html_only_message_becomes_text() -> None:
    mail = read("html_only.eml")
    assert mail.text == (
        "Hi,\n\nsince 06:00 the RAID controller of acme-srv01 reports a degraded array.\n"
        "Please send an engineer."
    )
    assert "font-family" not in mail.full_text


def test_gmail_html_quote_is_marked_as_quote() -> None:
    html = (
        '<div dir="ltr">Fixed.</div><div class="gmail_quote"><div class="gmail_attr">On Mon, '
        "Dec 1, 2025 at 4:05 PM A &lt;a@b.example&gt; wrote:<br></div><blockquote>old "
        "<b>text</b></blockquote></div>"
    )
    assert html_to_text(html) == (
        "Fixed.\n\n> On Mon, Dec 1, 2025 at 4:05 PM A <a@b.example> wrote:\n\n> > old text"
    )


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("out_of_office.eml", "auto-submitted (auto-generated)"),
        ("dsn_bounce.eml", "auto-submitted (auto-replied)"),
    ],
)
def test_auto_replies_and_bounces_are_flagged(name: str, reason: str) -> None:
    assert read(name).loop_reason == reason


def test_a_delivery_report_without_auto_submitted_is_still_a_bounce() -> None:
    mail = read("dsn_bounce.eml", **{"Auto-Submitted: auto-replied\n": ""})
    assert mail.loop_reason == "delivery report (delivery-status)"


def test_a_bounce_from_mailer_daemon_without_report_is_flagged() -> None:
    raw = b"From: MAILER-DAEMON@mx.example\r\nSubject: failure\r\nMessage-ID: <x@y>\r\n\r\nno\r\n"
    assert parse(raw, own_domain="provider.example", own_addresses=OWN).loop_reason == (
        "bounce (from mailer-daemon@mx.example)"
    )


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Precedence: bulk", "Precedence: bulk"),
        ("Precedence: junk", "Precedence: junk"),
        ("Precedence: list", "Precedence: list"),
        ("X-Autoreply: yes", "auto-reply (X-Autoreply)"),
        ("Auto-Submitted: no", None),
    ],
)
def test_precedence_and_autoreply_headers(header: str, reason: str | None) -> None:
    raw = (
        "From: Jane <jane.doe@acme.example>\r\nSubject: hello\r\nMessage-ID: <p@acme.example>\r\n"
        f"{header}\r\n\r\nbody\r\n"
    ).encode()
    assert parse(raw, own_domain="provider.example", own_addresses=OWN).loop_reason == reason


def test_our_own_messages_coming_back_are_loops() -> None:
    ours = (
        b"From: Jane <jane.doe@acme.example>\r\nSubject: x\r\n"
        b"Message-ID: <notification-9@provider.example>\r\n\r\nbody\r\n"
    )
    from_us = b"From: ServicePact <Support@Provider.example>\r\nSubject: x\r\n\r\nbody\r\n"
    other_domain = ours.replace(b"provider.example", b"elsewhere.example")
    check = lambda raw: parse(raw, own_domain="provider.example", own_addresses=OWN).loop_reason  # noqa: E731
    assert check(ours) == "loop: one of our own messages"
    assert check(from_us) == "loop: sent from our own address support@provider.example"
    assert check(other_domain) is None


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x00\xff\xfe not a message at all", b"Subject: no sender\r\n\r\nbody\r\n"],
)
def test_what_cannot_be_read_says_why(raw: bytes) -> None:
    with pytest.raises(Unparseable):
        parse(raw, own_domain="provider.example", own_addresses=OWN)


def test_format_flowed_joins_soft_breaks_per_quote_depth() -> None:
    text = "one \ntwo\n> quoted \n> more\n-- \nsig"
    assert unflow(text) == "one two\n> quoted more\n-- \nsig"
    assert unflow("ab \ncd", delsp=True) == "abcd"
