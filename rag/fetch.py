"""Fetch a document by URL with httpx: bounded in time, size and redirects.

Only ``http``/``https``; HTML, plain text, Markdown and PDF responses; redirects followed by
hand (at most MAX_REDIRECTS) so that each hop is checked. With ``allow_private=False`` (the
web app's default) a URL whose host is or resolves to a private, loopback, link-local or
otherwise reserved address is refused at every hop, so an exposed server cannot be made to
read the internal network. The name is resolved again when httpx connects: a DNS server
that answers differently the second time is not caught (README, "News documents").
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from .loaders import Skip

MAX_REDIRECTS = 5
#: content type → loader kind
KINDS = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "text/markdown": "markdown",
    "application/pdf": "pdf",
}
USER_AGENT = "rag-cite/0.1 (+https://github.com/; fetches one page a user asked for)"
_REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # after redirects
    kind: str
    data: bytes


def is_url(text: str) -> bool:
    return str(text).lower().startswith(("http://", "https://"))


def fetch(url: str, *, max_bytes: int, timeout: float, allow_private: bool = True) -> Fetched:
    """The body of ``url``; raises :class:`Skip` with a reason a user can act on."""
    import httpx

    deadline = time.monotonic() + timeout
    limits = httpx.Timeout(min(timeout, 15.0))
    with httpx.Client(
        follow_redirects=False,
        timeout=limits,
        headers={"User-Agent": USER_AGENT, "Accept": ", ".join(KINDS)},
        trust_env=False,
    ) as client:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            _check(current, allow_private)
            try:
                with client.stream("GET", current) as response:
                    if response.status_code in _REDIRECTS and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    return _read(response, current, max_bytes, deadline)
            except httpx.TimeoutException:
                raise Skip(f"timed out after {timeout:g} s") from None
            except httpx.HTTPError as exc:
                raise Skip(f"cannot fetch: {type(exc).__name__}: {exc}"[:200]) from None
    raise Skip(f"more than {MAX_REDIRECTS} redirects")


def _read(response: object, url: str, max_bytes: int, deadline: float) -> Fetched:
    import httpx

    assert isinstance(response, httpx.Response)
    if response.status_code >= 400:
        raise Skip(f"HTTP {response.status_code} {response.reason_phrase}".strip())
    if response.status_code != 200:
        raise Skip(f"HTTP {response.status_code}: nothing to index")
    mime = response.headers.get("content-type", "").split(";")[0].strip().lower()
    kind = KINDS.get(mime)
    if kind is None:
        raise Skip(f"content type {mime or '(none)'!r} is not a web page, text or PDF")
    limit = f"larger than {max_bytes / 2**20:g} MB"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise Skip(limit)
    body = bytearray()
    for piece in response.iter_bytes():
        body += piece
        if len(body) > max_bytes:
            raise Skip(limit)
        if time.monotonic() > deadline:
            raise Skip("took too long to download")
    return Fetched(url, kind, bytes(body))


def _check(url: str, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise Skip(f"only http and https URLs can be fetched, not {parts.scheme or 'this'!r}")
    host = parts.hostname
    if not host:
        raise Skip("the URL has no host")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise Skip(f"cannot resolve {host!r}") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            raise Skip(
                f"{host} is a private or local address ({address}); this server does not "
                "fetch those (set RAG_URL_ALLOW_PRIVATE=true to allow it)"
            )
