"""The loopback HTTP server: Hyperliquid's POST /info plus a few simulator-only endpoints.

Order of checks on POST /info: body parsed (not JSON / not an object / unknown type / missing
field -> 422 plain text) -> rate limit (429 plain text `Too many requests: ...`, header
`Retry-After: <seconds>`) -> faults (latency, hold past the client timeout, 5xx plain text) ->
answer -> extra item weight charged -> faults on the answer (extra fields, exotic coins,
truncated or malformed JSON body with status 200).

Extras (not part of Hyperliquid):
- GET  /health -> {"status": "ok", "now_ms": ..., "accounts": [{"address", "strategy"}]}
- GET  /strategy/targets.csv?strategy=&start=&end=&ts=iso|ms -> CSV `strategy,ts,coin,target_weight`
  for decisions with start <= ts < end and ts <= now (start/end: epoch ms or ISO-8601; ts is
  printed ISO-8601 UTC with ms and Z, e.g. 2025-11-25T08:00:00.000Z, or epoch ms with `ts=ms`)
- GET  /sim/ground_truth?start=&end= -> {"daily": [...], "account_daily": [...]} (decimal strings)
- GET  /sim/faults -> current switches; POST /sim/faults {switch: trigger, ..., "reset": bool}
- GET  /sim/clock -> {now_ms, now_iso, speed, mode, start_ms};
  POST /sim/clock {"now_ms" | "now" (ISO) | "advance_ms", "speed"}
- GET  /sim/accounts -> [{"address", "strategy"}]
"""

from __future__ import annotations

import copy
import csv
import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from .config import SimConfig
from .decimals import ms_to_iso, parse_time
from .faults import Faults, add_extra_fields, malform_body, truncate_body
from .info import HANDLERS, BadRequest, InfoApi
from .model import Simulator
from .ratelimit import RateLimiter, base_weight, extra_weight


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        """A client that gave up (the `timeout` fault) is expected; anything else is printed."""
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class SimHandle:
    """A running simulator server. `.url` is the base URL for `Info(base_url=...)`."""

    def __init__(self, sim: Simulator, server: _Server, thread: threading.Thread, app: _App):
        self.sim = sim
        self._server = server
        self._thread = thread
        self._app = app
        host, port = server.socket.getsockname()[:2]
        self.host, self.port = str(host), int(port)
        self.url = f"http://{host}:{port}"

    @property
    def faults(self) -> Faults:
        return self._app.faults

    @property
    def rate_limiter(self) -> RateLimiter:
        return self._app.limiter

    def set_now(self, now_ms: int) -> None:
        self.sim.set_now(int(now_ms))

    def set_faults(self, reset: bool = False, **switches) -> dict:
        """Set fault switches (see faults.py); `reset=True` first turns every switch off.
        With no argument at all, resets."""
        if not switches:
            reset = True
        return self._app.faults.set(reset=reset, **switches)

    def stop(self) -> None:
        self._app.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SimHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class _App:
    def __init__(self, sim: Simulator):
        self.sim = sim
        cfg = sim.config
        self.info = InfoApi(sim)
        self.faults = Faults(seed=cfg.seed, **cfg.faults)
        self.limiter = RateLimiter(cfg.rate_limit_per_min, enabled=cfg.rate_limit)
        self.stopping = threading.Event()


def _handler_class(app: _App):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "maicro-hyperliquid-sim/1"

        def log_message(self, fmt, *args):  # quiet: tests and demos read their own output
            pass

        # ---- plumbing ---------------------------------------------------------------------
        def _send(self, status: int, body: bytes, ctype: str, headers: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, str(v))
            self.end_headers()
            self.wfile.write(body)

        def _text(self, status: int, text: str, headers: dict | None = None):
            self._send(status, text.encode(), "text/plain; charset=utf-8", headers)

        def _json(self, status: int, obj) -> None:
            self._send(status, json.dumps(obj, separators=(",", ":")).encode(), "application/json")

        def _body(self) -> bytes:
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        # ---- routes -----------------------------------------------------------------------
        def do_POST(self):
            path = urlparse(self.path).path
            raw = self._body()
            try:
                if path == "/info":
                    return self._info(raw)
                if path == "/sim/faults":
                    body = json.loads(raw or b"{}")
                    reset = bool(body.pop("reset", False))
                    return self._json(200, app.faults.set(reset=reset, **body))
                if path == "/sim/clock":
                    return self._json(200, self._set_clock(json.loads(raw or b"{}")))
            except (ValueError, TypeError) as exc:
                return self._text(422, f"bad request: {exc}")
            self._text(404, f"no route POST {path}")

        def do_GET(self):
            url = urlparse(self.path)
            q = {k: v[-1] for k, v in parse_qs(url.query).items()}
            try:
                if url.path == "/health":
                    return self._json(
                        200,
                        {
                            "status": "ok",
                            "now_ms": app.sim.now_ms(),
                            "accounts": accounts_json(app.sim),
                        },
                    )
                if url.path == "/strategy/targets.csv":
                    return self._targets_csv(q)
                if url.path == "/sim/ground_truth":
                    return self._json(
                        200,
                        ground_truth_json(
                            app.sim, parse_time(q.get("start")), parse_time(q.get("end"))
                        ),
                    )
                if url.path == "/sim/faults":
                    return self._json(200, app.faults.describe())
                if url.path == "/sim/clock":
                    return self._json(200, clock_json(app.sim))
                if url.path == "/sim/accounts":
                    return self._json(200, accounts_json(app.sim))
            except (ValueError, TypeError) as exc:
                return self._text(422, f"bad request: {exc}")
            self._text(404, f"no route GET {url.path}")

        def _set_clock(self, body: dict) -> dict:
            clock = app.sim.clock
            if "speed" in body:
                clock.set_speed(float(body["speed"]))
            now_ms = body.get("now_ms")
            now = parse_time(now_ms if now_ms is not None else body.get("now"))
            if now is not None:
                clock.set_now(now)
            if body.get("advance_ms"):
                clock.advance(int(body["advance_ms"]))
            return clock_json(app.sim)

        def _targets_csv(self, q: dict) -> None:
            frame = app.sim.targets(
                q.get("strategy") or None, parse_time(q.get("start")), parse_time(q.get("end"))
            )
            as_ms = q.get("ts", "iso") == "ms"
            out = io.StringIO()
            w = csv.writer(out, lineterminator="\n")
            w.writerow(["strategy", "ts", "coin", "target_weight"])
            columns = frame[["strategy", "ts", "coin", "target_weight"]]
            for strategy, ts, coin, weight in columns.itertuples(index=False, name=None):
                w.writerow(
                    [strategy, ts if as_ms else ms_to_iso(int(ts)), coin, repr(float(weight))]
                )
            self._send(200, out.getvalue().encode(), "text/csv; charset=utf-8")

        def _info(self, raw: bytes) -> None:
            try:
                body = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                return self._text(422, "Failed to deserialize the JSON body into the target type")
            kind = body.get("type") if isinstance(body, dict) else None
            if not isinstance(kind, str) or kind not in HANDLERS:
                return self._text(
                    422,
                    "Failed to deserialize the JSON body into the target type: "
                    f"unknown request type {kind!r}",
                )
            ip = self.client_address[0]
            if not app.limiter.try_acquire(ip, base_weight(kind)):
                need = base_weight(kind) - app.limiter.remaining(ip)
                wait = max(1, int(need * 60 / app.limiter.per_minute) + 1)
                return self._text(
                    429,
                    f"Too many requests: weight budget of "
                    f"{app.limiter.per_minute} per minute exceeded for {ip}",
                    {"Retry-After": wait},
                )
            decision = app.faults.decide()
            if decision.latency_ms:
                app.stopping.wait(decision.latency_ms / 1000)
            if decision.hold_ms:
                app.stopping.wait(decision.hold_ms / 1000)
            if decision.error_status:
                return self._text(
                    decision.error_status, f"simulated server error {decision.error_status}"
                )
            try:
                answer, n_items = app.info.handle(body, exotic=decision.exotic)
            except BadRequest as exc:
                return self._text(422, str(exc))
            app.limiter.charge(ip, extra_weight(kind, n_items))
            if decision.extra_fields:
                answer = add_extra_fields(copy.deepcopy(answer))
            data = json.dumps(answer, separators=(",", ":")).encode()
            if decision.truncate:
                data = truncate_body(data)
            elif decision.malformed:
                data = malform_body(data)
            self._send(200, data, "application/json")

    return Handler


def accounts_json(sim: Simulator) -> list[dict]:
    return [{"address": a, "strategy": s} for a, s in sim.accounts]


def clock_json(sim: Simulator) -> dict:
    now = sim.now_ms()
    return {
        "now_ms": now,
        "now_iso": ms_to_iso(now),
        "speed": sim.clock.speed,
        "mode": sim.clock.mode,
        "start_ms": sim.origin,
    }


def ground_truth_json(sim: Simulator, start_ms: int | None, end_ms: int | None) -> dict:
    def rows(frame):
        out = []
        for rec in frame.to_dict("records"):
            out.append(
                {
                    k: (
                        v.isoformat()
                        if k == "day"
                        else str(v)
                        if not isinstance(v, (int, str))
                        else v
                    )
                    for k, v in rec.items()
                }
            )
        return out

    return {
        "daily": rows(sim.ground_truth_daily(start_ms, end_ms)),
        "account_daily": rows(sim.ground_truth_account_daily(start_ms, end_ms)),
    }


def start_simulator(
    config: SimConfig | Simulator | None = None, host: str = "127.0.0.1", port: int = 0
) -> SimHandle:
    """Start the simulator's HTTP server in a background thread (port 0 = OS-assigned)."""
    sim = config if isinstance(config, Simulator) else Simulator(config)
    app = _App(sim)
    server = _Server((host, port), _handler_class(app))
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.1},
        name=f"hl-sim-{server.server_address[1]}",
        daemon=True,
    )
    thread.start()
    return SimHandle(sim, server, thread, app)


def serve_forever(handle: SimHandle) -> None:
    """Block until Ctrl-C (the CLI)."""
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()
