"""A loopback webhook that records what apprise posts to it (`json://127.0.0.1:PORT/`), standing in
for Slack/Telegram/Discord, which are outside this machine. apprise's JSON plugin posts
`{"title", "message", "type", ...}`; `messages` holds every body received, in order. Set
`status` to answer with an error instead (a webhook that is down or refuses the message).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ChatServer:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.status = 200
        messages = self.messages
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if server.status == 200:
                    messages.append(body)
                self.send_response(server.status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def apprise_url(self) -> str:
        return f"json://127.0.0.1:{self._server.server_address[1]}/"

    def connection_env(self, conn_id: str) -> dict[str, str]:
        """The Airflow connection (as AIRFLOW_CONN_<ID>) the apprise provider reads."""
        conn = {"conn_type": "apprise", "extra": {"config": {"path": self.apprise_url}}}
        return {f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(conn)}

    def __enter__(self) -> ChatServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
