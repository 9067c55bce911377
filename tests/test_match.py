"""Watchlist matching (DESIGN §7): bot/match.py."""

from decimal import Decimal

import pytest

from bot.config import Watchlist
from bot.match import Hit, Match, Matcher, normalize, vendor_key
from bot.notice import Notice

SAM_CBP = ["HOMELAND SECURITY, DEPARTMENT OF", "U.S. CUSTOMS AND BORDER PROTECTION", "OFFICE OF ACQUISITION"]


def notice(**kw) -> Notice:
    kw.setdefault("competition", "sole_source")
    return Notice(source=kw.pop("source", "sam"), native_id=kw.pop("native_id", "1"), **kw)


def names(matcher: Matcher, n: Notice) -> list[str]:
    return [m.watchlist for m in matcher.match(n)]


def only(matcher: Matcher, n: Notice) -> Match:
    got = matcher.match(n)
    assert len(got) == 1, got
    return got[0]


# --- normalisation ---------------------------------------------------------------------------

def test_normalize_casefolds_strips_accents_and_punctuation():
    assert normalize("Reconnaissance  FACIALE—Ça, l'été!") == " reconnaissance faciale ca l ete "
    assert normalize("") == "  "


def test_vendor_key_drops_legal_suffixes_and_leading_the():
    assert vendor_key("CLEARVIEW AI, INC.") == " clearview ai "
    assert vendor_key("The Acme Company Pty. Ltd.") == " acme "
    assert vendor_key("Foo Bar L.L.C.") == " foo bar "
    assert vendor_key("Company") == " company "  # never stripped to nothing


# --- keywords: accents, case, word boundaries --------------------------------------------------

def test_keyword_ignores_accents_and_case():
    m = Matcher([Watchlist("fr", keywords=("reconnaissance faciale",))])
    hit = only(m, notice(title="Marché: système de Reconnaissance Faciale")).hits[0]
    assert hit == Hit("keyword", "reconnaissance faciale", "title", "Reconnaissance Faciale")
    assert names(m, notice(title="RÉCONNAISSANCE faciale")) == ["fr"]
    assert names(m, notice(title="reconnaissance vocale")) == []


def test_keyword_needs_word_boundaries():
    m = Matcher([Watchlist("w", keywords=("facial recognition", "CBP"))])
    assert names(m, notice(title="facial recognitions software")) == []  # no stemming, by design
    assert names(m, notice(title="ACBPX widgets")) == []
    assert names(m, notice(title="Support for CBP-owned facial-recognition kit")) == ["w"]


def test_keyword_hits_description_but_not_vendor_name():
    m = Matcher([Watchlist("w", keywords=("drone",))])
    hit = only(m, notice(title="Services", description="Purchase of 4 Drones and a DRONE dock")).hits[0]
    assert (hit.field, hit.text) == ("description", "DRONE")
    assert names(m, notice(title="Services", vendor_name="Drone Corp")) == []


# --- vendors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("term,vendor,text", [
    ("Clearview AI", "CLEARVIEW AI, INC.", "CLEARVIEW AI"),
    ("Clearview AI Inc", "Clearview AI", "Clearview AI"),
    ("Clearview AI, L.L.C.", "clearview-ai llc", "clearview-ai"),
    ("The Clearview AI Company", "THE CLEARVIEW AI CORP.", "CLEARVIEW AI"),
])
def test_vendor_ignores_punctuation_and_legal_suffixes(term, vendor, text):
    m = Matcher([Watchlist("v", vendors=(term,))])
    assert only(m, notice(vendor_name=vendor)).hits == (Hit("vendor", term, "vendor_name", text),)


def test_vendor_is_not_matched_inside_another_name():
    m = Matcher([Watchlist("v", vendors=("Clearview AI",))])
    assert names(m, notice(vendor_name="Clearview AIR Services Inc")) == []
    assert names(m, notice(vendor_name="Unclearview AI")) == []


def test_vendor_named_in_intent_notice_text():
    m = Matcher([Watchlist("v", vendors=("Palantir Technologies Inc.",))])
    n = notice(kind="intent", title="Notice of intent to sole source",
               description="The agency intends to award to PALANTIR TECHNOLOGIES, INC. of Denver.")
    assert only(m, n).hits == (Hit("vendor", "Palantir Technologies Inc.", "description", "PALANTIR TECHNOLOGIES"),)


def test_vendor_id_matches_vendor_ids_exactly():
    m = Matcher([Watchlist("v", vendors=("uei:ABC123DEF456",))])
    hit = only(m, notice(vendor_ids=["cage:1XYZ9", "UEI:abc123def456"])).hits[0]
    assert hit == Hit("vendor", "uei:ABC123DEF456", "vendor_ids", "UEI:abc123def456")
    assert names(m, notice(vendor_ids=["uei:ABC123DEF4567"])) == []
    assert names(m, notice(vendor_ids=["cage:ABC123DEF456"])) == []
    assert names(m, notice(title="contract with uei ABC123DEF456")) == []  # ids never match text


# --- agencies --------------------------------------------------------------------------------

def test_agency_alias_matches_sam_path_level():
    m = Matcher([Watchlist("cbp", agencies=("CBP",), keywords=("surveillance",))])
    hits = only(m, notice(title="Surveillance towers", agency_path=SAM_CBP)).hits
    assert Hit("agency", "CBP", "agency_path", "CUSTOMS AND BORDER PROTECTION") in hits
    assert names(m, notice(title="Surveillance towers", agency_path=["IMMIGRATION AND CUSTOMS ENFORCEMENT"])) == []
    assert names(m, notice(title="Surveillance towers", agency_path=["ACBPX AGENCY"])) == []


def test_agency_alias_also_matches_acronym_and_dhs_department_form():
    m = Matcher([Watchlist("dhs", agencies=("dhs",)), Watchlist("cbp", agencies=("CBP",))])
    assert names(m, notice(agency_path=SAM_CBP)) == ["dhs", "cbp"]
    assert names(m, notice(agency_path=["DHS", "CBP"])) == ["dhs", "cbp"]
    assert names(m, notice(agency_path=["JUSTICE, DEPARTMENT OF"])) == []


def test_user_alias_extends_builtin():
    wl = [Watchlist("cbp", agencies=("CBP",))]
    n = notice(agency_path=["Border Patrol Sector HQ"])
    assert names(Matcher(wl), n) == []
    user = Matcher(wl, {"cbp": ("border patrol",)})
    assert only(user, n).hits == (Hit("agency", "CBP", "agency_path", "Border Patrol"),)
    assert names(user, notice(agency_path=SAM_CBP)) == ["cbp"]  # built-in kept


def test_agency_only_watchlist_matches_every_sole_source_notice_of_that_agency():
    m = Matcher([Watchlist("ice", agencies=("ICE",))])
    path = ["HOMELAND SECURITY, DEPARTMENT OF", "U.S. IMMIGRATION AND CUSTOMS ENFORCEMENT"]
    assert names(m, notice(title="Anything at all", agency_path=path)) == ["ice"]
    assert names(m, notice(title="Anything at all", agency_path=SAM_CBP)) == []
    assert names(m, notice(title="Anything", agency_path=path, competition="competed")) == []


def test_agency_filter_does_not_replace_keywords():
    m = Matcher([Watchlist("cbp", agencies=("CBP",), keywords=("surveillance",))])
    assert names(m, notice(title="Office supplies", agency_path=SAM_CBP)) == []


def test_keywords_do_not_match_agency_path():
    m = Matcher([Watchlist("w", keywords=("border",))])
    assert names(m, notice(title="Office supplies", agency_path=SAM_CBP)) == []


def test_agency_terms_do_not_match_title():
    m = Matcher([Watchlist("cbp", agencies=("CBP",))])
    assert names(m, notice(title="CBP customs and border protection", agency_path=["STATE, DEPARTMENT OF"])) == []


# --- filters ---------------------------------------------------------------------------------

def test_exclude_vetoes_match():
    m = Matcher([Watchlist("w", keywords=("surveillance",), exclude=("training", "Acme LLC"))])
    assert names(m, notice(title="Surveillance cameras")) == ["w"]
    assert names(m, notice(title="Surveillance cameras", description="Annual TRAINING course")) == []
    assert names(m, notice(title="Surveillance cameras", vendor_name="ACME, LLC")) == []
    assert m.explain(notice(title="Surveillance training"))["w"][-1] == Hit("exclude", "training", "title", "training")


def test_min_amount():
    m = Matcher([Watchlist("w", keywords=("drone",), min_amount=Decimal("10000"))])
    assert names(m, notice(title="drone", amount=Decimal("9999.99"))) == []
    assert names(m, notice(title="drone", amount=Decimal("10000"))) == ["w"]
    assert names(m, notice(title="drone", amount=None)) == ["w"]


def test_competition_filter_defaults_to_sole_source():
    m = Matcher([Watchlist("w", keywords=("drone",))])
    assert names(m, notice(title="drone", competition="competed")) == []
    assert names(m, notice(title="drone", competition="unknown")) == []
    assert names(m, notice(title="drone", competition="sole_source")) == ["w"]
    wide = Matcher([Watchlist("w", keywords=("drone",), competition=("sole_source", "limited"))])
    assert names(wide, notice(title="drone", competition="limited")) == ["w"]


def test_sources_filter():
    m = Matcher([Watchlist("w", keywords=("drone",), sources=("sam", "usaspending"))])
    assert names(m, notice(title="drone", source="usaspending")) == ["w"]
    assert names(m, notice(title="drone", source="ted")) == []


def test_sources_only_watchlist_matches_every_sole_source_notice_of_that_source():
    m = Matcher([Watchlist("ted", sources=("ted",)), Watchlist("kw", keywords=("drone",))])
    assert names(m, notice(title="Cleaning services", source="ted")) == ["ted"]
    assert names(m, notice(title="Cleaning services", source="sam")) == []
    assert names(m, notice(title="Cleaning", source="ted", competition="competed")) == []


def test_codes_filter_prefix_match():
    m = Matcher([Watchlist("w", keywords=("software",), codes=("naics:5415", "psc:R408"))])
    hits = only(m, notice(title="software", codes={"naics": ["541512"]})).hits
    assert hits == (Hit("keyword", "software", "title", "software"), Hit("code", "naics:5415", "codes", "541512"))
    assert names(m, notice(title="software", codes={"PSC": ["R408"]})) == ["w"]
    assert names(m, notice(title="software", codes={"psc": ["r4"]})) == []  # prefix of the term: no
    assert names(m, notice(title="software", codes={"naics": ["541611"], "cpv": ["5415"]})) == []
    assert names(m, notice(title="software")) == []


# --- several watchlists, hit reporting, prefilter -----------------------------------------------

def test_several_watchlists_match_one_notice_with_their_own_hits():
    m = Matcher([
        Watchlist("face", keywords=("facial recognition",)),
        Watchlist("clearview", vendors=("Clearview AI",)),
        Watchlist("drones", keywords=("drone",)),
        Watchlist("cbp", agencies=("CBP",)),
    ])
    n = notice(title="Facial Recognition licences", vendor_name="Clearview AI, Inc.", agency_path=SAM_CBP)
    got = {x.watchlist: x.hits for x in m.match(n)}
    assert got == {
        "face": (Hit("keyword", "facial recognition", "title", "Facial Recognition"),),
        "clearview": (Hit("vendor", "Clearview AI", "vendor_name", "Clearview AI"),),
        "cbp": (Hit("agency", "CBP", "agency_path", "CUSTOMS AND BORDER PROTECTION"),),
    }


def test_same_term_reported_once_per_field():
    m = Matcher([Watchlist("w", vendors=("Clearview AI",))])
    n = notice(title="Clearview AI licence", description="clearview ai, and again Clearview AI",
               vendor_name="CLEARVIEW AI INC")
    assert [(h.field, h.text) for h in only(m, n).hits] == [
        ("title", "Clearview AI"), ("description", "clearview ai"), ("vendor_name", "CLEARVIEW AI")]


def test_prefilter_ignores_description_and_filters():
    m = Matcher([Watchlist("w", keywords=("drone",), min_amount=Decimal(10**9), exclude=("toy",)),
                 Watchlist("a", agencies=("FBI",), codes=("naics:1",)),
                 Watchlist("i", vendors=("uei:XYZ",))])
    assert m.prefilter(notice(title="Drone toy", competition="competed", amount=Decimal(1)))
    assert m.prefilter(notice(agency_path=["FEDERAL BUREAU OF INVESTIGATION"]))
    assert m.prefilter(notice(vendor_ids=["uei:xyz"]))
    assert not m.prefilter(notice(title="Services", description="drone"))
    assert not m.prefilter(notice(title="toy", vendor_name="Drone Inc"))  # keywords skip vendor_name


def test_empty_matcher_and_empty_notice():
    assert Matcher([]).match(notice(title="x")) == []
    assert not Matcher([]).prefilter(notice(title="x"))
    assert Matcher([Watchlist("w", keywords=("x",))]).match(notice()) == []


def test_explain_lists_hits_regardless_of_verdict():
    m = Matcher([Watchlist("w", keywords=("drone",)), Watchlist("z", keywords=("zeppelin",))])
    got = m.explain(notice(title="Drone", competition="competed"))
    assert got == {"w": [Hit("keyword", "drone", "title", "Drone")], "z": []}
    assert m.match(notice(title="Drone", competition="competed")) == []


# --- the fast paths (bench/match.py) give the same answers as the general one -----------------

def test_normalize_folds_latin_runs_other_scripts_and_decomposed_input_alike():
    assert normalize("L’Été à PARIS, 2026") == " l ete a paris 2026 "
    assert normalize("Le\u0301te\u0301 ½ Straße") == " lete 1 2 strasse "  # decomposed é, ½, ß
    assert normalize("Σουηδία – Πακέτα ΛΟΓΙΣΜΙΚΟΥ") == " σουηδια πακετα λογισμικου "
    assert normalize("a\x00b\x01c_d") == " a b c d "


def test_hit_quotes_the_original_words_deep_in_accented_and_greek_text():
    m = Matcher([Watchlist("w", keywords=("reconnaissance faciale", "λογισμικού"))])
    long_text = "Préambule. " * 300 + "Système de RECONNAISSANCE   faciale — lot 2."
    hits = only(m, notice(description=long_text, title="Σουηδία – Πακέτα ΛΟΓΙΣΜΙΚΟΥ")).hits
    assert {(h.field, h.text) for h in hits} == {("description", "RECONNAISSANCE   faciale"),
                                                 ("title", "ΛΟΓΙΣΜΙΚΟΥ")}
