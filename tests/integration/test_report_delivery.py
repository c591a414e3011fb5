"""Delivery exactly once, through the real resend SDK against a loopback fake of its HTTP API and
the real ClickHouse record of deliveries (maicro_monitors.report_deliveries)."""

from __future__ import annotations

import email
import time
from datetime import UTC, datetime
from email import policy

import pytest
from maicro.delivery import DeliveryError, Email, InlineImage, send
from maicro.delivery.once import deliver_once

from tests.fakes.resend_server import FakeResend, ResendServer

PNG = bytes.fromhex("89504e470d0a1a0a") + b"not really a png"


def _email(**overrides) -> Email:
    fields = {
        "subject": "Daily PnL 2026-03-09",
        "html": '<p>Total <b>+$1,234.56</b></p><img src="cid:equity">',
        "text": "Total +$1,234.56",
        "recipients": ("ops@fund.example", "quant@fund.example"),
        "sender": "maicro reports <reports@fund.example>",
        "images": (InlineImage("equity", PNG),),
    }
    return Email(**{**fields, **overrides})


@pytest.fixture
def resend_fake(fresh_clickhouse, monkeypatch):
    with ResendServer(FakeResend(api_key="re_test")) as server:
        for key, value in {
            "MAICRO_EMAIL_TRANSPORT": "resend",
            "RESEND_API_URL": server.url,
            "RESEND_API_KEY": "re_test",
            "MAICRO_EMAIL_BACKOFF_S": "0.01",
            "MAICRO_EMAIL_TIMEOUT_S": "1",
            "MAICRO_EMAIL_MAX_ATTEMPTS": "4",
        }.items():
            monkeypatch.setenv(key, value)
        yield server.fake


def _deliveries(pair) -> list[tuple]:
    client = pair.client("local")
    rows = client.query(
        "SELECT report, period, status, attempts, provider_message_id, error, recipients "
        "FROM maicro_monitors.report_deliveries ORDER BY attempted_at"
    ).result_rows
    client.close()
    return rows


def test_sent_payload_has_inline_chart_idempotency_key_and_record(resend_fake, fresh_clickhouse):
    delivery = deliver_once("daily_pnl", "2026-03-09", _email())

    assert delivery.sent_now and len(resend_fake.sent) == 1
    request = resend_fake.requests[0]
    assert request.headers["idempotency-key"] == delivery.key
    assert request.headers["authorization"] == "Bearer re_test"
    [attachment] = request.body["attachments"]
    assert attachment["content_id"] == "equity" and "cid:equity" in request.body["html"]
    assert request.body["text"] == "Total +$1,234.56"
    rows = _deliveries(fresh_clickhouse)
    assert [r[2] for r in rows] == ["sending", "sent"]
    assert rows[-1][4] == resend_fake.sent[0]["id"]
    assert rows[-1][6] == ["ops@fund.example", "quant@fund.example"]


def test_retried_task_sends_nothing_twice_even_if_provider_forgets_keys(
    resend_fake, fresh_clickhouse
):
    resend_fake.forget_idempotency = True  # e.g. retried after Resend's 24 h window
    first = deliver_once("daily_pnl", "2026-03-09", _email())
    again = deliver_once("daily_pnl", "2026-03-09", _email())

    assert len(resend_fake.sent) == 1 and len(resend_fake.requests) == 1
    assert not again.sent_now and again.result.message_id == first.result.message_id
    # another period, or other recipients, is another delivery
    deliver_once("daily_pnl", "2026-03-10", _email())
    deliver_once("daily_pnl", "2026-03-09", _email(recipients=("cfo@fund.example",)))
    assert len(resend_fake.sent) == 3


def test_send_lost_before_it_was_recorded_is_deduplicated_by_the_key(resend_fake):
    # The task died after Resend accepted the email but before `sent` was recorded: the retry
    # sends again with the same key and the provider returns the first email.
    first = deliver_once("weekly_risk", "2026-W10", _email())
    client_side_retry = send(_email(idempotency_key=first.key))
    assert client_side_retry.message_id == first.result.message_id
    assert len(resend_fake.sent) == 1 and len(resend_fake.requests) == 2


def test_429_and_5xx_are_retried_honouring_retry_after(resend_fake, fresh_clickhouse):
    resend_fake.fail_next(429, retry_after=0.6)
    resend_fake.fail_next(503)
    started = time.monotonic()
    delivery = deliver_once("daily_pnl", "2026-03-09", _email())

    assert time.monotonic() - started >= 0.6  # waited as long as Retry-After asked
    assert [r.status for r in resend_fake.requests] == [429, 503, 200]
    assert delivery.result.attempts == 3 and len(resend_fake.sent) == 1
    assert _deliveries(fresh_clickhouse)[-1][2:4] == ("sent", 3)


def test_timeout_is_retried_and_the_key_prevents_a_second_email(resend_fake):
    resend_fake.stall_next(1.5)  # accepted by the provider, but after our 1 s timeout
    delivery = deliver_once("daily_pnl", "2026-03-09", _email())
    assert delivery.result.attempts == 2
    time.sleep(0.6)  # let the stalled request finish on the server
    assert len(resend_fake.sent) == 1


def test_validation_error_fails_at_once_with_the_providers_message(resend_fake, fresh_clickhouse):
    with pytest.raises(DeliveryError, match=r"422 validation_error: Invalid `from` field") as err:
        deliver_once("daily_pnl", "2026-03-09", _email(sender="reports at fund"))

    assert not err.value.retryable and len(resend_fake.requests) == 1
    last = _deliveries(fresh_clickhouse)[-1]
    assert last[2:4] == ("failed", 1) and "Invalid `from` field" in last[5]


def test_persistent_5xx_gives_up_after_the_configured_attempts(resend_fake, fresh_clickhouse):
    resend_fake.fail_next(500, times=10)
    with pytest.raises(DeliveryError, match="after 4 attempts: 500") as err:
        deliver_once("daily_pnl", "2026-03-09", _email())
    assert err.value.retryable and len(resend_fake.requests) == 4
    # a later run (the next task try) delivers: a failure is not a `sent` record
    resend_fake._script.clear()
    assert deliver_once("daily_pnl", "2026-03-09", _email()).sent_now


def test_missing_api_key_is_a_one_line_error(resend_fake, monkeypatch):
    monkeypatch.delenv("RESEND_API_KEY")
    with pytest.raises(DeliveryError, match="RESEND_API_KEY is not set"):
        send(_email())
    assert resend_fake.requests == []


def test_file_transport_writes_the_mime_message_and_a_browser_page(
    fresh_clickhouse, monkeypatch, tmp_path
):
    monkeypatch.setenv("MAICRO_EMAIL_TRANSPORT", "file")
    monkeypatch.setenv("MAICRO_EMAIL_OUTBOX", str(tmp_path))
    delivery = deliver_once("daily_pnl", "2026-03-09", _email())
    eml = tmp_path / delivery.result.message_id.rsplit("/", 1)[-1]
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["Subject"] == "Daily PnL 2026-03-09"
    assert message.get_body(("plain",)).get_content().strip() == "Total +$1,234.56"
    [image] = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] == "<equity>" and image.get_content() == PNG
    page = eml.with_suffix(".html").read_text()
    assert "data:image/png;base64," in page and "cid:" not in page
    deliver_once("daily_pnl", "2026-03-09", _email())
    assert len(list(tmp_path.glob("*.eml"))) == 1


class _Inbox:
    """aiosmtpd handler: keeps every message it accepts; refuses one recipient with 550."""

    REFUSED = "bounce@fund.example"

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.REFUSED:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_inbox(fresh_clickhouse, monkeypatch):
    """A real SMTP server on loopback (aiosmtpd), reached through the Airflow smtp provider's
    connection `smtp_default` given in the environment, as an operator would configure it."""
    import json
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    connection = {"conn_type": "smtp", "host": "127.0.0.1", "port": port,
                  "extra": {"disable_ssl": True, "disable_tls": True, "timeout": 5}}  # fmt: skip
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(connection))
    monkeypatch.setenv("MAICRO_EMAIL_TRANSPORT", "smtp")
    try:
        yield inbox
    finally:
        controller.stop()


def test_smtp_transport_delivers_html_text_and_inline_images_once(smtp_inbox, fresh_clickhouse):
    chart = PNG + b" second chart"
    sent = _email(images=(InlineImage("equity", PNG), InlineImage("tracking", chart)),
                  html='<p>Total <b>+$1,234.56</b></p><img src="cid:equity"><img src="cid:tracking">')  # fmt: skip
    delivery = deliver_once("daily_pnl", "2026-03-09", sent)
    again = deliver_once("daily_pnl", "2026-03-09", sent)  # a retried task: nothing more

    assert delivery.sent_now and not again.sent_now
    [(mail_from, rcpt_to, raw)] = smtp_inbox.received
    assert mail_from == "reports@fund.example" and rcpt_to == list(sent.recipients)
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == "Daily PnL 2026-03-09"
    assert message["Message-ID"] == delivery.result.message_id
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().strip() == "Total +$1,234.56"
    html = message.get_body(("html",)).get_content()
    assert '<img src="cid:equity"><img src="cid:tracking">' in html
    related = {p["Content-ID"]: p.get_content() for p in message.walk()
               if p.get_content_type() == "image/png"}  # fmt: skip
    assert related == {"<equity>": PNG, "<tracking>": chart}
    rows = _deliveries(fresh_clickhouse)
    assert [(r[2], r[4]) for r in rows] == [("sending", ""), ("sent", delivery.result.message_id)]


def test_smtp_refusal_fails_at_once_with_the_servers_reply(smtp_inbox, fresh_clickhouse):
    with pytest.raises(
        DeliveryError,
        match="SMTP .smtp_default. refused the recipients: bounce@fund.example: 550 5.1.1 mailbox unavailable",
    ) as err:
        deliver_once("daily_pnl", "2026-03-09", _email(recipients=(_Inbox.REFUSED,)))
    assert not err.value.retryable and smtp_inbox.received == []
    assert _deliveries(fresh_clickhouse)[-1][2] == "failed"


def test_a_missing_smtp_connection_is_named_with_how_to_set_it(fresh_clickhouse, monkeypatch):
    monkeypatch.setenv("MAICRO_EMAIL_TRANSPORT", "smtp")
    monkeypatch.setenv("MAICRO_SMTP_CONN_ID", "fund_smtp")
    monkeypatch.delenv("AIRFLOW_CONN_FUND_SMTP", raising=False)
    with pytest.raises(
        DeliveryError, match="'fund_smtp' is not configured.*AIRFLOW_CONN_FUND_SMTP"
    ) as err:
        deliver_once("daily_pnl", "2026-03-09", _email())
    assert not err.value.retryable
    assert _deliveries(fresh_clickhouse)[-1][2] == "failed"


def test_rows_sent_under_the_reports_earlier_key_name_still_count(resend_fake, fresh_clickhouse):
    """Before the names were unified, keys were made from `daily_report` (rows said `daily_pnl`):
    such a delivered period is not sent again; a new one is keyed by the report's one name."""
    from maicro.delivery.message import idempotency_key
    from maicro.reports import periods
    from maicro.reports.report import Built, deliver

    day, recipients = periods.day("2026-03-09"), _email().recipients
    old_key = idempotency_key("daily_report", day.label, recipients)
    client = fresh_clickhouse.client("local")
    client.insert("maicro_monitors.report_deliveries",
                  [["daily_pnl", day.label, list(recipients), old_key, "resend", "sent", "re_old",
                    "", 1, False, datetime.now(UTC)]],
                  column_names=["report", "period", "recipients", "idempotency_key", "transport",
                                "status", "provider_message_id", "error", "attempts",
                                "incomplete", "attempted_at"])  # fmt: skip
    client.close()
    built = Built(_email(), [], None)  # type: ignore[arg-type]  # deliver reads no marts
    assert not deliver(day, built).sent_now and resend_fake.requests == []
    fresh = deliver(periods.day("2026-03-10"), built)
    assert fresh.sent_now and fresh.key == idempotency_key("daily_pnl", "2026-03-10", recipients)
    assert _deliveries(fresh_clickhouse)[-1][:3] == ("daily_pnl", "2026-03-10", "sent")
