"""Competition verdicts from codes and text (bot/classify.py, DESIGN §5)."""

import pytest

from bot.classify import classify, sole_source_cue
from bot.notice import Notice

CLEARVIEW = (
    "The Department of Homeland Security, U.S. Customs and Border Protection intends to award a sole "
    "source contract to Clearview AI, Inc. under FAR 6.302-1 as the vendor is the only one responsible "
    "source able to provide facial comparison services. This notice of intent is not a request for "
    "competitive proposals."
)


def notice(codes=None, title="", description="", **fields):
    """A Notice with the given codes and text."""
    return Notice(source="test", native_id="1", title=title, description=description,
                  codes=codes or {}, **fields)


def verdict(codes=None, title="", description=""):
    """The competition verdict for codes and text."""
    return classify(notice(codes, title, description)).competition


@pytest.mark.parametrize("key, code, expected", [
    ("extent_competed", "B", "sole_source"),
    ("extent_competed", "C", "sole_source"),
    ("extent_competed", "G", "sole_source"),
    ("extent_competed", "NDO", "sole_source"),
    ("extent_competed", "A", "competed"),
    ("extent_competed", "D", "competed"),
    ("extent_competed", "E", "competed"),
    ("extent_competed", "F", "competed"),
    ("extent_competed", "CDO", "competed"),
    ("extent_competed", "ZZZ", "unknown"),
    ("reason_not_competed", "ONE", "sole_source"),
    ("reason_not_competed", "UNQ", "sole_source"),
    ("reason_not_competed", "SP2", "sole_source"),
    ("reason_not_competed", "NEWCODE", "sole_source"),
    ("solicitation_procedures", "SSS", "sole_source"),
    ("solicitation_procedures", "NP", "unknown"),
    ("solicitation_procedures", "SB", "unknown"),
    ("fair_opportunity", "URG", "sole_source"),
    ("fair_opportunity", "ONE", "sole_source"),
    ("fair_opportunity", "FOO", "sole_source"),
    ("fair_opportunity", "MG", "sole_source"),
    ("fair_opportunity", "OSA", "sole_source"),
    ("fair_opportunity", "SS", "sole_source"),
    ("fair_opportunity", "FAIR", "competed"),
    ("fair_opportunity", "CSA", "competed"),
    ("set_aside", "8AN", "sole_source"),
    ("set_aside", "HZS", "sole_source"),
    ("set_aside", "SDVOSBS", "sole_source"),
    ("set_aside", "WOSBSS", "sole_source"),
    ("set_aside", "EDWOSBSS", "sole_source"),
    ("set_aside", "VSS", "sole_source"),
    ("set_aside", "SBA", "unknown"),
    ("set_aside", "8A", "unknown"),
    ("set_aside", "NONE", "unknown"),
    ("set_aside", "", "unknown"),
    ("notice_type", "Justification", "sole_source"),
    ("notice_type", "Justification and Authorization", "sole_source"),
    ("notice_type", "JUSTIFICATION (J&A)", "sole_source"),
    ("notice_type", "Special Notice", "unknown"),
    ("notice_type", "Presolicitation", "unknown"),
    ("notice_type", "Award Notice", "unknown"),
    ("notice_type", "Combined Synopsis/Solicitation", "unknown"),
    ("notice_type", "Advance Contract Award Notice", "sole_source"),
    ("notice_type", "UK5", "sole_source"),
    ("notice_subtype", "veat", "sole_source"),
    ("notice_subtype", "can-standard", "unknown"),
    ("justification_authority", "far1", "sole_source"),
    ("justification_authority", "brand", "sole_source"),
    ("procedure", "neg-wo-call", "sole_source"),
    ("procedure", "direct", "sole_source"),
    ("procedure", "limited", "limited"),
    ("procedure", "open", "competed"),
    ("procedure", "selective", "competed"),
    ("procedure", "restricted", "competed"),
    ("procedure", "neg-w-call", "competed"),
    ("procedure", "oth-single", "unknown"),
    ("direct_award_justification", "exclusive", "sole_source"),
    ("direct_award_justification", "technical", "sole_source"),
    ("direct_award_justification", "brand-new-code", "sole_source"),
    ("limited_tender_reason", "10.3.g.iii - additional deliveries", "sole_source"),
])
def test_code_tables(key, code, expected):
    assert verdict({key: [code]}) == expected


@pytest.mark.parametrize("codes, expected", [
    ({"extent_competed": ["C"]}, "extentCompeted=C (Not Competed)"),
    ({"extent_competed": ["A"]}, "extentCompeted=A (Full and Open Competition)"),
    ({"reason_not_competed": ["ONE"]}, "reasonNotCompeted=ONE (Only One Source-Other, FAR 6.302-1)"),
    ({"reason_not_competed": ["BND"]}, "reasonNotCompeted=BND (Brand Name Description, FAR 6.302-1(c))"),
    ({"reason_not_competed": ["XYZ"]}, "reasonNotCompeted=XYZ (unknown code)"),
    ({"solicitation_procedures": ["SSS"]}, "solicitationProcedures=SSS (Only One Source)"),
    ({"set_aside": ["8AN"]}, "typeOfSetAside=8AN (8(a) Sole Source)"),
    ({"notice_type": ["Justification"]}, "notice type: Justification (J&A)"),
    ({"fair_opportunity": ["URG"]}, "fairOpportunity=URG (Urgency, FAR 16.505(b)(2)(i)(A))"),
    ({"procedure": ["neg-wo-call"]},
     "procedure-type=neg-wo-call (Negotiated without prior call for competition)"),
    ({"direct_award_justification": ["exclusive"]},
     "direct-award justification=exclusive (exclusive rights)"),
])
def test_evidence_names_code_and_meaning(codes, expected):
    assert classify(notice(codes)).competition_evidence == [expected]


def test_missing_extent_competed_still_classified_from_reason_codes():
    """Like the SAM Contract Awards purchase-order example: no extentCompeted, reason ONE, SSS."""
    result = classify(notice({"reason_not_competed": ["ONE"], "solicitation_procedures": ["SSS"],
                              "set_aside": ["NONE"]}))
    assert result.competition == "sole_source"
    assert result.competition_evidence == [
        "reasonNotCompeted=ONE (Only One Source-Other, FAR 6.302-1)",
        "solicitationProcedures=SSS (Only One Source)",
    ]


def test_sole_source_evidence_wins_over_competed_and_both_are_listed():
    result = classify(notice({"extent_competed": ["A"], "reason_not_competed": ["URG"]}))
    assert result.competition == "sole_source"
    assert result.competition_evidence[0] == "reasonNotCompeted=URG (Urgency, FAR 6.302-2)"
    assert "extentCompeted=A (Full and Open Competition)" in result.competition_evidence


def test_codes_are_case_and_whitespace_tolerant():
    assert verdict({"extent_competed": [" c "], "procedure": ["NEG-WO-CALL"]}) == "sole_source"


def test_lone_string_and_blank_values_are_tolerated():
    assert verdict({"extent_competed": "C"}) == "sole_source"
    assert verdict({"reason_not_competed": [None, "", "null"]}) == "unknown"


@pytest.mark.parametrize("text", [
    "This is not a sole source requirement.",
    "This is not a request for a sole source.",
    "The contract will not be awarded on a sole source basis.",
    "There will be no sole source award.",
    "This procurement is not intended to be sole source.",
    "The Government does not intend to award a contract on a sole source basis.",
    "This isn't a single source procurement.",
    "The Government has not determined that only one responsible source exists.",
    "This requirement is NOT a brand name justification.",
])
def test_negated_cues_are_not_sole_source(text):
    assert verdict(description=text) == "unknown"


@pytest.mark.parametrize("text", [
    "The Government intends to award a sole source contract to Acme Corp.",
    "Notice of intent to sole source.",
    "This is a sole-source requirement.",
    "Award will be made to the only one responsible source, Acme.",
    "The statutory authority is FAR 6.302-1, only one source.",
    "Authority: FAR 6.302-2 unusual and compelling urgency.",
    "This acquisition is conducted under FAR 13.106-1(b) soliciting from a single source.",
    "Procedures at FAR 13.501 apply.",
    "A brand name justification is attached.",
    "The J&A is posted with this notice.",
    "A limited sources justification is attached.",
    "This action is conducted using other than full and open competition.",
    "No solicitation is available and the Government intends to award on a sole source basis.",
    "Solicitation No. 70B03C25Q0001 is a sole source award.",
    "No formal solicitation document will be issued for this intended sole source award.",
])
def test_text_cues_are_sole_source(text):
    assert verdict(description=text) == "sole_source"


def test_description_only_cue_quotes_the_sentence():
    result = classify(notice({"notice_type": ["Special Notice"]}, description=CLEARVIEW))
    assert result.competition == "sole_source"
    quote, authority = result.competition_evidence
    assert authority == "authority cited: FAR 6.302-1"  # the quote may be cut before the citation
    assert quote.startswith('"The Department of Homeland Security, U.S. Customs and Border Protection')
    assert "intends to award a sole source contract to Clearview AI" in quote
    assert "not a request for competitive proposals" not in quote
    assert len(quote) <= 205 and quote.endswith('…"')


def test_title_cue_is_quoted():
    result = classify(notice(title="Notice of Intent to Sole Source - Fuel Cells"))
    assert result.competition_evidence == ['"Notice of Intent to Sole Source - Fuel Cells"']


def test_long_sentence_is_trimmed_around_the_cue():
    text = "Background " * 40 + "the Government intends to award a sole source contract" + " filler" * 40
    [quote] = classify(notice(description=text)).competition_evidence
    assert "sole source" in quote and quote.startswith('"…') and quote.endswith('…"')
    assert len(quote) <= 205


@pytest.mark.parametrize("text", [
    "This requirement will be solicited using full and open competition.",
    "This is a competitive procurement; all responsible sources may submit a proposal.",
    "Brand name or equal items are acceptable.",
    "Interested parties may submit capability statements.",
])
def test_competitive_or_neutral_text_alone_is_unknown(text):
    assert verdict(description=text) == "unknown"


def test_text_never_overrides_coded_competed():
    result = classify(notice({"extent_competed": ["A"]}, description=CLEARVIEW))
    assert result.competition == "competed"
    assert result.competition_evidence == ["extentCompeted=A (Full and Open Competition)"]


def test_coded_sole_source_also_quotes_the_text():
    result = classify(notice({"notice_type": ["Justification"]}, description=CLEARVIEW))
    assert result.competition_evidence[0] == "notice type: Justification (J&A)"
    assert "Clearview AI" in result.competition_evidence[1]


@pytest.mark.parametrize("details, expected", [
    ("Negotiated procedure without prior publication (above threshold)", "sole_source"),
    ("Negotiated without prior publication", "sole_source"),
    ("Single tender action (below threshold)", "sole_source"),
    ("Direct award", "sole_source"),
    ("Single source", "sole_source"),
    ("Competitive quotation (below threshold)", "limited"),
    ("Limited tender", "limited"),
    ("", "limited"),
])
def test_ocds_limited_is_sole_source_only_with_a_sole_source_detail(details, expected):
    result = classify(notice({"procedure": ["limited"], "procedure_details": [details]}))
    assert result.competition == expected
    limited = "procedure-type=limited (Limited: buyer contacts suppliers of its choice)"
    assert limited in result.competition_evidence


def test_ocds_limited_with_limited_tender_reason_is_sole_source():
    result = classify(notice({"procedure": ["limited"], "procedure_details": ["Limited tender"],
                              "limited_tender_reason": ["10.3.c Extreme urgency"]}))
    assert result.competition == "sole_source"
    assert result.competition_evidence[0] == "limited-tender reason=10.3.c Extreme urgency (unknown code)"


def test_ocds_limited_upgraded_by_text_cue():
    result = classify(notice({"procedure": ["limited"]}, description="We will use a single source supplier."))
    assert result.competition == "sole_source"
    assert result.competition_evidence[-1] == '"We will use a single source supplier."'


def test_ocds_direct_with_details():
    result = classify(notice({"procedure": ["direct"], "procedure_details": ["Direct award"]}))
    assert result.competition == "sole_source"
    assert result.competition_evidence == [
        "procedure-type=direct (Direct award to a single supplier)", 'procedure details: "Direct award"']


def test_contracts_finder_details_without_method():
    assert verdict({"procedure_details": ["Other - Direct Award from a Framework Contract"]}) == "sole_source"


def test_open_procedure_with_negotiated_details_conflict_picks_sole_source():
    assert verdict({"procedure": ["open"], "procedure_details": ["Direct award"]}) == "sole_source"


def test_eforms_neg_wo_call_with_justification():
    result = classify(notice({"procedure": ["neg-wo-call"], "notice_subtype": ["can-standard"],
                              "direct_award_justification": ["technical"]}))
    assert result.competition == "sole_source"
    assert result.competition_evidence == [
        "procedure-type=neg-wo-call (Negotiated without prior call for competition)",
        "direct-award justification=technical (no competition for technical reasons)",
    ]


def test_veat_evidence():
    result = classify(notice({"notice_subtype": ["veat"]}))
    assert result.competition_evidence == ["notice type: veat (Voluntary ex-ante transparency notice)"]


def test_source_verdict_kept_when_nothing_decides():
    original = notice({"naics": ["541511"]}, competition="limited", competition_evidence=["from source"])
    result = classify(original)
    assert (result.competition, result.competition_evidence) == ("limited", ["from source"])
    assert result is not original


def test_codes_override_source_verdict():
    original = notice({"extent_competed": ["C"]}, competition="competed", competition_evidence=["x"])
    result = classify(original)
    assert result.competition == "sole_source"
    assert result.competition_evidence == ["extentCompeted=C (Not Competed)"]
    assert original.competition == "competed"


def test_nothing_at_all_is_unknown_with_no_evidence():
    result = classify(notice())
    assert (result.competition, result.competition_evidence) == ("unknown", [])


@pytest.mark.parametrize("text, expected", [
    ("Notice of Intent to Sole Source - Fuel Cells", '"Notice of Intent to Sole Source - Fuel Cells"'),
    ("Sources Sought - This is not a sole source", None),
    ("Brand Name or Equal Valves", None),
    ("", None),
])
def test_sole_source_cue_for_title_screening(text, expected):
    assert sole_source_cue(text) == expected


def test_offer_count_is_shown_and_one_bid_competition_flagged():
    sole = classify(notice({"extent_competed": ["C"], "offers_received": ["1"]}))
    assert sole.competition_evidence == ["extentCompeted=C (Not Competed)", "1 offer received"]
    one_bid = classify(notice({"extent_competed": ["A"], "offers_received": ["1"]}))
    assert one_bid.competition == "competed"
    assert one_bid.competition_evidence[-1] == "one-bid competition (1 offer received)"
    many = classify(notice({"extent_competed": ["A"], "offers_received": ["4"]}))
    assert many.competition_evidence[-1] == "4 offers received"
    assert classify(notice({"offers_received": ["1"]})).competition == "unknown"
