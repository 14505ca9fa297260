from briefing.grounding import GroundingReport, ground_quote, ground_span
from briefing.schemas.brief import Uncertainty
from briefing.schemas.span import Alignment, Span

TEXT = "HUR says Russia has dismissed General Sergey Kisel from command. ISW notes more."


def test_exact_span_is_kept() -> None:
    start = TEXT.index("Sergey Kisel")
    span = ground_span(TEXT, Span(start=start, end=start + 12, text="Sergey Kisel"))
    assert span == Span(start=start, end=start + 12, text="Sergey Kisel", alignment=Alignment.EXACT)


def test_wrong_offsets_are_corrected_to_the_exact_words() -> None:
    span = ground_span(TEXT, Span(start=0, end=12, text="Sergey Kisel"))
    assert span is not None
    assert (span.start, span.end, span.alignment) == (38, 50, Alignment.EXACT)
    assert TEXT[span.start : span.end] == "Sergey Kisel"


def test_nearest_occurrence_wins() -> None:
    text = "Russia acted. Later Russia acted again."
    span = ground_quote(text, "Russia", near=25)
    assert span is not None and span.start == text.rindex("Russia")


def test_fuzzy_quote_gets_the_reports_own_words() -> None:
    quote = "Russia has dismissed Gen. Sergey Kisel from command"
    span = ground_span(TEXT, Span(start=0, end=5, text=quote))
    assert span is not None
    assert span.alignment is Alignment.FUZZY
    assert span.text == TEXT[span.start : span.end]
    assert "Sergey Kisel" in span.text and span.text.startswith("Russia")


def test_quote_not_in_report_is_dropped() -> None:
    assert ground_span(TEXT, Span(start=0, end=20, text="Vladimir Putin resigned")) is None
    assert ground_span(TEXT, Span(start=0, end=0, text="   ")) is None


def test_items_without_evidence_are_dropped_and_counted() -> None:
    report = GroundingReport()
    items = [
        Uncertainty(
            what="kept",
            why="w",
            confidence="low",
            confidence_basis="b",
            evidence=[Span(start=5, end=8, text="HUR")],
        ),
        Uncertainty(
            what="dropped",
            why="w",
            confidence="low",
            confidence_basis="b",
            evidence=[Span(start=0, end=9, text="Mossad HQ")],
        ),
    ]
    kept = report.filter_items("uncertainties", items, TEXT, summary_of=lambda u: u.what)
    assert [k.what for k in kept] == ["kept"]
    assert kept[0].evidence == [Span(start=0, end=3, text="HUR")]  # offsets corrected
    assert [(d.section, d.summary) for d in report.dropped] == [("uncertainties", "dropped")]
    assert (report.spans_checked, report.spans_exact, report.spans_dropped) == (2, 1, 1)


def test_words_no_report_uses_are_found_whatever_their_ending() -> None:
    from briefing.chains.guards import unknown_words

    report = "Comeaux escaped from a prison van. Officials reported the escape on Monday."
    assert unknown_words("Comeaux escapes from the van", report) == []  # another ending
    assert unknown_words("Officials say Comeaux escaped", report) == []  # neutral attribution
    assert unknown_words("Officials deny Comeaux escaped", report) == ["deny"]  # not neutral
    assert unknown_words("Comeaux escaped with child pornography", report) == [
        "child",
        "pornography",
    ]


def test_content_words_drop_possessives_and_plurals_not_the_end_of_a_word() -> None:
    from briefing.chains.guards import content_words, support

    words = content_words("Iran's reports: the States' gas and glass prices")
    assert words == {"iran", "report", "state", "gas", "glass", "price"}
    # a word that ends in "ss" or is short keeps its "s" on both sides of a comparison
    assert support("the glass broke", "a glass broke") == 1.0
    assert support("the gas leaked", "the glass leaked") == 0.5
