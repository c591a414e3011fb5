"""Delivery exactly once, through the real resend SDK against a loopback fake of its HTTP API and
the real ClickHouse record of deliveries (maicro_monitors.report_deliveries)."""

from __future__ import annotations

import email
import time
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
