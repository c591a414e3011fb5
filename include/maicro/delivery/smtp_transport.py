"""The `smtp` transport: the MIME message through the Airflow SMTP connection
(MAICRO_SMTP_CONN_ID, default `smtp_default`, e.g. AIRFLOW_CONN_SMTP_DEFAULT in the environment).

The provider's hook owns host, port, TLS and credentials; the message is ours (its own builder
cannot reference inline images by cid or add a plain-text part), sent on the hook's client.
"""

from __future__ import annotations

import smtplib
from typing import cast

from maicro import settings
from maicro.delivery.message import DeliveryError, Email, SendResult, to_mime


def send(email: Email) -> SendResult:
    from airflow.providers.smtp.hooks.smtp import SmtpHook
    from airflow.sdk.exceptions import AirflowException

    conn_id = settings.get().maicro_smtp_conn_id
    message = to_mime(email)
    try:
        with SmtpHook(smtp_conn_id=conn_id) as hook:
            client = cast(smtplib.SMTP, hook.get_conn()._smtp_client)
            client.send_message(message, email.sender, list(email.recipients))
    except AirflowException as exc:
        # the provider's own words are "SMTP connection is not found." (which one, set how?)
        raise DeliveryError(
            f"SMTP connection {conn_id!r} is not configured ({exc}): set "
            f"AIRFLOW_CONN_{conn_id.upper()}=smtp://user:password@host:port or create it in "
            "Airflow, or choose another MAICRO_EMAIL_TRANSPORT",
            retryable=False,
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        # Every recipient refused (a partial refusal still delivers to the others): permanent
        # unless all refusals are 4xx (mailbox busy, greylisting).
        refused = "; ".join(
            f"{rcpt}: {code} {reply.decode(errors='replace')}"
            for rcpt, (code, reply) in exc.recipients.items()
        )
        raise DeliveryError(
            f"SMTP ({conn_id}) refused the recipients: {refused}",
            retryable=all(400 <= code < 500 for code, _ in exc.recipients.values()),
        ) from exc
    except smtplib.SMTPResponseException as exc:
        transient = 400 <= exc.smtp_code < 500
        raise DeliveryError(
            f"SMTP ({conn_id}) refused the email: {exc.smtp_code} {exc.smtp_error!r}",
            retryable=transient,
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP ({conn_id}) failed: {exc}", retryable=True) from exc
    return SendResult("smtp", str(message["Message-ID"]))
