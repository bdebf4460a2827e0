"""The offline demo's web server: the bundled demo feed and pages on 127.0.0.1.

The demo goes through the real fetch path (HTTP, conditional GET, cleaning),
so the service serves `seeds/demo` itself when the config asks for it. The
port is chosen by the OS; `{{BASE_URL}}` in the feed becomes the real address.
"""

from __future__ import annotations

import email.utils
import hashlib
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PLACEHOLDER = b"{{BASE_URL}}"
_TYPES = {".xml": "application/rss+xml; charset=utf-8", ".html": "text/html; charset=utf-8",
          ".htm": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8"}


@dataclass
class DemoServer:
    base_url: str
    _server: ThreadingHTTPServer
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler(root: Path) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            relative = self.path.split("?", 1)[0].lstrip("/") or "feed.xml"
            path = (root / relative).resolve()
            if root not in path.parents or not path.is_file():
                self.send_error(404, "not in the demo")
                return
            host = self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
            body = path.read_bytes().replace(PLACEHOLDER, f"http://{host}".encode())
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", _TYPES.get(path.suffix, "application/octet-stream"))
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", email.utils.formatdate(path.stat().st_mtime, usegmt=True))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # quiet: the service logs what matters
            return

    return Handler


def start_demo_server(directory: Path, host: str = "127.0.0.1", port: int = 0) -> DemoServer:
    root = directory.resolve()
    server = ThreadingHTTPServer((host, port), _handler(root))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="demo-server", daemon=True)
    thread.start()
    return DemoServer(f"http://{host}:{server.server_address[1]}", server, thread)
