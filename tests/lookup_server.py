"""A local stand-in for export.arxiv.org and doi.org: a real HTTP server on 127.0.0.1.

It serves the recorded answers in tests/data/lookup/. `/api/query?id_list=…` answers
with the recorded entries of the ids asked for (plus any the test `register`s); a test
can switch a service to answer 503, 404, malformed XML or too slowly. Every request is
counted, so tests can prove batching and the rate limit.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

DATA = Path(__file__).parent / "data" / "lookup"
_ENTRY = re.compile(r"  <entry>.*?</entry>\n", re.S)
_ENTRY_ID = re.compile(r"<id>http://arxiv\.org/abs/(.+?)(v\d+)</id>")


def recorded(name: str) -> bytes:
    return (DATA / name).read_bytes()


def _entries(name: str) -> dict[str, str]:
    text = recorded(name).decode()
    out = {}
    for block in _ENTRY.findall(text):
        m = _ENTRY_ID.search(block)
        assert m, block
        out[m.group(1)] = block
        out[m.group(1) + m.group(2)] = block
    return out


@dataclass
class Services:
    """What the server answers. `arxiv_mode`/`doi_mode`: "ok", "503", "404", "slow",
    "malformed", "truncated", "doctype"."""

    arxiv_mode: str = "ok"
    doi_mode: str = "ok"
    slow_seconds: float = 3.0
    entries: dict[str, str] = field(default_factory=lambda: _entries("arxiv-three.xml"))
    dois: dict[str, bytes] = field(
        default_factory=lambda: {
            "10.1038/nature14539": recorded("doi-10.1038-nature14539.json"),
            "10.5555/hostile": recorded("doi-hostile.json"),
        }
    )
    requests: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    accepts: list[str] = field(default_factory=list)
    base: str = ""

    @property
    def arxiv_api(self) -> str:
        return f"{self.base}/api/query"

    @property
    def doi_url(self) -> str:
        return f"{self.base}/doi/"

    def arxiv_requests(self) -> list[str]:
        return [r for r in self.requests if r.startswith("/api/query")]

    def use_version_one(self) -> None:
        """Answer 1706.03762 with its first version (as arXiv did in June 2017)."""
        v1 = _entries("arxiv-1706.03762v1.xml")
        self.entries["1706.03762"] = v1["1706.03762"]
        self.entries["1706.03762v1"] = v1["1706.03762v1"]

    def use_latest(self) -> None:
        self.entries.update(_entries("arxiv-three.xml"))

    def register(self, arxiv_id: str, title: str) -> None:
        """Add a paper the recorded feed does not have (its entry modelled on one)."""
        block = self.entries["1706.03762v7"]
        block = block.replace("1706.03762", arxiv_id).replace(
            "<title>Attention Is All You Need</title>", f"<title>{title}</title>"
        )
        self.entries[arxiv_id] = self.entries[arxiv_id + "v7"] = block

    def feed(self, ids: list[str]) -> bytes:
        head = recorded("arxiv-three.xml").decode()
        head = head[: head.index("  <entry>")]
        blocks = [self.entries[i] for i in ids if i in self.entries]
        return (head + "".join(blocks) + "</feed>\n").encode()


class _Handler(BaseHTTPRequestHandler):
    services: Services

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet test output

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _mode(self, mode: str, ok: bytes, content_type: str) -> None:
        svc = self.services
        if mode == "503":
            self._send(503, b"Service Unavailable", "text/plain")
        elif mode == "404":
            self._send(404, b"Not Found", "text/plain")
        elif mode == "slow":
            time.sleep(svc.slow_seconds)
            self._send(200, ok, content_type)
        elif mode == "malformed":
            self._send(200, recorded("arxiv-truncated.xml"), content_type)
        elif mode == "doctype":
            self._send(200, recorded("arxiv-doctype.xml"), content_type)
        else:
            self._send(200, ok, content_type)

    def do_GET(self) -> None:
        svc = self.services
        svc.requests.append(self.path)
        svc.times.append(time.monotonic())
        svc.accepts.append(self.headers.get("Accept", ""))
        url = urlsplit(self.path)
        if url.path == "/api/query":
            ids = parse_qs(url.query).get("id_list", [""])[0].split(",")
            self._mode(svc.arxiv_mode, svc.feed(ids), "application/atom+xml; charset=utf-8")
        elif url.path.startswith("/doi/"):
            doi = unquote(url.path[len("/doi/") :]).lower()
            if svc.doi_mode == "ok" and doi not in svc.dois:
                self._send(404, b"DOI Not Found", "text/html")
                return
            self._mode(
                svc.doi_mode, svc.dois.get(doi, b""), "application/vnd.citationstyles.csl+json"
            )
        else:
            self._send(404, b"", "text/plain")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up on a slow answer is what the tests ask for


@contextmanager
def serve() -> Iterator[Services]:
    """Run the server in a thread for the block; yields its `Services`."""
    services = Services()
    handler = type("Handler", (_Handler,), {"services": services})
    server = _Server(("127.0.0.1", 0), handler)
    services.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield services
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
