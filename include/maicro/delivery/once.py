"""Deliver a report at most once per (report, period, recipients), however often the task runs.

The provider's idempotency key covers quick retries, but only for its window (Resend: 24 h) and
only if the provider honours it. The durable guard is our own record,
`maicro_monitors.report_deliveries` on the local store (written as `maicro_notifier`, replicated
to the cloud for the dashboard): a delivery whose key already has a `sent` row is not sent again.
Every attempt leaves rows: `sending` before the request, then `sent` (with the provider's id) or
`failed` (with its reason), so an interrupted send is visible and is retried with the same key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from maicro import settings
from maicro.clickhouse.client import connect
from maicro.delivery.message import DeliveryError, Email, SendResult, idempotency_key
from maicro.delivery.send import send

TABLE = "maicro_monitors.report_deliveries"
COLUMNS = [
    "report",
    "period",
    "recipients",
    "idempotency_key",
    "transport",
    "status",
    "provider_message_id",
    "error",
    "attempts",
    "incomplete",
    "attempted_at",
]


@dataclass(frozen=True)
class Delivery:
    key: str
    sent_now: bool  # False: an earlier run had already delivered it
    result: SendResult


def previous_delivery(client, keys: list[str]) -> SendResult | None:
    """The first `sent` row under any of `keys` (the key, then keys earlier names made)."""
    rows = client.query(
        f"SELECT transport, provider_message_id, attempts FROM {TABLE} "
        "WHERE idempotency_key IN {keys:Array(String)} AND status = 'sent' "
        "ORDER BY attempted_at LIMIT 1",
        parameters={"keys": keys},
    ).result_rows
    return SendResult(rows[0][0], rows[0][1], int(rows[0][2])) if rows else None


def deliver_once(
    report: str,
    period: str,
    email: Email,
    *,
    incomplete: bool = False,
    transport: str | None = None,
    legacy_report_names: tuple[str, ...] = (),
) -> Delivery:
    """Send `email` as `report` for `period` unless that exact delivery was already made (also
    under a key made from one of `legacy_report_names`, the names the report had before)."""
    key = email.idempotency_key or idempotency_key(report, period, email.recipients)
    email = replace(email, idempotency_key=key)
    keys = [key] + [idempotency_key(old, period, email.recipients) for old in legacy_report_names]
    client = connect("local", "notifier")
    try:
        earlier = previous_delivery(client, keys)
        if earlier is not None:
            return Delivery(key, False, earlier)
        chosen = transport or settings.get().maicro_email_transport

        def record(status: str, message_id: str = "", error: str = "", attempts: int = 0) -> None:
            row: list[object] = [report, period, list(email.recipients), key, chosen, status]
            row += [message_id, error, attempts, incomplete, datetime.now(UTC)]
            client.insert(TABLE, [row], column_names=COLUMNS)

        record("sending")
        try:
            result = send(email, transport=chosen)
        except DeliveryError as exc:
            record("failed", error=str(exc), attempts=exc.attempts)
            raise
        record("sent", result.message_id, attempts=result.attempts)
        return Delivery(key, True, result)
    finally:
        client.close()
