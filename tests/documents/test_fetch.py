"""Ingest by URL against a real local HTTP server: redirects, errors, limits, content types
and the private-address guard."""

from __future__ import annotations

import pytest
from helpers.pages import BODY
from helpers.web import Pages

from rag.documents.fetch import MAX_REDIRECTS, fetch
from rag.documents.loaders import Skip


def get(url: str, **kw: object):
    return fetch(url, max_bytes=20 * 2**20, timeout=20, **kw)  # type: ignore[arg-type]


def test_a_redirect_is_followed_and_an_endless_one_stopped(site: str) -> None:
    got = get(f"{site}/moved")
    assert got.url == f"{site}/article" and got.kind == "html" and BODY[0].encode() in got.data
    with pytest.raises(Skip, match=f"more than {MAX_REDIRECTS} redirects"):
        get(f"{site}/loop")


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing", "HTTP 404 Not Found"),
        ("/image", "content type 'image/png' is not a web page"),
        ("/huge", "larger than 20 MB"),
        ("/huge-unsized", "larger than 20 MB"),
    ],
)
def test_what_cannot_be_indexed_says_why(site: str, path: str, reason: str) -> None:
    with pytest.raises(Skip, match=reason):
        get(site + path)


def test_private_addresses_are_refused_when_asked(site: str) -> None:
    with pytest.raises(Skip, match=r"private or local address .*RAG_URL_ALLOW_PRIVATE"):
        get(f"{site}/article", allow_private=False)
    for url in ("http://10.1.2.3/", "http://169.254.169.254/latest/meta-data", "http://[::1]/"):
        with pytest.raises(Skip, match="private or local address"):
            get(url, allow_private=False)
    with pytest.raises(Skip, match="only http and https"):
        get("file:///etc/passwd")


def test_ingest_by_url_keeps_the_url_and_is_idempotent(make_assistant, site: str) -> None:
    assistant = make_assistant()
    url = f"{site}/moved"
    report = assistant.ingest([url, f"{site}/missing", f"{site}/report.pdf"])
    assert report.added == [url, f"{site}/report.pdf"]
    assert [(s.path, s.reason) for s in report.skipped] == [
        (f"{site}/missing", "HTTP 404 Not Found")
    ]
    info = next(d for d in assistant.documents() if d.source == url)
    assert info.url == "https://coastherald.example/2024/03/05/harbour-dredge"
    assert (info.site, info.published) == ("Coast Herald", "2024-03-05")
    assert assistant.document_text(info.id).startswith("Harbour to dredge its northern channel")
    again = assistant.ingest([url])
    assert again.unchanged == [url] and again.added == []
    pdf = next(d for d in assistant.documents() if d.source.endswith(".pdf"))
    assert (assistant.settings.data_dir / "pdf" / f"{pdf.id}.pdf").is_file()  # for the page view
    refused = assistant.ingest([url], private_urls=False)
    assert refused.unchanged == [] and "private or local" in refused.skipped[0].reason


def test_the_checked_address_is_the_one_connected_to(site: str, monkeypatch) -> None:
    """DNS rebinding: once a name's address is checked, httpx must not resolve it again."""
    import rag.documents.fetch as fetching

    port = site.rsplit(":", 1)[1]
    seen: list[str] = []

    def fake_resolve(host: str, _port: int) -> list[str]:
        seen.append(host)
        return ["127.0.0.1"]  # what the check is told; real DNS does not know the name

    monkeypatch.setattr(fetching, "resolve", fake_resolve)
    monkeypatch.setattr(fetching, "is_public", lambda address: True)
    got = get(f"http://news.invalid:{port}/moved", allow_private=False)
    assert got.url == f"http://news.invalid:{port}/article" and BODY[0].encode() in got.data
    assert seen == ["news.invalid", "news.invalid"]  # each hop checked, never re-resolved
    assert Pages.hosts[-2:] == [f"news.invalid:{port}"] * 2  # the name still sent as Host


def test_a_pinned_https_request_keeps_the_name_for_tls() -> None:
    from rag.documents.fetch import _pinned

    assert _pinned("https://news.example/a?b=1", "93.184.216.34") == (
        "https://93.184.216.34/a?b=1",
        {"Host": "news.example"},
        {"sni_hostname": "news.example"},  # the certificate must match the name
    )
    assert _pinned("http://news.example:8080/a", "2606:2800::1") == (
        "http://[2606:2800::1]:8080/a",
        {"Host": "news.example:8080"},
        {},
    )
    assert _pinned("https://x.example/", None) == ("https://x.example/", {}, {})
