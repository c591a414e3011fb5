"""The `resend` transport: the Resend API through its SDK.

* One Idempotency-Key per (report, period, recipients): a retry within Resend's window (24 h)
  returns the first email instead of sending a second (beyond it, `once.deliver_once` guards).
* 429, 5xx and timeouts are retried with exponential backoff (tenacity), waiting at least what
  Retry-After asks; any other 4xx (validation, bad key, unverified domain) fails at once with the
  provider's message, because sending the same payload again cannot succeed.
* The key comes from RESEND_API_KEY (environment) or the password of the Airflow connection
  MAICRO_RESEND_CONN_ID; RESEND_API_URL points the SDK elsewhere (tests: a loopback fake).
"""

from __future__ import annotations

import base64
from typing import Any

import resend
import tenacity
from resend.exceptions import ResendError

from maicro import settings
from maicro.delivery.message import DeliveryError, Email, SendResult


def api_key() -> str:
    """RESEND_API_KEY, else the password of the Airflow connection (never from code or files)."""
    config = settings.get()
    if config.resend_api_key is not None:
        return config.resend_api_key.get_secret_value()
    try:
        from airflow.sdk import BaseHook

        password = BaseHook.get_connection(config.maicro_resend_conn_id).password
    except Exception:  # no Airflow here, or no such connection: both mean "not configured"
        password = None
    if not password:
        raise DeliveryError(
            "RESEND_API_KEY is not set and the Airflow connection "
            f"{config.maicro_resend_conn_id!r} has no password: set one to send through Resend"
        )
    return password


def payload(email: Email) -> dict[str, Any]:
    """The POST /emails body (Resend API reference: Send Email)."""
    body: dict[str, Any] = {
        "from": email.sender,
        "to": list(email.recipients),
        "subject": email.subject,
        "html": email.html,
        "text": email.text,
    }
    if email.headers:
        body["headers"] = dict(email.headers)
    if email.images:
        body["attachments"] = [
            {
                "filename": image.filename,
                "content": base64.b64encode(image.png).decode(),
                "content_type": "image/png",
                "content_id": image.cid,
            }
            for image in email.images
        ]
    return body


def _status(exc: ResendError) -> int:
    try:
        return int(exc.code)
    except (TypeError, ValueError):
        return 500


def _retryable(exc: BaseException) -> bool:
    if not isinstance(exc, ResendError):
        return False
    status = _status(exc)
    return status == 429 or status >= 500


def _retry_after(exc: BaseException | None) -> float:
    headers = {k.lower(): v for k, v in (getattr(exc, "headers", None) or {}).items()}
    try:
        return max(0.0, float(headers.get("retry-after", 0)))
    except ValueError:
        return 0.0


class _WaitBackoffOrRetryAfter(tenacity.wait.wait_base):
    """Exponential backoff, but never shorter than the server's Retry-After."""

    def __init__(self, first: float, longest: float) -> None:
        self._backoff = tenacity.wait_exponential(multiplier=first, max=longest)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        return max(self._backoff(retry_state), _retry_after(exc))


def send(email: Email) -> SendResult:
    config = settings.get()
    resend.api_key = api_key()
    resend.api_url = config.resend_api_url.rstrip("/")
    resend.default_http_client = resend.RequestsClient(timeout=int(config.maicro_email_timeout_s))
    options: Any = {"idempotency_key": email.idempotency_key} if email.idempotency_key else None
    body: Any = payload(email)
    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(_retryable),
        stop=tenacity.stop_after_attempt(config.maicro_email_max_attempts),
        wait=_WaitBackoffOrRetryAfter(config.maicro_email_backoff_s, 60.0),
        reraise=True,
    )
    try:
        response = retrying(resend.Emails.send, body, options)
    except ResendError as exc:
        attempts = retrying.statistics.get("attempt_number", 1)
        retryable = _retryable(exc)
        what = f"after {attempts} attempts" if retryable else "(not retried)"
        raise DeliveryError(
            f"Resend refused the email {what}: {_status(exc)} {exc.error_type}: {exc.message}",
            retryable=retryable,
            attempts=attempts,
        ) from exc
    return SendResult("resend", str(response["id"]), retrying.statistics.get("attempt_number", 1))
