"""`send(email)`: through the transport the settings choose (MAICRO_EMAIL_TRANSPORT)."""

from __future__ import annotations

import maicro.delivery.file_transport as file_transport
import maicro.delivery.resend_transport as resend_transport
import maicro.delivery.smtp_transport as smtp_transport
from maicro import settings
from maicro.delivery.message import DeliveryError, Email, SendResult

# MAICRO_EMAIL_TRANSPORT -> the function that sends through it.
TRANSPORTS = {
    "resend": resend_transport.send,
    "smtp": smtp_transport.send,
    "file": file_transport.send,
}


def send(email: Email, *, transport: str | None = None) -> SendResult:
    """Deliver `email` once through `transport` (default: the configured one).

    Raises DeliveryError with a one-line reason when it was not delivered.
    """
    chosen = transport or settings.get().maicro_email_transport
    if not email.recipients:
        raise DeliveryError(
            "the email has no recipients: set MAICRO_REPORT_RECIPIENTS (comma-separated addresses)"
        )
    transport_send = TRANSPORTS.get(chosen)
    if transport_send is not None:
        return transport_send(email)
    raise DeliveryError(f"unknown email transport {chosen!r}; expected resend, smtp or file")
