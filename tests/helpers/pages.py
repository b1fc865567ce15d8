"""A synthetic news page: headline, standfirst, body, and the furniture around them."""

from __future__ import annotations

import json

BODY = [
    "The harbour authority approved a plan on Tuesday to dredge the northern channel, "
    "which has silted up since the storms of last winter.",
    "Ships of more than 40,000 tonnes have had to wait for the tide since January, and "
    "three freight lines said they would move to other ports if nothing was done.",
    "The work will cost 12 million euros and take eight months, the authority said. "
    "Fishermen fear the noise will drive away the cod that spawn near the channel.",
    "Environmental groups asked for a study of the seabed first; the authority said one "
    "had been done in 2021 and found nothing that ruled out dredging.",
]


LD = {
    "@context": "https://schema.org",
    "@type": "NewsArticle",
    "headline": "Harbour to dredge its northern channel",
    "datePublished": "2024-03-05T09:30:00+01:00",
    "author": {"@type": "Person", "name": "Ana Lopez"},
    "publisher": {"@type": "Organization", "name": "Coast Herald"},
}


def news_page(standfirst: bool = True) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY)
    lead = '<p class="standfirst">Ships have waited for the tide since January.</p>'
    return f"""<!doctype html><html><head><title>Harbour to dredge | Coast Herald</title>
<meta property="og:title" content="Harbour to dredge its northern channel">
<meta name="description" content="Ships have waited for the tide since January.">
<link rel="canonical" href="https://coastherald.example/2024/03/05/harbour-dredge">
<script type="application/ld+json">{json.dumps(LD)}</script></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<div class="cookie">We use cookies to improve your experience. Accept all cookies</div>
<article><h1>Harbour to dredge its northern channel</h1>{lead if standfirst else ""}
<div class="share">Share on Facebook Share on X</div>{paragraphs}</article>
<aside><h3>Related stories</h3><ul><li><a href="/a">Cod stocks at a ten-year low</a></li>
<li><a href="/b">Ferry fares rise again</a></li></ul></aside>
<footer>© 2024 Coast Herald. All rights reserved. Terms of use. Privacy policy.</footer>
</body></html>"""
