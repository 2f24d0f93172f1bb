"""One raw RFC 822 message -> what ServicePact needs of it (stdlib ``email``, policy ``default``).

- the sender, the subject, the Message-ID and the ids it answers (In-Reply-To, References);
- why it must never open a ticket, if so (``loop_reason``: RFC 3834 auto-replies, bulk and
  list mail, delivery reports, our own messages coming back);
- the new text only: the plain part (else the HTML part as text), with quoted history and
  signatures removed by ``mail-parser-reply`` (docs/adr/0008);
- the attachments (file parts with a name, and non-text leaves).

Charsets: a part labelled GB2312 or GBK is decoded as GB18030 (their superset: mail clients
label GBK text GB2312); an unknown charset is decoded as UTF-8 with replacement characters.
Anything else that goes wrong raises ``Unparseable`` with the reason, and the caller keeps the
raw message with it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser

from mailparser_reply.parser import EmailReplyParser

from servicepact.tickets import system_notes as notes
from servicepact.tickets.system_notes import SystemNote

# Languages whose reply headers ("On … wrote:", "发件人:", "Von:") the parser recognises.
REPLY_LANGUAGES = ["en", "zh", "de", "fr", "ja"]
BULK_PRECEDENCE = frozenset({"bulk", "junk", "list"})
BOUNCE_SENDERS = frozenset({"mailer-daemon", "postmaster"})
# Our own outbound messages (notifications.email): ``<notification-N@domain>``, ``<ticket-N@domain>``.
OWN_ID = re.compile(r"^<(notification|ticket)-(\d+)@([^>]+)>$")
MSG_ID = re.compile(r"<[^<>\s]+>")
CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}


class Unparseable(Exception):
    """The message cannot be read; the reason is kept with the raw bytes."""


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    content: bytes


@dataclass
class ParsedMail:
    message_id: str
    sender: str
    sender_name: str
    subject: str
    references: list[str]  # In-Reply-To first, then References newest first
    loop_reason: str | None  # the English text of ``loop_note``
    text: str  # the new text, quotes and signature removed
    full_text: str
    attachments: list[Attachment] = field(default_factory=list)
    loop_note: SystemNote | None = None  # ``loop_reason`` as a note (shown translated)


def dedupe_key(message_id: str, raw: bytes) -> str:
    """SHA-256 of the Message-ID, else of the raw bytes (a message without one)."""
    basis = message_id.encode() if message_id else raw
    return hashlib.sha256(basis).hexdigest()


def quick_message_id(raw: bytes) -> str:
    """The Message-ID from the headers alone (for deduplication before a full parse); ''."""
    try:
        headers = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
        return _message_id(headers)
    except Exception:  # a broken header block: the raw bytes are the key
        return ""


def _message_id(msg: Message) -> str:
    found = MSG_ID.findall(str(msg.get("Message-ID", "") or ""))
    return found[0][:998] if found else ""


def parse(raw: bytes, *, own_domain: str, own_addresses: frozenset[str]) -> ParsedMail:
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        return _parse(msg, own_domain=own_domain, own_addresses=own_addresses)
    except Unparseable:
        raise
    except Exception as exc:  # any failure of the stdlib parser on broken input
        raise Unparseable(f"{type(exc).__name__}: {exc}") from exc


def _parse(msg: EmailMessage, *, own_domain: str, own_addresses: frozenset[str]) -> ParsedMail:
    if not msg.keys():
        raise Unparseable("no header fields: this is not an e-mail message")
    addresses = getaddresses([str(v) for v in msg.get_all("From", [])])
    sender_name, sender = addresses[0] if addresses else ("", "")
    sender = sender.strip().lower()
    if "@" not in sender:
        raise Unparseable("no sender address in From")
    message_id = _message_id(msg)
    references = _references(msg)
    full_text = body_text(msg)
    loop = loop_reason(msg, sender, message_id, own_domain, own_addresses)
    return ParsedMail(
        message_id=message_id,
        sender=sender[:320],
        sender_name=sender_name.strip()[:200],
        subject=" ".join(str(msg.get("Subject", "") or "").split()),
        references=references,
        loop_reason=loop.english() if loop else None,
        loop_note=loop,
        text=strip_reply(full_text),
        full_text=full_text,
        attachments=attachments(msg),
    )


def _references(msg: Message) -> list[str]:
    in_reply_to = MSG_ID.findall(str(msg.get("In-Reply-To", "") or ""))
    refs = MSG_ID.findall(str(msg.get("References", "") or ""))
    seen: list[str] = []
    for mid in [*in_reply_to, *reversed(refs)]:
        if mid not in seen:
            seen.append(mid)
    return seen[:100]


def own_reference(message_id: str, own_domain: str) -> tuple[str, int] | None:
    """``("ticket" | "notification", id)`` when the id is one we sent, else None."""
    match = OWN_ID.match(message_id)
    if match is None or match.group(3).lower() != own_domain.lower():
        return None
    return match.group(1), int(match.group(2))


def loop_reason(
    msg: Message, sender: str, message_id: str, own_domain: str, own_addresses: frozenset[str]
) -> SystemNote | None:
    """Why this message must not open a ticket or add a reply, or None."""
    if msg.get("X-ServicePact-Delivery") or own_reference(message_id, own_domain):
        return SystemNote(notes.MAIL_OWN_MESSAGE)
    if sender in own_addresses:
        return SystemNote(notes.MAIL_OWN_ADDRESS, {"sender": sender})
    auto = str(msg.get("Auto-Submitted", "") or "").strip().lower()
    if auto and auto != "no":
        return SystemNote(notes.MAIL_AUTO_SUBMITTED, {"value": auto})
    precedence = str(msg.get("Precedence", "") or "").strip().lower()
    if precedence in BULK_PRECEDENCE:
        return SystemNote(notes.MAIL_PRECEDENCE, {"value": precedence})
    if msg.get_content_type() == "multipart/report":
        report = msg.get_param("report-type") or "report"
        return SystemNote(notes.MAIL_DELIVERY_REPORT, {"value": str(report)})
    if msg.get("X-Autoreply") or msg.get("X-Autorespond"):
        return SystemNote(notes.MAIL_AUTO_REPLY)
    if sender.partition("@")[0] in BOUNCE_SENDERS:
        return SystemNote(notes.MAIL_BOUNCE, {"sender": sender})
    return None


# ---------------------------------------------------------------- text


def decode_part(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = (part.get_content_charset() or "utf-8").lower()
    charset = CHARSET_ALIASES.get(charset, charset)
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        return payload.decode("utf-8", errors="replace")


def body_text(msg: EmailMessage) -> str:
    """The plain-text body, else the HTML body as text; '' when there is neither."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = decode_part(part).replace("\r\n", "\n")
    if part.get_content_type() == "text/html":
        text = html_to_text(text)
    elif str(part.get_param("format", "")).lower() == "flowed":
        text = unflow(text, delsp=str(part.get_param("delsp", "")).lower() == "yes")
    return normalise(text)


def unflow(text: str, *, delsp: bool = False) -> str:
    """RFC 3676 ``format=flowed``: a line ending in a space continues on the next line of the
    same quote depth (Thunderbird wraps paragraphs so); ``-- `` stays the signature separator."""
    lines: list[str] = []
    pending, pending_depth = "", -1
    for raw_line in text.split("\n"):
        depth = len(raw_line) - len(raw_line.lstrip(">"))
        line = raw_line[depth:]
        if line.startswith(" "):  # space-stuffed
            line = line[1:]
        if pending and depth != pending_depth:
            lines.append(_quoted(pending, pending_depth))
            pending = ""
        if line.endswith(" ") and line != "-- ":
            pending += line[:-1] if delsp else line
            pending_depth = depth
            continue
        lines.append(_quoted(pending + line, depth))
        pending = ""
    if pending:
        lines.append(_quoted(pending, pending_depth))
    return "\n".join(lines)


def _quoted(line: str, depth: int) -> str:
    return ("> " * depth) + line if depth else line


def normalise(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_reply(text: str) -> str:
    """The newest reply without quoted history, signature or disclaimer ('' when only quotes)."""
    if not text:
        return ""
    replies = EmailReplyParser(languages=REPLY_LANGUAGES).read(text=text).replies
    return normalise(replies[0].body) if replies else text


class _Text(HTMLParser):
    """HTML -> text: block elements break lines, quotes (``blockquote``, Gmail's and Outlook's
    quoted-history containers) become ``>`` lines so the reply parser drops them."""

    BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "hr"})
    SKIP = frozenset({"style", "script", "head", "title"})
    QUOTE_MARKERS = ("gmail_quote", "divrplyfwdmsg", "moz-cite-prefix", "applemailquote")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.depth_quote = 0
        self.skip = 0
        self.stack: list[tuple[str, bool]] = []

    def _newline(self) -> None:
        self.lines.append("")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip += 1
            return
        marks = " ".join(f"{k}={v}" for k, v in attrs).lower()
        quote = tag == "blockquote" or any(m in marks for m in self.QUOTE_MARKERS)
        if tag not in ("br", "hr", "img", "meta", "link", "input"):
            self.stack.append((tag, quote))
        if quote:
            self.depth_quote += 1
        if tag in self.BLOCKS or quote:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
            return
        while self.stack:
            open_tag, quote = self.stack.pop()
            if quote:
                self.depth_quote -= 1
            if open_tag == tag:
                break
        if tag in self.BLOCKS or tag == "blockquote":
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = re.sub(r"\s+", " ", data)
        if not self.lines[-1].strip(" >"):
            text = text.lstrip()
            if not text:
                return
            self.lines[-1] = "> " * self.depth_quote
        self.lines[-1] += text


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return normalise("\n".join(parser.lines))


# ---------------------------------------------------------------- attachments


def attachments(msg: EmailMessage) -> list[Attachment]:
    found = []
    for part in msg.iter_attachments() if msg.is_multipart() else []:
        found.extend(_leaves(part))
    return found


def _leaves(part: EmailMessage) -> list[Attachment]:
    if part.is_multipart():  # a forwarded multipart inside: its attachments count
        return [a for sub in part.iter_attachments() for a in _leaves(sub)]
    name = part.get_filename() or ""
    content = part.get_payload(decode=True)
    if not isinstance(content, bytes) or (not name and part.get_content_maintype() == "text"):
        return []
    return [
        Attachment(name=name or "attachment", content_type=part.get_content_type(), content=content)
    ]
