"""Alerts with memory: fire once when a condition starts, remind at most every N hours while it
lasts, say "resolved" when it clears.

The memory is `maicro_monitors.alerts` itself (local, written as maicro_notifier): an alert's
state is its latest event. Nothing is kept in process memory, so a monitor run every minute, a
restarted scheduler or `maicro health` by hand all agree on what was already said. Deciding
(`plan`) is a pure function of the check results, that state and the clock, tested on its own;
sending goes through the channels of the health config: email through `maicro.delivery` (the
reports' transports) and chat through the Airflow apprise provider.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from maicro.health.checks import STATUSES, CheckResult
from maicro.health.config import HealthConfig

log = logging.getLogger(__name__)

ALERT_COLUMNS = (
    "alert_key",
    "check_name",
    "subject",
    "event",
    "status",
    "message",
    "channels",
    "event_at",
)


@dataclass(frozen=True)
class AlertState:
    event: str  # fired | reminded | resolved
    event_at_ms: int

    @property
    def open(self) -> bool:
        return self.event != "resolved"


@dataclass(frozen=True)
class AlertEvent:
    alert_key: str
    check_name: str
    subject: str
    event: str  # fired | reminded | resolved
    status: str
    message: str
    event_at_ms: int
    channels: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return f"[maicro {self.event.upper()}] {self.status}: {self.check_name} {self.subject}"

    def row(self) -> tuple:
        at = datetime.fromtimestamp(self.event_at_ms / 1000, UTC)
        return (self.alert_key, self.check_name, self.subject, self.event, self.status,
                self.message, list(self.channels), at)  # fmt: skip


def load_state(client) -> dict[str, AlertState]:
    """The latest event of every alert key."""
    rows = client.query(
        "SELECT alert_key, argMax(toString(event), event_at), max(event_at) "
        "FROM maicro_monitors.alerts GROUP BY alert_key"
    ).result_rows
    return {
        key: AlertState(event, int(at.replace(tzinfo=at.tzinfo or UTC).timestamp() * 1000))
        for key, event, at in rows
    }


def plan(
    results: Iterable[CheckResult],
    state: dict[str, AlertState],
    *,
    now_ms: int,
    reminder_s: float,
    min_status: str = "warn",
) -> list[AlertEvent]:
    """What to say now: `fired` for a condition that was not open, `reminded` for one open
    longer than the reminder interval since it was last said, `resolved` for an open one whose
    check is healthy again; nothing otherwise (a second run in the same state says nothing)."""
    worst: dict[str, CheckResult] = {}
    for result in results:
        seen = worst.get(result.alert_key)
        if seen is None or STATUSES.index(result.status) > STATUSES.index(seen.status):
            worst[result.alert_key] = result
    threshold = STATUSES.index(min_status)
    events = []
    for key, result in sorted(worst.items()):
        current = state.get(key)
        bad = STATUSES.index(result.status) >= threshold
        if bad and (current is None or not current.open):
            event = "fired"
        elif bad and current and now_ms - current.event_at_ms >= reminder_s * 1000:
            event = "reminded"
        elif not bad and current and current.open:
            event = "resolved"
        else:
            continue
        events.append(
            AlertEvent(
                key, result.check_name, result.subject, event, result.status, result.message, now_ms
            )  # fmt: skip
        )
    return events


# --- channels --------------------------------------------------------------------------------

Sender = Callable[[AlertEvent], None]


def email_sender(recipients: list[str]) -> Sender:
    def send_email(event: AlertEvent) -> None:
        from maicro import settings
        from maicro.delivery import Email, send

        text = f"{event.title}\n\n{event.message}\n\nat {_iso(event.event_at_ms)}"
        html = (
            f"<p><b>{_escape(event.title)}</b></p><p>{_escape(event.message)}</p>"
            f"<p>at {_iso(event.event_at_ms)}</p>"
        )
        send(
            Email(
                subject=event.title,
                html=html,
                text=text,
                recipients=tuple(recipients),
                sender=settings.get().maicro_email_from,
                idempotency_key=f"alert/{event.alert_key}/{event.event}/{event.event_at_ms}",
            )
        )

    return send_email


def chat_sender(conn_id: str) -> Sender:
    def send_chat(event: AlertEvent) -> None:
        from airflow.providers.apprise.hooks.apprise import AppriseHook
        from apprise import Apprise, NotifyType

        kind = {"resolved": NotifyType.SUCCESS, "fired": NotifyType.FAILURE}
        # The hook's own notify() drops apprise's verdict, so a chat service that refused the
        # message would be recorded as reached. Send with the hook's connection config instead
        # and fail the channel (`chat:<id>!` in the alert log) when nothing accepted it.
        hook = AppriseHook(apprise_conn_id=conn_id)
        services = Apprise()
        hook.set_config_from_conn(conn=hook.get_connection(conn_id), apprise_obj=services)
        sent = services.notify(
            body=event.message,
            title=event.title,
            notify_type=kind.get(event.event, NotifyType.WARNING),
        )
        if not sent:
            raise RuntimeError(
                f"apprise connection {conn_id!r}: no service accepted the message "
                "(apprise logged each service's answer)"
            )

    return send_chat


def senders(config: HealthConfig) -> dict[str, Sender]:
    """channel name -> sender, from the config's recipients (nothing configured = nothing sent,
    the events are still recorded for the dashboard)."""
    out: dict[str, Sender] = {}
    emails = list(config.value("alerts", "email", []) or [])
    if emails:
        out["email"] = email_sender(emails)
    for conn_id in config.value("alerts", "chat", []) or []:
        out[f"chat:{conn_id}"] = chat_sender(conn_id)
    return out


def deliver(events: list[AlertEvent], channels: dict[str, Sender]) -> list[AlertEvent]:
    """Send every event through every channel; a channel that fails is named in the event's
    channels as `name!` and logged, and does not stop the others."""
    out = []
    for event in events:
        used = []
        for name, send in channels.items():
            try:
                send(event)
                used.append(name)
            except Exception as exc:  # one broken channel must not silence the rest
                log.error("alert %s via %s failed: %s", event.alert_key, name, exc)
                used.append(f"{name}!")
        out.append(replace(event, channels=tuple(used)))
    return out


def record(events: list[AlertEvent], client) -> None:
    if events:
        client.insert(
            "maicro_monitors.alerts", [e.row() for e in events], column_names=list(ALERT_COLUMNS)
        )


def process(
    results: list[CheckResult],
    *,
    config: HealthConfig,
    client,
    now_ms: int,
    channels: dict[str, Sender] | None = None,
) -> list[AlertEvent]:
    """One alerting pass: plan against the stored state, send, record what was said."""
    events = plan(
        results,
        load_state(client),
        now_ms=now_ms,
        reminder_s=config.reminder_s,
        min_status=config.value("alerts", "min_status", "warn"),
    )
    sent = deliver(events, senders(config) if channels is None else channels)
    record(sent, client)
    return sent


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _escape(text: str) -> str:
    from html import escape

    return escape(text)
