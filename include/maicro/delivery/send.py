"""`send(email)`: through the transport the settings choose (MAICRO_EMAIL_TRANSPORT)."""

from __future__ import annotations

from maicro import settings
from maicro.delivery.message import DeliveryError, Email, SendResult


def send(email: Email, *, transport: str | None = None) -> SendResult:
    """Deliver `email` once through `transport` (default: the configured one).

    Raises DeliveryError with a one-line reason when it was not delivered.
    """
    chosen = transport or settings.get().maicro_email_transport
    if not email.recipients:
        raise DeliveryError(
            "the email has no recipients: set MAICRO_REPORT_RECIPIENTS (comma-separated addresses)"
        )
    if chosen == "resend":
        from maicro.delivery import resend_transport

        return resend_transport.send(email)
    if chosen == "smtp":
        from maicro.delivery import smtp_transport

        return smtp_transport.send(email)
    if chosen == "file":
        from maicro.delivery import file_transport

        return file_transport.send(email)
    raise DeliveryError(f"unknown email transport {chosen!r}; expected resend, smtp or file")
