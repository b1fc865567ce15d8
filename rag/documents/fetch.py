"""Fetch a document by URL with httpx: bounded in time, size and redirects.

Only ``http``/``https``; HTML, plain text, Markdown and PDF responses; redirects followed by
hand (at most MAX_REDIRECTS) so that each hop is checked. With ``allow_private=False`` (the
web app's default) a URL whose host is or resolves to a private, loopback, link-local or
otherwise reserved address is refused at every hop, so an exposed server cannot be made to
read the internal network; the connection then goes to the address that was checked (the
host name still sent as ``Host`` and, for https, as the TLS server name the certificate
must match), so a DNS server that answers differently the second time gains nothing.
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
            address = _check(current, allow_private)
            target, headers, extensions = _pinned(current, address)
            try:
                with client.stream(
                    "GET", target, headers=headers, extensions=extensions
                ) as response:
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


def _check(url: str, allow_private: bool) -> str | None:
    """Raise Skip for a URL that may not be fetched; without ``allow_private``, the checked
    address to connect to."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise Skip(f"only http and https URLs can be fetched, not {parts.scheme or 'this'!r}")
    host = parts.hostname
    if not host:
        raise Skip("the URL has no host")
    if allow_private:
        return None
    addresses = [ipaddress.ip_address(a) for a in resolve(host, parts.port or 443)]
    for address in addresses:
        if not is_public(address):
            raise Skip(
                f"{host} is a private or local address ({address}); this server does not "
                "fetch those (set RAG_URL_ALLOW_PRIVATE=true to allow it)"
            )
    if not addresses:
        raise Skip(f"cannot resolve {host!r}")
    return str(addresses[0])


def resolve(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to (an address resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise Skip(f"cannot resolve {host!r}") from None
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """An address on the public internet (not private, loopback, link-local, reserved)."""
    return address.is_global


def _pinned(url: str, address: str | None) -> tuple[str, dict[str, str], dict[str, str]]:
    """(URL to request, extra headers, httpx extensions) to reach ``url`` at ``address``:
    the host in the URL replaced by the address, the name sent as Host and as the TLS
    server name. Without an address, the URL as it is."""
    if address is None:
        return url, {}, {}
    parts = urlsplit(url)
    host = parts.hostname or ""
    shown = f"[{address}]" if ":" in address else address
    netloc = f"{shown}:{parts.port}" if parts.port else shown
    name = f"[{host}]" if ":" in host else host
    headers = {"Host": f"{name}:{parts.port}" if parts.port else name}
    extensions = {"sni_hostname": host} if parts.scheme.lower() == "https" else {}
    return parts._replace(netloc=netloc).geturl(), headers, extensions
