"""clean_html and friends: pure functions, so these tests need no server."""

from __future__ import annotations

import codecs
from datetime import date

import pytest

from bot.cleaning import clean_html, decode_html, looks_like_html, strip_html

PARAGRAPHS = (
    "<p>About 4,500 people have fled Kafr Nabl since Tuesday, the local council said on Friday, "
    "as shelling hit the town\u2019s market for a third day in a row.</p>"
    "<p>\u201cWe left with nothing,\u201d said Zo\u00eb, a caf\u00e9 owner who reached a camp near the "
    "border with her three children. Aid groups say the camps there are already full.</p>"
    "<p>The council said at least 12 civilians were killed and 30 injured in the strikes \u2014 the "
    "heaviest since the truce in March.</p>"
)


def page(charset_meta: str | None = "utf-8", paragraphs: str = PARAGRAPHS) -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return (
        f"<!DOCTYPE html><html><head>{meta}<title>Families leave Kafr Nabl | Example Times</title>"
        '<meta property="og:site_name" content="Example Times">'
        '<meta property="article:published_time" content="2024-03-02T08:00:00Z"></head><body>'
        '<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>'
        f"<article><h1>Families leave Kafr Nabl</h1>{paragraphs}</article>"
        "<footer>Copyright Example Times. All rights reserved.</footer></body></html>"
    )


def test_extracts_main_text_and_metadata() -> None:
    cleaned = clean_html(page(), "https://example.org/world/kafr-nabl")
    assert cleaned is not None
    assert "About 4,500 people have fled Kafr Nabl since Tuesday" in cleaned.text
    assert "at least 12 civilians were killed and 30 injured" in cleaned.text
    assert "All rights reserved" not in cleaned.text
    assert "Sport" not in cleaned.text
    assert cleaned.title is not None and cleaned.title.startswith("Families leave Kafr Nabl")
    assert cleaned.date == date(2024, 3, 2)
    assert cleaned.site_name == "Example Times"


@pytest.mark.parametrize(
    ("label", "declared"),
    [
        ("windows-1252", None),  # <meta charset="windows-1252">
        ("iso-8859-1", None),  # read as windows-1252, as browsers do, so curly quotes survive
        (None, "windows-1252"),  # only the HTTP header says it
        (None, None),  # nobody says it: detected
    ],
)
def test_single_byte_pages_are_decoded(label: str | None, declared: str | None) -> None:
    data = page(label).encode("cp1252")
    cleaned = clean_html(data, encoding=declared)
    assert cleaned is not None
    assert "Zoë, a café owner" in cleaned.text
    assert "“We left with nothing,”" in cleaned.text
    assert "town’s market" in cleaned.text
    assert "strikes — the heaviest" in cleaned.text


def test_utf8_bom_and_utf16_bom() -> None:
    assert "Zoë" in clean_html(codecs.BOM_UTF8 + page().encode("utf-8")).text  # type: ignore[union-attr]
    assert "Zoë" in clean_html(codecs.BOM_UTF16_LE + page(None).encode("utf-16-le")).text  # type: ignore[union-attr]


def test_wrong_declared_charset_falls_back() -> None:
    # The header claims UTF-8 but the bytes are windows-1252: UTF-8 decoding fails, the <meta> wins.
    assert decode_html(page("windows-1252").encode("cp1252"), "utf-8").count("Zoë") == 1


NO_TEXT = ["", "   ", "<html></html>", b"", "<html><body><script>x = 1</script></body></html>"]


@pytest.mark.parametrize("html", NO_TEXT)
def test_no_text_is_none(html: str | bytes) -> None:
    assert clean_html(html) is None


def test_looks_like_html() -> None:
    assert looks_like_html("<!doctype html><title>x</title>")
    assert looks_like_html(b"  <html lang='en'><body>hi</body></html>")
    assert looks_like_html("<p>Some 300 families fled.</p>")
    assert not looks_like_html("Some 300 families fled; 2 < 3 and 5 > 4.")
    assert not looks_like_html(b"")


def test_strip_html() -> None:
    assert strip_html("<p>Over <b>1,200</b> people &amp; 40 families</p><p>fled.</p>") == (
        "Over 1,200 people & 40 families\nfled."
    )
    assert strip_html("plain   text\n\n with  spaces") == "plain text\nwith spaces"
    assert strip_html("<script>alert(1)</script>Only this") == "Only this"
