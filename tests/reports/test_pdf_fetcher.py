"""WeasyPrint may read the project's static files and nothing else, whatever the document says."""

from __future__ import annotations

import io
from typing import Any
from urllib import request

import pytest
from pypdf import PdfReader

from reports.pdf import BASE_URL, StaticOnlyFetcher, render_pdf

HOSTILE = [
    "file:///etc/passwd",
    "http://198.51.100.7/pixel.png",
    "https://example.org/style.css",
    "data:image/png;base64,iVBORw0KGgo=",
    BASE_URL + "../../../../etc/passwd",
    BASE_URL + "reports/../../riec_plan/settings/base.py",
    "https://riec-plan.invalid/elders/x.css",
]


@pytest.fixture
def no_io(monkeypatch: Any) -> None:
    """Any attempt by urllib (which WeasyPrint uses by default) to open a URL fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"URL opened: {args[1:]}")

    monkeypatch.setattr(request.OpenerDirector, "open", refuse)


@pytest.mark.parametrize("url", HOSTILE)
def test_fetcher_refuses_everything_but_static_files(url: str, no_io: None) -> None:
    fetcher = StaticOnlyFetcher()
    with pytest.raises(ValueError):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_serves_the_print_stylesheet(no_io: None) -> None:
    response = StaticOnlyFetcher().fetch(BASE_URL + "reports/print.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_raw_html_cannot_make_the_renderer_read_files_or_urls(no_io: None, settings: Any) -> None:
    # Even HTML that escaped the sanitiser: images, stylesheets and fonts pointing outside.
    html = (
        '<html><head><link rel="stylesheet" href="https://example.org/evil.css">'
        "<style>@font-face { font-family: x; src: url(file:///etc/passwd); } p { font-family: x; }</style></head>"
        '<body><p>Tekst</p><img src="file:///etc/passwd"><img src="http://198.51.100.7/pixel.png">'
        '<iframe src="file:///etc/passwd"></iframe><object data="file:///etc/passwd"></object></body></html>'
    )
    fetcher = StaticOnlyFetcher()
    pdf = render_pdf(html, fetcher)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Tekst" in text
    assert "root:" not in text
    assert b"root:x:0:0" not in pdf
    assert set(fetcher.refused) >= {
        "file:///etc/passwd",
        "http://198.51.100.7/pixel.png",
        "https://example.org/evil.css",
    }


def test_fetcher_serves_the_letters_decompressed_once(no_io: None) -> None:
    # WeasyPrint would decompress each WOFF2 letter on every render; the fetcher hands it TrueType.
    first = StaticOnlyFetcher().fetch(BASE_URL + "reports/fonts/OpenSans-Regular.woff2").read()
    again = StaticOnlyFetcher().fetch(BASE_URL + "reports/fonts/OpenSans-Regular.woff2").read()
    assert first[:4] == b"\x00\x01\x00\x00"  # sfnt version of a TrueType font, not b"wOF2"
    assert again is first
