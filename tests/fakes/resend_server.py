"""A loopback fake of Resend's HTTP API (POST /emails), for tests: the real SDK talks to it through
RESEND_API_URL.

It behaves like the documented API where our code depends on it:
* `Authorization: Bearer <key>` is required (401 missing_api_key / 403 invalid_api_key);
* the body is checked against the Send Email schema (from, to ≤ 50, subject, html or text,
  attachments with filename + base64 content, content_id for inline images); a bad body gets
  422 validation_error with a message naming the field;
* `Idempotency-Key`: the same key with the same body returns the first email's id without sending
  again; with a different body, 409 invalid_idempotent_request. `forget_idempotency = True`
  models a provider whose window expired (or that ignores keys): every request sends.
* scripted failures: `fail_next(status, times, retry_after=…)` answers 429/5xx (JSON error body,
  optional Retry-After header), `stall_next(seconds, times)` answers after a delay (client
  timeouts).

`requests` records every request (headers and body); `sent` only the emails actually accepted.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ERROR_NAMES = {
    400: "invalid_request",
    401: "missing_api_key",
    403: "invalid_api_key",
    409: "invalid_idempotent_request",
    422: "validation_error",
    429: "rate_limit_exceeded",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
}
ALLOWED_FIELDS = {
    "from", "to", "subject", "bcc", "cc", "reply_to", "html", "text", "headers",
    "attachments", "tags", "scheduled_at",
}  # fmt: skip
ATTACHMENT_FIELDS = {
    "content",
    "filename",
    "path",
    "content_type",
    "content_id",
    "inline_content_id",
}


@dataclass
class Recorded:
    headers: dict[str, str]
    body: Any
    status: int = 0


@dataclass
class FakeResend:
    api_key: str = "re_test_key"
    forget_idempotency: bool = False
    requests: list[Recorded] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    _script: list[tuple[str, int, float | None]] = field(default_factory=list)
    _keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, times: int = 1, *, retry_after: float | None = None) -> None:
        self._script.extend([("fail", status, retry_after)] * times)

    def stall_next(self, seconds: float, times: int = 1) -> None:
        self._script.extend([("stall", 0, seconds)] * times)

    # --- the API ------------------------------------------------------------------------------
    def handle(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict, dict[str, str]]:
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        recorded = Recorded(headers, body)
        with self._lock:
            self.requests.append(recorded)
            step = self._script.pop(0) if self._script else None
        if step and step[0] == "stall":
            time.sleep(step[2] or 0)
        status, answer, extra = self._answer(headers, body, step)
        recorded.status = status
        return status, answer, extra

    def _answer(self, headers, body, step) -> tuple[int, dict, dict[str, str]]:
        if step and step[0] == "fail":
            extra = {"Retry-After": f"{step[2]:g}"} if step[2] is not None else {}
            return _error(step[1], f"scripted {step[1]}") + (extra,)
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:]:
            return _error(401, "Missing API key in the authorization header.") + ({},)
        if auth[7:] != self.api_key:
            return _error(403, "API key is invalid") + ({},)
        problem = validate(body)
        if problem:
            return _error(422, problem) + ({},)
        key = headers.get("idempotency-key")
        fingerprint = json.dumps(body, sort_keys=True)
        with self._lock:
            if key and not self.forget_idempotency and key in self._keys:
                first_id, first_body = self._keys[key]
                if first_body != fingerprint:
                    return _error(409, "Same idempotency key used with a different payload") + ({},)
                return 200, {"id": first_id}, {}
            email_id = str(uuid.uuid4())
            if key:
                self._keys[key] = (email_id, fingerprint)
            self.sent.append({"id": email_id, **body})
        return 200, {"id": email_id}, {}


def _error(status: int, message: str) -> tuple[int, dict]:
    name = ERROR_NAMES.get(status, "application_error")
    return status, {"statusCode": status, "name": name, "message": message}


def _addresses(value: Any) -> list[str] | None:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(a, str) and "@" in a for a in items):
        return None
    return items


def validate(body: Any) -> str | None:
    """The reason a Send Email body is invalid, or None (Resend API reference)."""
    if not isinstance(body, dict):
        return "The request body must be a JSON object."
    unknown = set(body) - ALLOWED_FIELDS
    if unknown:
        return f"Unknown field(s): {', '.join(sorted(unknown))}"
    for name in ("from", "to", "subject"):
        if not body.get(name):
            return f"The `{name}` field is missing."
    if _addresses(body["from"]) is None or not isinstance(body["from"], str):
        return "Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format."
    to = _addresses(body["to"])
    if to is None:
        return "Invalid `to` field."
    if len(to) > 50:
        return "The `to` field must contain at most 50 addresses."
    if not (body.get("html") or body.get("text")):
        return "Either `html` or `text` must be provided."
    for attachment in body.get("attachments", []):
        if not isinstance(attachment, dict) or set(attachment) - ATTACHMENT_FIELDS:
            return "Invalid attachment."
        if not attachment.get("filename"):
            return "Attachment `filename` is missing."
        if "content" in attachment:
            try:
                base64.b64decode(attachment["content"], validate=True)
            except (binascii.Error, TypeError):
                return f"Attachment {attachment['filename']} content is not base64."
        elif "path" not in attachment:
            return "Attachment needs `content` or `path`."
    return None


class _Handler(BaseHTTPRequestHandler):
    fake: FakeResend

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        if self.path.rstrip("/") != "/emails":
            status, body, extra = (
                404,
                {"statusCode": 404, "name": "not_found", "message": "Not found"},
                {},
            )
        else:
            status, body, extra = self.fake.handle(headers, raw)
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out and went away

    def log_message(self, *args) -> None:
        pass


class ResendServer:
    """`with ResendServer() as server:` a FakeResend on 127.0.0.1:<free port>; `server.url`."""

    def __init__(self, fake: FakeResend | None = None) -> None:
        self.fake = fake or FakeResend()
        handler = type("Handler", (_Handler,), {"fake": self.fake})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> ResendServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
