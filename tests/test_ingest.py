import datetime as dt

import pytest

from briefing.chains.brief import BriefChain
from briefing.errors import InputError, ReportTooLongError
from briefing.ingest import build_text_map, load_report
from briefing.schemas.report import ReportFormat
from briefing.settings import Settings


def test_example_metadata_line_gives_date_and_headline(example_report) -> None:  # type: ignore[no-untyped-def]
    assert example_report.published == dt.date(2024, 12, 2)
    assert example_report.title is not None
    assert example_report.title.startswith("The Ukrainian Defense Ministry")
    assert example_report.text.startswith("The Ukrainian Defense Ministry")  # headline kept
    assert not example_report.text.lstrip().startswith("date")


def test_yaml_front_matter() -> None:
    raw = (
        "---\ntitle: Frontline update\nsource: ISW\nurl: https://example.org/u\n"
        "published: 2024-11-30\ntags: [syria, russia]\n---\nRussia moved troops.\n"
    )
    report = load_report(raw.encode())
    assert (report.title, report.source, report.url) == (
        "Frontline update",
        "ISW",
        "https://example.org/u",
    )
    assert report.published == dt.date(2024, 11, 30)
    assert report.tags == ["syria", "russia"]
    assert report.text == "Russia moved troops."


def test_explicit_metadata_wins_over_the_text() -> None:
    report = load_report(
        b"date 2024-12-02 Headline\nBody.", title="Given", published=dt.date(2020, 1, 1)
    )
    assert (report.title, report.published) == ("Given", dt.date(2020, 1, 1))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\t \r\n  ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (b"Caf\xe9 au lait in Damascus", "not valid UTF-8.*byte offset 3"),
        (b"---\ntitle: [unclosed\n---\nbody", "front matter"),
        (b"---\npublished: yesterday-ish\n---\nbody", "ISO date"),
        (b"---\ntitle: only metadata\n---\n", "no body"),
        (b"{}", "no words"),
        (b"1234 5678 -- 42", "no words"),
    ],
)
def test_bad_input_gets_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_report(data)


def test_size_limit() -> None:
    with pytest.raises(InputError, match="limit is 10 bytes"):
        load_report(b"x" * 11, max_bytes=10)


def test_bom_and_crlf_are_normalized() -> None:
    report = load_report("\ufeffLine one.\r\nLine two.\r\n".encode())
    assert report.text == "Line one.\nLine two."


def test_html_becomes_text_with_its_title() -> None:
    html = (
        b"<!doctype html><html><head><title>ISW update</title><style>p{color:red}</style>"
        b"<script>alert('x')</script></head><body><h1>Syria</h1>"
        b"<p>Kremlin Spokesperson <b>Dmitry Peskov</b> speculated.</p><p>ISW notes more.</p>"
        b"</body></html>"
    )
    report = load_report(html, filename="update.html")
    assert report.format is ReportFormat.HTML
    assert report.title == "ISW update"
    assert "Dmitry Peskov speculated." in report.text
    assert "alert" not in report.text and "color" not in report.text
    assert "<" not in report.text


def test_html_is_sniffed_without_a_name() -> None:
    report = load_report(b"<html><body><p>Hello from Kyiv.</p></body></html>")
    assert report.format is ReportFormat.HTML and report.text == "Hello from Kyiv."


def test_markdown_markup_is_blanked_for_analysis_without_moving_offsets() -> None:
    report = load_report(b"# Update\n\n**HUR** says [Russia](http://x.y) moved.", filename="a.md")
    assert report.format is ReportFormat.MARKDOWN
    tm = build_text_map(report.text, markdown=True)
    assert "**" not in tm.norm and "http" not in tm.norm and "#" not in tm.norm
    start = tm.norm.index("HUR")
    lo, hi = tm.to_original(start, start + 3)
    assert report.text[lo:hi] == "HUR"


def test_text_map_round_trips_offsets() -> None:
    text = "The Directorate of Intelligence(HUR)  said \u201cno\u201d.\u00a0 Done"
    tm = build_text_map(text)
    assert "Intelligence (HUR)" in tm.norm
    assert '"no"' in tm.norm and "  " not in tm.norm
    for word in ("HUR", '"no"', "Done", "Intelligence"):
        start = tm.norm.index(word)
        lo, hi = tm.to_original(start, start + len(word))
        original = text[lo:hi]
        assert original.replace("\u201c", '"').replace("\u201d", '"') == word


def test_a_5mb_report_is_a_clear_too_long_error_before_any_model_call() -> None:
    paragraph = "Russian forces shelled the town again, officials said. " * 20 + "\n"
    data = (paragraph * (5 * 1024 * 1024 // len(paragraph) + 1)).encode()[: 5 * 1024 * 1024]
    report = load_report(data, max_bytes=10 * 1024 * 1024)
    assert len(report.text) > 5_000_000
    chain = BriefChain(Settings(), backend=None)  # no backend: it must fail before needing one
    with pytest.raises(ReportTooLongError, match="tokens"):
        chain.run(report)
    assert chain._backend is None
