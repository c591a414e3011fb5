"""The `file` transport: each email as an .eml (the exact MIME message) and an .html a browser
shows (images embedded), in the outbox folder (MAICRO_EMAIL_OUTBOX, default .maicro/outbox).

For the demo and for previews. With an idempotency key the files are named after it, so sending
the same report again rewrites the same files instead of adding a second email.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from maicro import settings
from maicro.delivery.message import Email, SendResult, browser_html, to_mime


def send(email: Email) -> SendResult:
    outbox = settings.get().email_outbox
    outbox.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", email.subject.lower()).strip("-")[:60]
    eml = outbox / f"{slug}-{_stem(email.idempotency_key)}.eml"
    eml.write_bytes(bytes(to_mime(email)))
    eml.with_suffix(".html").write_text(browser_html(email), encoding="utf-8")
    return SendResult("file", str(eml))


def _stem(idempotency_key: str | None) -> str:
    """A file-name-safe stem unique per key: a digest of the whole key, because keys may hold
    `/` (alert keys name URLs and tables) and share long prefixes (cut, they would collide)."""
    if idempotency_key is None:
        return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]
