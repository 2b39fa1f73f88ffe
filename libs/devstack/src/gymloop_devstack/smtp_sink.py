"""The local stack's SMTP sink: every mail sent to it is kept as an .eml file plus one line in index.jsonl,
and a small HTTP endpoint shows them (GET /mail, GET /mail/<id>, GET /mail/<id>.eml, DELETE /mail).

Run alone: python -m gymloop_devstack.smtp_sink --dir .dev-data/mail --smtp-port 1025 --http-port 8025
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

LINK = re.compile(r"https?://[^\s\"'<>]+")


def _text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    content = body.get_content()
    return content if isinstance(content, str) else ""


class Mailbox:
    """The mails on disk; safe to use from the SMTP thread and the HTTP threads at once."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.index_path = directory / "index.jsonl"
        self._lock = threading.Lock()

    def store(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> dict[str, Any]:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        received = datetime.now(UTC)
        mail_id = f"{received.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        entry: dict[str, Any] = {
            "id": mail_id,
            "received_at": received.isoformat(),
            "mail_from": mail_from,
            "to": rcpt_tos,
            "subject": str(message.get("subject", "")),
            "file": f"{mail_id}.eml",
        }
        with self._lock:
            (self.directory / entry["file"]).write_bytes(raw)
            with self.index_path.open("a", encoding="utf-8") as index:
                index.write(json.dumps(entry) + "\n")
        return entry

    def entries(self, to: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            if not self.index_path.exists():
                return []
            lines = self.index_path.read_text(encoding="utf-8").splitlines()
        found = [json.loads(line) for line in lines if line.strip()]
        if to:
            found = [entry for entry in found if any(to.lower() == rcpt.lower() for rcpt in entry["to"])]
        return list(reversed(found))  # newest first

    def raw(self, mail_id: str) -> bytes | None:
        if not re.fullmatch(r"[0-9A-Za-z-]+", mail_id):
            return None
        path = self.directory / f"{mail_id}.eml"
        return path.read_bytes() if path.is_file() else None

    def detail(self, mail_id: str) -> dict[str, Any] | None:
        raw = self.raw(mail_id)
        if raw is None:
            return None
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        text = _text_of(message)
        entry = next((e for e in self.entries() if e["id"] == mail_id), {"id": mail_id})
        return {**entry, "headers": dict(message.items()), "text": text, "links": LINK.findall(text)}

    def clear(self) -> int:
        with self._lock:
            files = list(self.directory.glob("*.eml"))
            for path in files:
                path.unlink()
            self.index_path.unlink(missing_ok=True)
        return len(files)


class _Handler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode()
        self.mailbox.store(raw, str(envelope.mail_from), [str(rcpt) for rcpt in envelope.rcpt_tos])
        return "250 Message accepted for delivery"


def _http_handler(mailbox: Mailbox) -> type[BaseHTTPRequestHandler]:
    class MailHTTP(BaseHTTPRequestHandler):
        def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, value: object) -> None:
            self._send(status, json.dumps(value, indent=2).encode())

        def do_GET(self) -> None:
            url = urlparse(self.path)
            parts = [part for part in url.path.split("/") if part]
            if parts == ["mail"]:
                to = parse_qs(url.query).get("to", [None])[0]
                self._json(200, mailbox.entries(to))
            elif len(parts) == 2 and parts[0] == "mail" and parts[1].endswith(".eml"):
                raw = mailbox.raw(parts[1][: -len(".eml")])
                if raw is None:
                    self._json(404, {"detail": f"no mail {parts[1]}"})
                else:
                    self._send(200, raw, "message/rfc822")
            elif len(parts) == 2 and parts[0] == "mail":
                detail = mailbox.detail(parts[1])
                self._json(200 if detail else 404, detail or {"detail": f"no mail {parts[1]}"})
            elif parts in ([], ["health"]):
                self._json(200, {"status": "ok", "service": "mail-sink", "mails": len(mailbox.entries())})
            else:
                self._json(404, {"detail": "try GET /mail, /mail/<id>, /mail/<id>.eml or DELETE /mail"})

        def do_DELETE(self) -> None:
            if urlparse(self.path).path.rstrip("/") == "/mail":
                self._json(200, {"deleted": mailbox.clear()})
            else:
                self._json(404, {"detail": "only DELETE /mail"})

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: the console is for the stack's progress

    return MailHTTP


class MailSink:
    def __init__(
        self, directory: Path, *, host: str = "127.0.0.1", smtp_port: int = 1025, http_port: int | None = 8025
    ) -> None:
        self.mailbox = Mailbox(directory)
        self.host = host
        self.smtp_port = smtp_port
        self.http_port = http_port
        self._controller: Controller | None = None
        self._http: ThreadingHTTPServer | None = None
        self._http_thread: threading.Thread | None = None

    def start(self) -> MailSink:
        self._controller = Controller(_Handler(self.mailbox), hostname=self.host, port=self.smtp_port)
        self._controller.start()
        if self.http_port is not None:
            self._http = ThreadingHTTPServer((self.host, self.http_port), _http_handler(self.mailbox))
            self._http.daemon_threads = True
            self._http_thread = threading.Thread(target=self._http.serve_forever, name="mail-http", daemon=True)
            self._http_thread.start()
        return self

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        if self._controller is not None:
            with contextlib.suppress(Exception):
                self._controller.stop()
            self._controller = None


def main() -> None:
    parser = argparse.ArgumentParser(description="SMTP sink that keeps every mail and shows them over HTTP")
    parser.add_argument("--dir", type=Path, default=Path(".dev-data/mail"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    args = parser.parse_args()
    sink = MailSink(args.dir, host=args.host, smtp_port=args.smtp_port, http_port=args.http_port).start()
    print(f"SMTP on {args.host}:{args.smtp_port}, mails at {sink.http_url}/mail (Ctrl-C stops)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sink.stop()


if __name__ == "__main__":
    main()
