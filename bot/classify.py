"""Competition verdict for a Notice (DESIGN §5): sole_source, limited, competed or unknown. Pure.

Reads `notice.codes` (each a list of strings, as published) under these keys:
  extent_competed           FPDS/Contract Awards/USAspending extentCompeted (A, C, NDO, ...)
  reason_not_competed       reasonNotCompeted / otherThanFullAndOpenCompetition (ONE, UNQ, ...)
  solicitation_procedures   solicitationProcedures (SSS, NP, ...)
  fair_opportunity          statutoryExceptionToFairOpportunity / fair_opportunity_limited
  set_aside                 typeOfSetAside (8AN, HZS, ..., NONE)
  justification_authority   SAM J&A authority, "Stauth" (far1 ... far13, brand)
  notice_type               SAM `type` label ("Justification", "Special Notice", ...), eForms notice
                            type (veat), UK FTS UK5, CanadaBuys "Advance Contract Award Notice"
  notice_subtype            eForms notice type / form type / subtype (veat, dir-awa-pre, 25-28)
  procedure                 OCDS procurementMethod (direct, limited, open, selective), eForms
                            procedure-type (neg-wo-call, open, restricted, ...), CanadaBuys method
  procedure_details         OCDS procurementMethodDetails free text ("Single tender action ...")
  direct_award_justification  eForms BT-136 codes (exclusive, technical, urgency, ...)
  limited_tender_reason     CanadaBuys limitedTenderingReason, AusTender limitedTenderReason(Code)
plus cues quoted from `title` and `description`.

Precedence: the codes decide first; sole-source evidence beats limited, limited beats competed,
and conflicting evidence is all listed. Text cues only ever make `sole_source`, and only when the
codes are silent or say `limited` (text never overrides a coded `competed`). Competitive wording in
text ("full and open competition") decides nothing. The text is read one statement at a time by
`statements.read` (cues in `cues.py` and `cues_eu.py`): the first sentence that states sole source
is the evidence; negated cues, clause titles, form labels, past contracts, hedges, idioms and
sources-sought context are discounted and listed by `explain`. When nothing decides, the verdict
and evidence the source already set are kept. New sources add codes by adding table rows, not code.
"""

from __future__ import annotations

import functools
import re
from types import ModuleType
from typing import TYPE_CHECKING, NamedTuple

from bot.notice import Notice

if TYPE_CHECKING:
    from bot.statements import Reading

SOLE, LIMITED, COMPETED = "sole_source", "limited", "competed"
RANK = {SOLE: 0, LIMITED: 1, COMPETED: 2}
BLANK = {"", "NULL", "NONE", "N/A", "NA", "NOT APPLICABLE"}

# Each table: code as published -> (verdict or None, label shown in the evidence).
EXTENT_COMPETED = {
    "A": (COMPETED, "Full and Open Competition"), "B": (SOLE, "Not Available for Competition"),
    "C": (SOLE, "Not Competed"), "D": (COMPETED, "Full and Open Competition after Exclusion of Sources"),
    "E": (COMPETED, "Follow On to Competed Action"), "F": (COMPETED, "Competed under SAP"),
    "G": (SOLE, "Not Competed under SAP"), "CDO": (COMPETED, "Competitive Delivery Order"),
    "NDO": (SOLE, "Non-Competitive Delivery Order"),
}
REASON_NOT_COMPETED = {  # any value, known or not, means sole source
    "UNQ": (SOLE, "Unique Source, FAR 6.302-1(b)(1)"),
    "FOC": (SOLE, "Follow-On Contract, FAR 6.302-1(a)(2)(ii/iii)"),
    "UR": (SOLE, "Unsolicited Research Proposal, FAR 6.302-1(a)(2)(i)"),
    "PDR": (SOLE, "Patent or Data Rights, FAR 6.302-1(b)(2)"),
    "UT": (SOLE, "Utilities, FAR 6.302-1(b)(3)"), "STD": (SOLE, "Standardization, FAR 6.302-1(b)(4)"),
    "ONE": (SOLE, "Only One Source-Other, FAR 6.302-1"),
    "BND": (SOLE, "Brand Name Description, FAR 6.302-1(c)"), "URG": (SOLE, "Urgency, FAR 6.302-2"),
    "MES": (SOLE, "Mobilization, Essential R&D, FAR 6.302-3"),
    "IA": (SOLE, "International Agreement, FAR 6.302-4"),
    "OTH": (SOLE, "Authorized by Statute, FAR 6.302-5(a)(2)(i)"),
    "RES": (SOLE, "Authorized Resale, FAR 6.302-5(a)(2)(ii)"),
    "NS": (SOLE, "National Security, FAR 6.302-6"), "PI": (SOLE, "Public Interest, FAR 6.302-7"),
    "MPT": (SOLE, "Less than or equal to the Micro-Purchase Threshold"),
    "SP2": (SOLE, "SAP Non-Competition, FAR 13"),
}
SOLICITATION_PROCEDURES = {
    "NP": (None, "Negotiated Proposal/Quote"), "SB": (None, "Sealed Bid"), "TS": (None, "Two Step"),
    "SP1": (None, "Simplified Acquisition"), "AE": (None, "Architect-Engineer FAR 6.102"),
    "BR": (None, "Basic Research"), "AS": (None, "Alternative Sources"),
    "SSS": (SOLE, "Only One Source"), "MAFO": (None, "Subject to Multiple Award Fair Opportunity"),
}
FAIR_OPPORTUNITY = {
    "URG": (SOLE, "Urgency, FAR 16.505(b)(2)(i)(A)"),
    "ONE": (SOLE, "Only One Source - Other, FAR 16.505(b)(2)(i)(B)"),
    "FOO": (SOLE, "Follow-on Action Following Competitive Initial Action, FAR 16.505(b)(2)(i)(C)"),
    "MG": (SOLE, "Minimum Guarantee, FAR 16.505(b)(2)(i)(D)"),
    "OSA": (SOLE, "Other Statutory Authority, FAR 16.505(b)(2)(i)(E)"), "SS": (SOLE, "Sole Source"),
    "FAIR": (COMPETED, "Fair Opportunity Given"), "CSA": (COMPETED, "Competitive Set Aside"),
}
SET_ASIDE = {
    "8AN": (SOLE, "8(a) Sole Source"), "HZS": (SOLE, "HUBZone Sole Source"),
    "SDVOSBS": (SOLE, "SDVOSB Sole Source"), "WOSBSS": (SOLE, "WOSB Program Sole Source"),
    "EDWOSBSS": (SOLE, "EDWOSB Program Sole Source"), "VSS": (SOLE, "Veteran-Owned Sole Source (VA)"),
    "SBA": (None, "Total Small Business Set-Aside"), "SBP": (None, "Partial Small Business Set-Aside"),
    "8A": (None, "8(a) Set-Aside"), "HZC": (None, "HUBZone Set-Aside"),
    "SDVOSBC": (None, "SDVOSB Set-Aside"), "WOSB": (None, "WOSB Program Set-Aside"),
    "EDWOSB": (None, "EDWOSB Program Set-Aside"), "LAS": (None, "Local Area Set-Aside"),
    "IEE": (None, "Indian Economic Enterprise Set-Aside"), "BICIV": (None, "Buy Indian Set-Aside"),
    "ISBEE": (None, "Indian Small Business Economic Enterprise Set-Aside"),
    "VSA": (None, "Veteran-Owned Small Business Set-Aside"),
}
JUSTIFICATION_AUTHORITY = {
    "far1": (SOLE, "Only one responsible source, FAR 6.302-1"),
    "brand": (SOLE, "Brand name, FAR 6.302-1(c)"),
    "far2": (SOLE, "Unusual and compelling urgency, FAR 6.302-2"),
    "far3": (SOLE, "Industrial mobilization, R&D or expert services, FAR 6.302-3"),
    "far4": (SOLE, "International agreement, FAR 6.302-4"),
    "far5": (SOLE, "Authorized or required by statute, FAR 6.302-5"),
    "far6": (SOLE, "National security, FAR 6.302-6"), "far7": (SOLE, "Public interest, FAR 6.302-7"),
    "far13": (SOLE, "Simplified procedures for one source, FAR 13.501"),
}
NOTICE_TYPES = {  # matched as case-insensitive prefixes of the published label
    "Justification": (SOLE, "J&A"), "veat": (SOLE, "Voluntary ex-ante transparency notice"),
    "dir-awa-pre": (SOLE, "Direct award prenotification (VEAT)"),
    "25": (SOLE, "VEAT, Directive 2014/24"), "26": (SOLE, "VEAT, Directive 2014/25"),
    "27": (SOLE, "VEAT, Directive 2014/23"), "28": (SOLE, "VEAT, Directive 2009/81"),
    "UK5": (SOLE, "Transparency notice: intention to award directly"),
    "Advance Contract Award Notice": (SOLE, "ACAN: intent to sole-source"),
}
PROCEDURES = {
    "neg-wo-call": (SOLE, "Negotiated without prior call for competition"),
    "direct": (SOLE, "Direct award to a single supplier"),
    "limited": (LIMITED, "Limited: buyer contacts suppliers of its choice"),
    "open": (COMPETED, "Open"), "selective": (COMPETED, "Selective"),
    "restricted": (COMPETED, "Restricted"), "comp-dial": (COMPETED, "Competitive dialogue"),
    "neg-w-call": (COMPETED, "Negotiated with prior call for competition"),
    "innovation": (COMPETED, "Innovation partnership"), "comp-tend": (COMPETED, "Competitive tendering"),
    "oth-single": (None, "Other single stage procedure"),
    "oth-mult": (None, "Other multiple stage procedure"),
    "Advance contract award notice": (SOLE, "ACAN"), "TN": (SOLE, "Non-competitive (Canada)"),
    "AC": (SOLE, "ACAN (Canada)"), "Competitive - Open bidding": (COMPETED, "Open bidding"),
    "Competitive - Selective tendering": (COMPETED, "Selective tendering"),
    "OB": (COMPETED, "Open bidding (Canada)"), "ST": (COMPETED, "Selective tendering (Canada)"),
    "TC": (COMPETED, "Traditional competitive (Canada)"),
}
DIRECT_AWARD_JUSTIFICATION = {  # any value, known or not, means sole source (eForms BT-136)
    "exclusive": (SOLE, "exclusive rights"), "technical": (SOLE, "no competition for technical reasons"),
    "artistic": (SOLE, "unique work of art"), "urgency": (SOLE, "extreme urgency"),
    "crisis": (SOLE, "crisis urgency"), "additional": (SOLE, "additional works by original contractor"),
    "repetition": (SOLE, "repetition of existing works or services"),
    "existing": (SOLE, "extension of existing supplies by original supplier"),
    "irregular": (SOLE, "only irregular tenders in previous procedure"),
    "unsuitable": (SOLE, "no suitable tenders in previous procedure"),
    "commodity": (SOLE, "commodity market"), "bargain": (SOLE, "bargain purchase"),
    "closure": (SOLE, "supplier winding up"), "liquidator": (SOLE, "purchase from liquidator"),
    "contest": (SOLE, "winner of design contest"), "rd": (SOLE, "research and development"),
    "resd": (SOLE, "pure research"), "in-house": (SOLE, "in-house award"),
    "other-exclusive": (SOLE, "other exclusive rights"), "sc-right": (SOLE, "exclusive right"),
    "below-thres": (SOLE, "below procurement thresholds"), "int-oper": (SOLE, "internal operator"),
}


class Rule(NamedTuple):
    """How one codes key is read: evidence lead-in, table, verdict for any value, prefix match."""

    shown_as: str
    table: dict[str, tuple[str | None, str]]
    any_value: str | None = None
    prefix: bool = False


RULES = {
    "extent_competed": Rule("extentCompeted=", EXTENT_COMPETED),
    "reason_not_competed": Rule("reasonNotCompeted=", REASON_NOT_COMPETED, SOLE),
    "solicitation_procedures": Rule("solicitationProcedures=", SOLICITATION_PROCEDURES),
    "fair_opportunity": Rule("fairOpportunity=", FAIR_OPPORTUNITY),
    "set_aside": Rule("typeOfSetAside=", SET_ASIDE),
    "justification_authority": Rule("justificationAuthority=", JUSTIFICATION_AUTHORITY),
    "notice_type": Rule("notice type: ", NOTICE_TYPES, prefix=True),
    "notice_subtype": Rule("notice type: ", NOTICE_TYPES, prefix=True),
    "procedure": Rule("procedure-type=", PROCEDURES),
    "direct_award_justification": Rule("direct-award justification=", DIRECT_AWARD_JUSTIFICATION, SOLE),
    "limited_tender_reason": Rule("limited-tender reason=", {}, SOLE),
}
FOLDED_CODES = {key: tuple((code.casefold(), row) for code, row in rule.table.items()) for key, rule in RULES.items()}

AUTHORITY = re.compile(r"\bFAR\s+(?:part\s+)?(6\.302-[1-7]|6\.103-[1-7]|13\.106-1\(b\)|13\.501|8\.405-6"
                       r"|16\.505\(b\)\(2\))((?:\([a-z0-9]+\))*)", re.IGNORECASE)
SEEKS_SOURCES = ("sources sought", "request for information", "rfi")


@functools.cache
def statements() -> ModuleType:
    """bot.statements, imported on the first reading: the cue tables load on first use, not with every
    source module (an import statement in each reading function cost 0.5 µs a call)."""
    from bot import statements as module
    return module


def classify(notice: Notice) -> Notice:
    """Return a copy with `competition` and `competition_evidence` set."""
    coded = sorted(coded_evidence(notice.codes), key=lambda item: RANK[item[0]])
    verdict = coded[0][0] if coded else None
    evidence = [text for _, text in coded]
    if verdict in (None, LIMITED, SOLE) and (reading := explain(notice)).decided:  # a coded `competed` reads no text
        verdict = SOLE
        evidence += reading.quotes + cited_authorities(notice.title, notice.description)
    if verdict is None:
        return notice.replace()
    evidence += offers_evidence(notice.codes, verdict)
    return notice.replace(competition=verdict, competition_evidence=list(dict.fromkeys(evidence)))


def explain(notice: Notice) -> Reading:
    """The text reading of a notice: its deciding sentences and the cues discounted, with reasons.

    The notice type is the prior: in a Sources Sought or RFI notice a cue counts only when it
    states an intended award (coded types such as J&A, VEAT, UK5 and ACAN decide in the tables)."""
    notice_type = " ".join(values(notice.codes, "notice_type")).casefold()
    return statements().read(notice.title, notice.description, seeks_sources=notice_type.startswith(SEEKS_SOURCES))


def offers_evidence(codes: dict, verdict: str) -> list[str]:
    """The offer count as context; one offer on a competed action is flagged as one-bid competition."""
    offers = values(codes, "offers_received")
    if not offers or not offers[0].isdigit():
        return []
    count = int(offers[0])
    text = f"{count} offer{'' if count == 1 else 's'} received"
    return [f"one-bid competition ({text})" if verdict == COMPETED and count == 1 else text]


def coded_evidence(codes: dict) -> list[tuple[str, str]]:
    """(verdict, evidence) for every code that decides something, in key order."""
    found = []
    for key, rule in RULES.items():
        for value in values(codes, key) if key in codes else ():  # most records carry two or three keys
            verdict, label = lookup(key, value)
            if verdict:
                found.append((verdict, f"{rule.shown_as}{value} ({label})"))
    for value in values(codes, "procedure_details"):
        if (reading := statements().read("", value)).decided:
            found.append((SOLE, f"procedure details: {reading.quotes[0]}"))
    return found


def values(codes: dict, key: str) -> list[str]:
    """The non-blank values under one codes key (a list, a lone string or nothing)."""
    raw = codes.get(key)
    if not raw:  # most keys, on most records
        return []
    return [text for v in ([raw] if isinstance(raw, str) else raw)
            if v is not None and (text := str(v).strip()).upper() not in BLANK]


def lookup(key: str, value: str) -> tuple[str | None, str]:
    """(verdict, label) for one value under a codes key; unknown codes get "(unknown code)"."""
    rule, folded = RULES[key], value.casefold()
    for code, row in FOLDED_CODES[key]:
        if folded == code or (rule.prefix and folded.startswith(code)):
            return row
    return rule.any_value, "unknown code"


def cited_authorities(*texts: str) -> list[str]:
    """`authority cited: FAR 6.302-1` for each FAR sole-source authority named in the text."""
    found = {f"FAR {m.group(1)}{m.group(2)}" for t in texts for m in AUTHORITY.finditer(t or "")}
    return [f"authority cited: {a}" for a in sorted(found)]


def text_evidence(text: str) -> list[str]:
    """Every quoted sentence of `text` that states sole source on its own (to quote an attachment:
    the deciding sentence may be a heading, and the quote should be the one that says why)."""
    reader = statements()
    return [quote for sentence in reader.sentences(text or "") for quote in reader.read("", sentence).quotes]


def sole_source_cue(text: str) -> str | None:
    """The quoted sentence of `text` that states sole source, or None (used to screen titles)."""
    reading = statements().read(text, "")
    return reading.quotes[0] if reading.decided else None
