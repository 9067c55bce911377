"""Competition verdicts from codes and text (bot/classify.py, DESIGN §5)."""

import pytest

from bot.classify import classify, explain, sole_source_cue
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


# --- Second generation: one statement at a time (issue 10) ---------------------------------------

def reading(text, title="", notice_type="Special Notice"):
    """(verdict, evidence, discounted) for a SAM-like notice with only text."""
    result = classify(notice({"notice_type": [notice_type]}, title, text))
    return result.competition, result.competition_evidence, explain(result).discounted


@pytest.mark.parametrize("text, cue", [
    ("The Army intends to award a non-competitive contract to Boeing Co. for spare parts.", "non-competitive"),
    ("NSWC intends to negotiate a noncompetitive purchase order with PCB Piezotronics, Inc.", "noncompetitive"),
    ("This is a Justification for an Exception to Fair Opportunity under FAR 16.505(b)(2)(i)(B).",
     "Exception to Fair Opportunity"),
    ("The order is placed under FAR 16.505(b)(2)(i)(C), a logical follow-on.", "16.505(b)(2)"),
    ("Limited Sources Justification pursuant to FAR 8.405-6(a)(1)(i)(B).", "Limited Sources Justification"),
    ("J.B. Knowles is the sole manufacturer and distributor of the Chopper Spotter.", "sole manufacturer"),
    ("SRA International is the developer and sole distributor of NetOwl.", "sole distributor"),
    ("Acme Ltd. is the exclusive distributor of these reagents in North America.", "exclusive distributor"),
    ("The proprietary curriculum is only available through David Mandel & Associates.", "only available through"),
    ("These licences are available only from Esri Inc.", "available only from"),
    ("The NRC intends to award a contract to a pre-identified supplier.", "pre-identified supplier"),
    ("Exclusive rights (captive market, technical monopoly) — Art. 164(1)(d) FR.", "Exclusive rights"),
    ("The contract was awarded under Regulation 32(2)(b)(ii) of the Public Contracts Regulations 2015.",
     "Regulation 32(2)"),
    ("Tourism NI is relying on the Regulation 72(1)(c) provision to increase the contract value.", "Regulation 72"),
    ("The Contract was awarded following a negotiated procedure without prior publication.",
     "negotiated procedure without prior publication"),
    ("The F-35 JPO intends to award a contract under the authority of RFO FAR 6.103-1 to Lockheed Martin.", "6.103-1"),
    ("BLM will use FAR 13.106-1(b)(1) to solicit one source.", "13.106-1(b)"),
    ("This requirement is processed under FAR 13.501 special procedures.", "13.501"),
    ("This is a brand name only requirement for Cisco switches.", "brand name only"),
    ("The attached brand-name justification explains why only Altia licences meet the need.",
     "brand-name justification"),
    ("A formal solicitation will NOT be issued since this will be a sole source procurement.", "sole source"),
    ("This requirement is an 8(a) sole source award to XYZ Solutions LLC under FAR 19.808-1.", "sole source"),
    ("The Government intends to extend the current sole source contract with Motorola Solutions.", "sole source"),
    ("This announcement is issued as an Other Than Full and Open Competition action.",
     "Other Than Full and Open Competition"),
    ("The authority intends to make a direct award to Capita plc under section 41.", "direct award"),
    ("A change of contractor cannot be made for economic or technical reasons.", "change of contractor"),
    ("We seek to extend the existing framework agreements until 31 August 2022.", "extend the existing"),
])
def test_missing_cues_decide_and_are_quoted(text, cue):
    verdict, evidence, _ = reading(text)
    assert verdict == "sole_source"
    assert cue in evidence[0]  # the deciding sentence, quoted


def test_notice_of_intent_wording_decides_with_its_intended_award():
    text = ("Solicitation N00421-14-T-0223 is issued as a synopsis. The Government intends to solicit and "
            "negotiate the proposed purchase order. Items must be Control Products Corporation. "
            "This notice of intent is not a request for competitive proposals.")
    verdict, evidence, _ = reading(text)
    assert verdict == "sole_source"
    assert evidence == ['"The Government intends to solicit and negotiate the proposed purchase order."',
                            '"This notice of intent is not a request for competitive proposals."']


def test_disclaimer_alone_or_plain_request_for_proposals_decides_nothing():
    assert reading("This notice of intent is not a request for competitive proposals.")[0] == "unknown"
    assert reading("The Navy intends to award a contract. This is not a request for proposals.")[0] == "unknown"


@pytest.mark.parametrize("text, reason", [
    ("52.219-3 Notice of HUBZone Set-Aside or Sole-Source Award (OCT 2022)", "FAR/DFARS clause title"),
    ("Notice of Service-Disabled Veteran-Owned Small Business Sole Source Award (SEP 2023).",
     "FAR/DFARS clause title"),
    ("10. THIS ACQUISITION IS UNRESTRICTED OR SET ASIDE: % FOR: EMERGING SMALL BUSINESS SOLE SOURCE 11.",
     "form or set-aside label"),
    ("The current contract was awarded on a sole source basis in 2019.", "about a past or other contract"),
    ("CFSA reviewed prior sole source contracts with other jurisdictions.", "about a past or other contract"),
    ("DHA currently procures these services under FAR 6.302-1, Only One Responsible Source.",
     "about the current contract"),
    ("Responses will inform a potential sole-source justification or competitive procurement.",
     "hedge or open question"),
    ("Market research will determine whether a sole source award is appropriate.", "hedge or open question"),
    ("Is this a sole source procurement?", "question"),
    ("The system will be a single source of authoritative EW data.", "idiom, not a procurement statement"),
    ("The plant is the sole source of steam heat for the campus.", "idiom, not a procurement statement"),
    ("List generic names, brand names and brand names of combination products.", None),
    ("Contractors who hold exclusive distributor agreements must disclose them.",
     "names a kind of arrangement, not this award"),
    ("ACC intends to compete on a brand name basis a purchase order among authorized resellers.",
     "brand name competed among resellers"),
    ("If this is a Brand Name Only procurement, the seller certifies it is an authorized distributor.",
     "hedge or open question"),
    ("The contract may be modified in accordance with Regulation 72 of the Public Contracts Regulations 2015.",
     "hedge or open question"),
    ("The authority reserves the right to use the negotiated procedure without prior publication for new services.",
     "hedge or open question"),
    ("The service contract will be awarded by negotiated procedure without prior publication to the winner of "
     "the design contest.", "award to the winner of a design contest (competed)"),
])
def test_non_statements_are_discounted_with_their_reason(text, reason):
    verdict, evidence, discounted = reading(text)
    assert (verdict, evidence) == ("unknown", [])
    if reason:
        assert discounted and discounted[0].startswith(f"{reason}: ")


@pytest.mark.parametrize("text", [
    "Sole source is not contemplated for this requirement.",
    "Offerors are advised that it was not a sole-source procurement.",
    "This procurement will not be a limited competition or sole-source award.",
    "Award will be made on a competitive basis; sole source awards are not authorized under this program.",
    "There will be no sole source award.",
    "The offeror shall not subcontract to a sole source vendor without approval.",
    "This is an open procedure; a direct award is not permitted.",
    "Tenders are invited via the open procedure; no single tender action will be taken.",
])
def test_negation_on_either_side_of_the_cue(text):
    verdict, _, discounted = reading(text)
    assert verdict == "unknown"
    assert discounted[0].startswith("negated: ")


def test_negation_in_another_clause_does_not_reach_the_cue():
    verdict, evidence, _ = reading("The Government will not issue an RFQ because this is a sole source buy.")
    assert verdict == "sole_source" and "sole source buy" in evidence[0]


def test_first_deciding_statement_is_the_evidence_and_earlier_discounts_are_kept():
    text = ("52.219-3 Notice of HUBZone Set-Aside or Sole-Source Award (OCT 2022). "
            "The current contract was awarded sole source. "
            "The VA intends to award a sole source contract to Medtronic Inc. for pump maintenance.")
    result = classify(notice({"notice_type": ["Special Notice"]}, "", text))
    assert result.competition_evidence == [
        '"The VA intends to award a sole source contract to Medtronic Inc. for pump maintenance."']
    assert [d.split(":")[0] for d in explain(result).discounted] == [
        "FAR/DFARS clause title", "about a past or other contract"]


@pytest.mark.parametrize("title", [
    "National Student Clearinghouse Enrollment Verification -Non Competitive (Notice Of Intent)",
    "Sole Source Notice - Hemochron cartridges",
    "ACAN 26-58022 Automated Wafer Defect Inspection System",
    "E53_MISC_JOFOC_FAR_6_103_JA26-00238_Redacted_1.pdf",
])
def test_title_cues_decide(title):
    verdict, evidence, _ = reading("31b. NAME OF CONTRACTING OFFICER 30c. DATE SIGNED", title=title)
    assert verdict == "sole_source" and evidence == [f'"{title}"']


def test_determination_and_findings_title_decides_only_when_the_text_says_nothing():
    title = "Target Determination & Findings"
    assert reading("CFSA has an urgent need for gift cards.", title=title)[1] == [f'"{title}"']
    verdict, evidence, _ = reading("DOES intends to issue a sole source award to Enghouse.", title=title)
    assert evidence == ['"DOES intends to issue a sole source award to Enghouse."']
    assert reading("Determination & Findings were signed for the sole source.", title="Training")[0] == "sole_source"
    assert reading("The D&F for contract type is attached.", title="Janitorial services")[0] == "unknown"


@pytest.mark.parametrize("notice_type, title, text, expected", [
    ("Sources Sought", "", "The current requirement is sole source to Acme; we seek other capable sources.",
     "unknown"),
    ("Sources Sought", "", "DHA buys these under FAR 6.302-1 today. Capable firms should respond.", "unknown"),
    ("Sources Sought", "", "THIS IS A NOTICE OF INTENT TO SOLE SOURCE the requirement to Werfen USA.",
     "sole_source"),
    ("Sources Sought", "", "The VA intends to award a sole source contract to Medtronic Inc. absent responses.",
     "sole_source"),
    ("Special Notice", "Sources Sought: Roof replacement", "A single-source award may follow market research.",
     "unknown"),
    ("Special Notice", "RFI - Data platform", "The incumbent holds the sole source licence to the data.",
     "unknown"),
    ("Special Notice", "", "The incumbent holds the sole source licence; the Army intends to award it a "
     "sole source bridge.", "sole_source"),
])
def test_sources_sought_needs_a_stated_intended_award(notice_type, title, text, expected):
    assert reading(text, title=title, notice_type=notice_type)[0] == expected


def test_show_lists_what_was_discounted():
    result = explain(notice(description="The system is the single source of truth for assets."))
    assert result.discounted == ['idiom, not a procurement statement: "The system is the single source of truth '
                                 'for assets."']
    assert not result.decided


@pytest.mark.parametrize("text, cue", [
    ("This procurement will be awarded to General Dynamics Canada.", "will be awarded to G"),
    ("The Government does not have sufficient data to purchase this part from other than the current source(s).",
     "from other than the current source"),
    ("Existing design knowledge requires acquisition of the part from the approved source(s).",
     "from the approved source"),
])
def test_intended_award_to_a_named_firm_and_approved_source_limits(text, cue):
    verdict, evidence, _ = reading(text)
    assert verdict == "sole_source" and cue in evidence[0]


@pytest.mark.parametrize("text", [
    "The contract will be awarded to the responsible offeror whose quote is the lowest price.",
    "Award will be made to one or more offerors; the contract will be awarded to multiple vendors.",
    "Contracts were awarded to three firms after full and open competition.",
])
def test_award_to_an_unnamed_or_competed_offeror_decides_nothing(text):
    assert reading(text)[0] == "unknown"


def test_article_numbers_do_not_end_a_sentence():
    text = "Договорът се изменя на основание чл. 116, ал. 1, т. 3 от ЗОП."
    assert reading(text)[1] == [f'"{text}"']


def test_appointing_a_sole_provider_is_not_a_sole_source():
    verdict, _, discounted = reading("The Council intend to appoint a sole Provider for the duration of the Contract.")
    assert verdict == "unknown"
    assert discounted[0].startswith("one supplier to be chosen, not named as the only one: ")


def test_single_supplier_framework_is_competed_for():
    text = "Cardiff University wishes to establish a single source framework for digital advertising services."
    verdict, _, discounted = reading(text)
    assert verdict == "unknown"
    assert discounted[0].startswith("a single-supplier framework (its supplier is competed for): ")


@pytest.mark.parametrize("text, expected", [
    ('This requirement will be competed as a total small business set-aside. The incumbent contractor is Acme Corp.', 'unknown'),
    ('The Government anticipates a single award firm-fixed-price contract resulting from this solicitation.', 'unknown'),
    ('Offerors must be authorized distributors of the OEM.', 'unknown'),
    ('Only one award will be made under this solicitation.', 'unknown'),
    ('This notice does not constitute a sole source justification.', 'unknown'),
    ('Pursuant to FAR 6.302-2, unusual and compelling urgency, the Government awarded a contract to Acme.', 'sole_source'),
    ('The contract will be awarded to the offeror whose proposal represents the best value.', 'unknown'),
    ('Quotes will be accepted from all responsible sources; this is not a non-competitive action.', 'unknown'),
    ('Notice of Intent to Award a Sole Source Contract', 'sole_source'),
    ('52.219-27 Notice of Total Service-Disabled Veteran-Owned Small Business Set-Aside (NOV 2020)', 'unknown'),
    ('The vendor must be an authorized reseller; brand name or equal products will be considered.', 'unknown'),
    ('Market research indicated multiple sources; therefore the acquisition will be competed.', 'unknown'),
    ('The justification for other than full and open competition is available upon request.', 'sole_source'),
    ('All interested parties may submit a capability statement; the Government will use full and open competition.', 'unknown'),
    ('The award will be made without discussions.', 'unknown'),
    ('The only one source of funding for this project is the state grant.', 'unknown'),
    ('Pursuant to 10 U.S.C. 3204(a)(1), only one responsible source and no other supplies or services will satisfy agency requirements.', 'sole_source'),
    ('The contractor shall provide a single source of contact for all service calls.', 'unknown'),
    ('Contractors shall not use sole source suppliers without approval of the CO.', 'unknown'),
    ('This is a notice of intent to award a sole-source Blanket Purchase Agreement to Thermo Fisher Scientific.', 'sole_source'),
    ('The Government reserves the right to award without discussions and to award to other than the lowest priced offeror.', 'unknown'),
    ('The direct award option in the framework may be used by participating authorities.', 'unknown'),
    ('Please see the attached Brand Name Justification template which must be completed by the requiring activity if applicable.', 'unknown'),
])
def test_everyday_solicitation_sentences(text, expected):
    """Boilerplate of competitive solicitations stays unknown; plain sole-source statements decide."""
    assert reading(text)[0] == expected


@pytest.mark.parametrize("text, expected", [
    ('__ (16) 52.219-29, Notice of Set-Aside for, or Sole Source Award to, Economically Disadvantaged Women-Owned Small Business Concerns (SEP 2021) (15 U.S.C. 637(m)).', 'unknown'),
    ('[X] 52.219-30, Notice of Set-Aside for, or Sole-Source Award to, Women-Owned Small Business Concerns Eligible Under the Women-Owned Small Business Program (SEP 2021).', 'unknown'),
    ('(ii) Alternate I (MAR 2020) of 52.219-3. ___ (11) 52.219-4, Notice of Price Evaluation Preference for HUBZone Small Business Concerns (OCT 2022).', 'unknown'),
    ('FAR 52.219-27 Notice of Service-Disabled Veteran-Owned Small Business Sole Source Award.', 'unknown'),
    ('252.206-7000 Domestic Source Restriction; 252.225-7001 Buy American and Balance of Payments Program.', 'unknown'),
    ('10. THIS ACQUISITION IS [X] UNRESTRICTED OR [ ] SET ASIDE: % FOR: [ ] SMALL BUSINESS [ ] HUBZONE SMALL BUSINESS [ ] SERVICE-DISABLED VETERAN-OWNED SMALL BUSINESS [ ] 8(A) [ ] EMERGING SMALL BUSINESS SOLE SOURCE NAICS: 541511', 'unknown'),
    ('Offerors shall identify whether they are the sole source for any proposed component.', 'unknown'),
    ('The prime contractor must not rely on single-source suppliers for critical components.', 'unknown'),
    ('Single-source suppliers of critical components shall be identified in the supply chain plan.', 'unknown'),
    ('NAVSUP WSS intends to award a sole source contract to Honeywell International for repair of NSN 1680-01-234-5678.', 'sole_source'),
    ('The Contractor shall maintain a single source document repository.', 'unknown'),
])
def test_clause_checklists_form_blocks_and_supply_chain_wording(text, expected):
    assert reading(text)[0] == expected


@pytest.mark.parametrize("text, expected", [
    ('Orders above the simplified acquisition threshold placed without competition require a J&A.', 'unknown'),
    ('The CO will prepare a justification and approval if required by FAR 6.303.', 'unknown'),
    ('Offerors are reminded that this acquisition is not limited to one source.', 'unknown'),
    ('The FAR 6.302-1 exception does not apply to this acquisition.', 'unknown'),
    ('This RFQ is issued under FAR Part 13; it is not a sole source.', 'unknown'),
    ('The J&A for this action is attached.', 'sole_source'),
    ('Justification and Approval No. 2024-017 for Other Than Full and Open Competition.', 'sole_source'),
    ('Questions about sole source procedures should be directed to the Competition Advocate.', 'unknown'),
    ('Firms interested in subcontracting opportunities should contact the prime contractor.', 'unknown'),
    ('Only one source is available; Siemens is the original equipment manufacturer.', 'sole_source'),
    ('The solicitation will be issued as a competitive 8(a) set-aside.', 'unknown'),
    ('This is a competitive 8(a) procurement, not an 8(a) sole source.', 'unknown'),
])
def test_general_rules_about_sole_source_buys_and_short_parenthesised_labels(text, expected):
    assert reading(text)[0] == expected


@pytest.mark.parametrize("text", [
    '1. Agency and Contracting Activity. The Department of the Navy, NAVSEA, proposes to enter into a contract on a basis other than full and open competition.',
    'The statutory authority permitting other than full and open competition is 10 U.S.C. 3204(a)(1), as implemented by FAR 6.302-1.',
    'Market research did not identify any other source capable of meeting the requirement; therefore the award will be made to Leidos Inc. on a sole source basis.',
    'Intent to Award Sole Source: Annual maintenance of Agilent instruments.',
    'NOTICE OF INTENT TO AWARD A SOLE-SOURCE CONTRACT',
    'The VA Network Contracting Office 16 intends to award a firm-fixed-price contract on a sole-source basis to GE HealthCare under the authority of 41 U.S.C. 3304(a)(1).',
    'This requirement is being procured in accordance with FAR 13.106-1(b)(1)(i), which allows the contracting officer to solicit from one source.',
    'The proposed contract action is for supplies for which the Government intends to solicit and negotiate with only one source under FAR 6.302-1.',
    'The Government intends to issue a task order under the OASIS+ contract to Booz Allen Hamilton as a logical follow-on pursuant to FAR 16.505(b)(2)(i)(C).',
    'The City intends to enter into a sole source agreement with Axon Enterprise, Inc. for body-worn cameras.',
    'It is the intent of the District to award a sole source contract to Motorola Solutions.',
    'Pursuant to Section 4(b) of the Procurement Code, a sole source procurement is justified.',
    'Brand Name Justification - Only Cisco equipment is compatible with the existing network.',
    'LSJ - Limited Source Justification for Tableau licenses (FAR 8.405-6(a)(1)(i)(B)).',
])
def test_plain_statements_of_sole_source_decide(text):
    assert reading(text)[0] == "sole_source"


@pytest.mark.parametrize("text, expected", [
    ("This is a Sources Sought notice. The current contract is sole source to Acme.", "unknown"),
    ("THIS IS A REQUEST FOR INFORMATION (RFI) ONLY. The requirement is currently single source.", "unknown"),
    ("This notice is for market research purposes only. DHA buys these under FAR 6.302-1.", "unknown"),
    ("Justification for Other Than Full and Open Competition. An RFI was posted on SAM.gov and no responses "
     "were received.", "sole_source"),
    ("A sources sought notice was posted in May; nobody answered. This is a sole source requirement.", "sole_source"),
])
def test_a_notice_seeks_sources_only_when_it_says_so_of_itself(text, expected):
    assert reading(text)[0] == expected


@pytest.mark.parametrize("text, expected", [
    ('Sole Source: No', 'unknown'),
    ('Sole Source (Y/N): N', 'unknown'),
    ('Sole Source: Yes', 'sole_source'),
    ('Is this a sole source? No.', 'unknown'),
    ('There is no sole source justification for this requirement.', 'unknown'),
    ('The Government has not yet determined whether it will use sole source procedures.', 'unknown'),
    ('SOLE SOURCE [ ] YES [X] NO', 'unknown'),
    ('Justification: sole source – only Leica Biosystems can service the installed base.', 'sole_source'),
])
def test_form_fields_answered_no_are_not_statements(text, expected):
    assert reading(text)[0] == expected


@pytest.mark.parametrize("title", [
    "LSJ for AWPII Extension", "Single Source Justification - Microscope service", "JOFOC - Boiler repair",
    "Brand Name Justification: Cisco switches", "Non-Competitive Procurement of Esri licences",
    "Intent to Sole Source - Agilent maintenance", "Limited Sources Justification", "NOI - Sole Source",
])
def test_justification_and_intent_titles_decide(title):
    assert reading("", title=title)[0] == "sole_source"


def test_a_cue_followed_by_an_ordinary_noun_still_decides():
    assert reading("", title="C--Intent to Sole Source Facility Mechanical Design")[1] == [
        '"C--Intent to Sole Source Facility Mechanical Design"']


@pytest.mark.parametrize("text, expected", [
    ("Notice of Sole Source Award to Acme Corp. for calibration services.", "sole_source"),
    ("Notice of Set-Aside for, or Sole Source Award to, Women-Owned Small Business Concerns.", "unknown"),
])
def test_clause_titles_without_their_number(text, expected):
    assert reading(text)[0] == expected


@pytest.mark.parametrize("text, expected", [
    ('The J&A requirements of FAR 6.303 do not apply to this competitive acquisition.', 'unknown'),
    ('FAR 6.302-1 does not apply.', 'unknown'),
    ('Sole source justifications are not required for orders under this BPA because orders are competed.', 'unknown'),
    ('The J&A was approved by the Competition Advocate on 3 March 2025.', 'sole_source'),
])
def test_an_authority_that_does_not_apply(text, expected):
    assert reading(text)[0] == expected


def test_importing_the_source_registry_compiles_no_cue_pattern():
    import subprocess
    import sys
    code = ("import bot.sources, bot.statements as s; "
            "print(s.tables.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_the_anchor_gate_never_drops_a_match():
    """Every match of every cue branch and official label, on every corpus text, contains the anchor
    the reader looks for before running it (so skipping a branch whose anchor is absent changes nothing)."""
    import json
    from pathlib import Path

    from bot.eforms_labels import CODELIST_LABELS
    from bot.statements import fold, sentences, tables
    corpus = Path(__file__).parent / "fixtures" / "classify" / "corpus.jsonl"
    texts = ["\n".join(fold(s) for s in sentences(json.loads(line)["text"]))
             for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts += ["\n".join(fold(s) for s in sentences(label)) for labels in CODELIST_LABELS.values()
              for label in labels.values()]
    t = tables()
    for text in texts:
        for cue_set in (t.cues, t.title_cues):
            for pattern, _, _, anchors in cue_set.branches:
                for m in pattern.finditer(text):
                    assert not anchors or any(a in m.group() for a in anchors), (pattern.pattern, m.group())
        for word, rows in t.labels.items():
            for others, pattern, _ in rows:
                for m in pattern.finditer(text):
                    assert word in m.group() and all(o in m.group() for o in others), (pattern.pattern, m.group())
