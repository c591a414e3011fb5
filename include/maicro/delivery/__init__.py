"""Email delivery: one `Email`, three transports (resend, smtp, file) chosen by settings, and
`once.deliver_once` so that a retried task never sends the same report twice."""

from maicro.delivery.message import DeliveryError, Email, InlineImage, SendResult, idempotency_key
from maicro.delivery.send import send

__all__ = ["DeliveryError", "Email", "InlineImage", "SendResult", "idempotency_key", "send"]
