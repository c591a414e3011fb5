"""What an email is, independent of how it leaves: subject, HTML, plain text, inline images.

Charts travel as PNG attachments referenced from the HTML by `cid:` (Gmail and Outlook drop `data:`
URIs). The same object becomes a Resend API payload, a MIME message (SMTP, the file outbox, the
benchmark's finished message) or a self-contained HTML page for a browser (`maicro report --out`).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import cast

from maicro.errors import MaicroError


class DeliveryError(MaicroError):
    """The email was not delivered; `retryable` says whether trying later may succeed (429, 5xx,
    timeouts) or not (the provider refused the message: fix it first)."""

    def __init__(self, message: str, *, retryable: bool = False, attempts: int = 1) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.attempts = attempts


@dataclass(frozen=True)
class InlineImage:
    cid: str  # referenced in the HTML as src="cid:<cid>"
    png: bytes

    @property
    def filename(self) -> str:
        return f"{self.cid}.png"


@dataclass(frozen=True)
class Email:
    subject: str
    html: str
    text: str
    recipients: tuple[str, ...]
    sender: str
    images: tuple[InlineImage, ...] = ()
    # The provider deduplicates sends with the same key (Resend: for 24 hours).
    idempotency_key: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    transport: str
    message_id: str  # provider id, SMTP Message-ID or outbox file
    attempts: int = 1


def idempotency_key(report: str, period: str, recipients: tuple[str, ...] | list[str]) -> str:
    """One key per (report, period, recipient list), whatever the recipients' order or case."""
    people = ",".join(sorted({r.strip().lower() for r in recipients}))
    return hashlib.sha256(f"{report}|{period}|{people}".encode()).hexdigest()[:48]


def to_mime(email: Email) -> EmailMessage:
    """multipart/alternative (text, then multipart/related HTML + its inline PNGs)."""
    msg = EmailMessage()
    msg["Subject"] = email.subject
    msg["From"] = email.sender
    msg["To"] = ", ".join(email.recipients)
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain="maicro.invalid")
    for name, value in email.headers.items():
        msg[name] = value
    msg.set_content(email.text)
    msg.add_alternative(email.html, subtype="html")
    html_part = cast(EmailMessage, msg.get_payload()[1])  # type: ignore[index]
    for image in email.images:
        html_part.add_related(
            image.png, "image", "png", cid=f"<{image.cid}>", filename=image.filename
        )
    return msg


def browser_html(email: Email) -> str:
    """The HTML with every `cid:` image replaced by a `data:` URI: a file a browser shows as is
    (previews and `--out`; never what is sent)."""
    html = email.html
    for image in email.images:
        uri = "data:image/png;base64," + base64.b64encode(image.png).decode()
        html = html.replace(f"cid:{image.cid}", uri)
    return html
