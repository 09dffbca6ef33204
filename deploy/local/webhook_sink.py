"""A stand-in for a calling system's webhook endpoint: records every delivery to a JSONL file.

`python -m deploy.local.webhook_sink PORT FILE`. It answers 200 to a new Idempotency-Key and
200 with `"duplicate": true` to a repeated one, as a well-behaved receiver does, and writes both
so tests can count what a provider really received.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def serve(port: int, out: Path) -> None:
    seen: set[str] = set()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            key = self.headers.get("idempotency-key", "")
            with lock:
                duplicate = key in seen
                seen.add(key)
                with out.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps({
                        "key": key, "duplicate": duplicate, "received_at": time.time(),
                        "signature": self.headers.get("x-signature"),
                        "body": body.decode("utf-8", "replace"),
                    }, ensure_ascii=False) + "\n")
            reply = json.dumps({"ok": True, "duplicate": duplicate}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            return

    class Server(ThreadingHTTPServer):
        # A listen backlog a real receiver would have: the default of 5 refuses connections under
        # a burst, which would measure this stand-in instead of the sender.
        request_queue_size = 1024
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            if not isinstance(sys.exc_info()[1], ConnectionError):  # a client closing keep-alive
                super().handle_error(request, client_address)  # type: ignore[arg-type]

    Handler.protocol_version = "HTTP/1.1"  # keep-alive
    Server(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    serve(int(sys.argv[1]), Path(sys.argv[2]))
