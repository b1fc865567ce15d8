"""A local web site for ingest by URL: an article, redirects, errors, a PDF, huge pages."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

from .pages import news_page
from .pdfs import pages_pdf

BIG = 30 * 2**20


class Pages(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    article = news_page()
    hosts: ClassVar[list[str]] = []  # the Host header of each request

    def do_GET(self) -> None:
        path = self.path
        Pages.hosts.append(self.headers.get("Host", ""))
        if path == "/article":
            self.reply(200, "text/html; charset=utf-8", Pages.article.encode())
        elif path == "/moved":
            self.reply(302, "text/html", b"", location="/article")
        elif path.startswith("/loop"):
            self.reply(302, "text/html", b"", location=f"/loop{len(path)}")
        elif path == "/missing":
            self.reply(404, "text/html", b"<h1>Not found</h1>")
        elif path == "/image":
            self.reply(200, "image/png", b"\x89PNG\r\n\x1a\n" + bytes(100))
        elif path == "/report.pdf":
            self.reply(200, "application/pdf", pages_pdf([["A page."], ["The vote passed."]]))
        elif path == "/huge":  # says how large it is
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(BIG))
            self.end_headers()
            self.stream_zeros()
        elif path == "/huge-unsized":  # does not say: the reader must count
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            self.stream_zeros()
        else:
            self.reply(500, "text/plain", b"no such test page")

    def reply(self, status: int, kind: str, body: bytes, location: str = "") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(body)

    def stream_zeros(self) -> None:
        chunk = b"<p>" + b"x" * 65_530 + b"</p>"
        try:
            for _ in range(BIG // len(chunk) + 1):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading at its limit, as it should

    def log_message(self, *args: object) -> None:
        pass


class Quiet(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up at its size limit is the point of two tests
