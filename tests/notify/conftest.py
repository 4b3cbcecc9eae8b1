"""Real receivers for the channels: an SMTP server (aiosmtpd) and an HTTP server standing in for the
WeCom / DingTalk / Feishu robots, both on local ports in this process."""

from __future__ import annotations

import json
import socket
import threading
import urllib.parse
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.followup.conftest import other_team, outsider, viewer  # noqa: F401  (same personas)


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({"to": envelope.rcpt_tos, "subject": str(message["subject"]),
                              "body": message.get_body(("plain",)).get_content()})
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """Mail goes through Django's real SMTP backend to a local aiosmtpd."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    with socket.socket() as probe:  # aiosmtpd checks readiness on the port it was given: name one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield mailbox
    controller.stop()


class Robot:
    """Records each POST; answers with the queued (status, JSON) replies, then success."""

    def __init__(self):
        self.requests: list[dict] = []
        self.replies: list[tuple[int, dict]] = []
        self.ok = {"errcode": 0, "errmsg": "ok"}

    def url(self, path: str = "/robot/send?access_token=t0ken") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def robot():
    state = Robot()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            parsed = urllib.parse.urlparse(self.path)
            state.requests.append({"path": parsed.path, "query": dict(urllib.parse.parse_qsl(parsed.query)),
                                   "json": json.loads(body), "content_type": self.headers.get("Content-Type")})
            status, answer = state.replies.pop(0) if state.replies else (200, state.ok)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
