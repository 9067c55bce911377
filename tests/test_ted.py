"""TED Search API v3 source: real replies parsed, a local TED answering in TED's format end to end."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from conftest import NOW, fixture_json
from generic_source_helpers import HTTP_FAULTS, config, cursor, db, fault_drill, health, silent_port
from werkzeug import Response

from bot.classify import classify
from bot.config import SourceConfig
from bot.http import Http
from bot.sources.ted import Ted

SEARCH = "/v3/notices/search"
SYNTHETIC = "synthetic_ted_v3_search_neg_wo_call_veat_5_notices.json"


class FakeTed:
    """POST /v3/notices/search: the notices published on the queried day, `limit` a page, by token."""

    def __init__(self, server, notices: list[dict]):
        self.notices, self.bodies = notices, []
        server.expect_request(SEARCH, method="POST").respond_with_handler(self._search)

    def _search(self, request):
        body = json.loads(request.data)
        self.bodies.append(body)
        day = re.search(r"publication-date >= (\d{8})", body["query"]).group(1)
        rows = [n for n in self.notices if n["publication-date"][:10].replace("-", "") == day]
        start = int(body.get("iterationNextToken", "tok-0").split("-")[1])
        page = rows[start:start + body["limit"]]
        more = start + body["limit"] < len(rows)
        return Response(json.dumps({"notices": page, "totalNoticeCount": len(rows), "timedOut": False,
                                    "iterationNextToken": f"tok-{start + body['limit']}" if more else None}),
                        content_type="application/json")


def ted_config(tmp_path, base: str, extra: str = "") -> str:
    return config(tmp_path, f'[sources.ted]\nkind = "ted"\nbase_url = "{base}"\n'
                            f'languages = ["fra", "eng"]\n{extra}')


def source(languages=("eng",)) -> Ted:
    options = dict(Ted.OPTIONS, languages=list(languages))
    return Ted(SourceConfig("ted", "ted", options=options), Http(sleep=lambda s: None))


def parsed(name: str, languages=("eng",)):
    payload = fixture_json("ted", name)
    payload = payload if isinstance(payload, dict) else {"notices": payload}
    return {n.native_id: classify(n) for n in source(languages).parse(payload)}


def test_synthetic_direct_awards_carry_procedure_justification_buyer_winner_and_amount():
    notices = parsed(SYNTHETIC)
    assert len(notices) == 5
    assert {k for k, n in notices.items() if n.competition == "sole_source"} == {
        "100001-2026", "100002-2026", "100003-2026", "099005-2026"}
    assert notices["100004-2026"].competition == "competed"  # open procedure, same keyword
    rail = notices["100001-2026"]
    assert "procedure-type=neg-wo-call (Negotiated without prior call for competition)" in rail.competition_evidence
    assert "direct-award justification=exclusive (exclusive rights)" in rail.competition_evidence
    assert "notice type: veat (Voluntary ex-ante transparency notice)" in rail.competition_evidence
    assert (rail.kind, rail.agency_path, rail.vendor_name) == ("intent", ["Network Rail Infrastructure Ltd"],
                                                                "Dreicher and Sohne")
    assert (str(rail.amount), rail.currency, rail.posted_at) == ("5640000", "EUR", "2026-10-01")
    assert rail.codes["cpv"] == ["31214000"] and rail.url == "https://ted.europa.eu/en/notice/-/detail/100001-2026"
    italy = notices["100002-2026"]  # string shapes instead of one-element arrays; a result notice
    assert italy.kind == "award" and italy.vendor_name == "Trenitalia SpA" and str(italy.amount) == "4000000"
    assert "direct-award justification=unsuitable (no suitable tenders in previous procedure)" in italy.competition_evidence
    assert notices["099005-2026"].vendor_name == "Direct Healthcare Services Ltd; Harvest Healthcare Ltd; Invacare Ltd"


@pytest.mark.parametrize("form_type, kind", [("result", "award"), ("competition", "tender"), ("planning", "tender"),
                                             ("dir-awa-pre", "intent"), ("cont-modif", "modification"),
                                             ("change", "other")])
def test_form_type_decides_the_kind_when_notice_type_is_absent(form_type, kind):
    notice = {"publication-number": "123456-2026", "form-type": form_type, "notice-title": {"eng": "x"}}
    assert source().parse({"notices": [notice]})[0].kind == kind


def test_preferred_language_is_shown_and_every_language_kept_for_matching():
    english = parsed(SYNTHETIC, ("eng",))["100002-2026"]
    assert english.title.startswith("Servizio di prove funzionali")  # title-proc exists only in Italian
    assert "Rail transport services" in english.description and "Soggetto omologato" in english.description
    french = parsed(SYNTHETIC, ("fra", "eng"))["100001-2026"]
    assert french.title == "5,640,000"  # the original title, then the other languages in the description
    assert "Royaume-Uni – Interrupteurs" in french.description
    assert parsed(SYNTHETIC, ("fra", "eng"))["100003-2026"].url == "https://ted.europa.eu/fr/notice/-/detail/100003-2026"


def test_real_replies_are_parsed_without_inventing_a_verdict():
    sweden = parsed("ted_v3_search_response_SE_it_notices_5of115.json")
    assert len(sweden) == 5 and {n.competition for n in sweden.values()} == {"unknown"}
    assert sweden["449657-2026"].posted_at == "2026-07-01"
    estimated = [n for n in sweden.values() if n.amount is not None]
    assert sorted((str(n.amount), n.currency) for n in estimated) == [("18000000", "SEK"), ("2000000", "SEK")]
    austria = parsed("ted_v3_search_response_AT_cn_TRIMMED_1of5_full_links.json")["690555-2026"]
    assert austria.kind == "tender" and austria.agency_path == ["Magistrat der Stadt Wien - Magistratsabteilung 9"]
    assert parsed("ted_v3_search_response_AT_cn_TRIMMED_1of5_full_links.json", ("fra",))["690555-2026"].url \
        == "https://ted.europa.eu/fr/notice/-/detail/690555-2026"
    germany = parsed("ted_v3_notice_objects_DE_cn_restricted_and_can_standard_with_winners.json")
    assert germany["479730-2026"].competition == "competed"  # restricted
    worms = germany["291981-2026"]
    assert worms.competition == "competed" and worms.kind == "award"
    assert worms.vendor_name == "Wach- und Werkschutz Kurt Strube GmbH; AWD-Gebäudedienste"
    assert worms.vendor_ids == ["company:DE117335997", "company:DE 423 962 710"]  # unaligned arrays kept apart
    assert (str(worms.amount), worms.currency) == ("537287.72", "EUR")  # three lot values as strings


def test_french_keyword_alerts_the_veat_with_buyer_and_winner_not_the_open_procedure(
        make_app, httpserver, tmp_path, capsys):
    FakeTed(httpserver, fixture_json("ted", SYNTHETIC)["notices"])
    text = ted_config(tmp_path, httpserver.url_for("").rstrip("/")).replace(
        '"reconnaissance faciale"', '"SYSTEME DE RECONNAISSANCE FACIALE"')
    assert make_app(text=text).once() == 0
    out = capsys.readouterr().out
    assert "Acquisition d'un Système de Reconnaissance Faciale pour la police municipale" in out
    assert "Agency:   Ville d'Exempleville" in out and "Vendor:   Exemple Vision SAS" in out
    assert "EUR 1,250,000" in out and "procedure-type=neg-wo-call" in out
    assert "direct-award justification=technical" in out
    assert 'keyword "SYSTEME DE RECONNAISSANCE FACIALE" in title' in out
    assert "Maintenance du système de reconnaissance faciale" not in out  # open procedure


def test_one_day_at_a_time_with_iteration_tokens_and_overlap(make_app, httpserver, tmp_path):
    ted = FakeTed(httpserver, fixture_json("ted", SYNTHETIC)["notices"])
    text = ted_config(tmp_path, httpserver.url_for("").rstrip("/"), "limit = 2\nlookback_days = 2")
    make_app(text=text).once()
    days = [re.findall(r"publication-date [<>]= (\d{8})", b["query"]) for b in ted.bodies]
    assert [d[0] for d in days] == ["20260930", "20261001", "20261001", "20261002"]
    assert all(d[0] == d[1] for d in days)  # one publication day per query
    first = ted.bodies[0]
    assert first["paginationMode"] == "ITERATION" and "iterationNextToken" not in first
    assert first["query"].startswith("(procedure-type = neg-wo-call OR notice-type = veat) AND ")
    assert "procedure-type" in first["fields"] and len(first["fields"]) * 250 <= 10000
    assert [b.get("iterationNextToken") for b in ted.bodies[1:3]] == [None, "tok-2"]  # 4 notices that day
    assert db(tmp_path).execute("select count(*) from notices").fetchone()[0] == 5
    assert cursor(tmp_path, "ted") == {"done_to": "2026-10-02"}
    ted.bodies.clear()
    make_app(text=text, clock=lambda: NOW + timedelta(days=1)).once()
    assert [re.search(r">= (\d{8})", b["query"]).group(1) for b in ted.bodies] == [
        "20261001", "20261001", "20261002", "20261003"]  # re-reads the day before the last


def test_timed_out_reply_fails_the_poll_and_keeps_the_cursor(make_app, httpserver, tmp_path, caplog):
    httpserver.expect_oneshot_request(SEARCH).respond_with_json(
        {"notices": [], "totalNoticeCount": None, "iterationNextToken": None, "timedOut": True})
    assert make_app(text=ted_config(tmp_path, httpserver.url_for("").rstrip("/"))).once() == 2
    assert "timed out (results incomplete)" in health(tmp_path, "ted")["last_error"]
    assert cursor(tmp_path, "ted") is None


FAULTS = dict(HTTP_FAULTS) | {
    "malformed json": (lambda: Response('{"notices": [{"publication-number": "1-2026"', content_type="application/json"),
                       "malformed JSON"),
    "truncated body": (lambda: Response(json.dumps(fixture_json("ted", SYNTHETIC))[:700],
                                        content_type="application/json"), "malformed JSON"),
    "400 unknown field": (lambda: Response('{"message":"Validation error","error":[{"field":"fields",'
                                           '"message":"QUERY_UNKNOWN_FIELD"}]}', status=400,
                                           content_type="application/json"), "QUERY_UNKNOWN_FIELD"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_is_recorded_cursor_kept_and_recovery_alerts_once(fault, make_app, httpserver, tmp_path,
                                                                 capsys, caplog):
    respond, message = FAULTS[fault]
    httpserver.expect_oneshot_request(SEARCH).respond_with_handler(lambda request: respond())
    text = ted_config(tmp_path, httpserver.url_for("").rstrip("/"))
    fault_drill(make_app, text, "ted", tmp_path, capsys, caplog, message,
                lambda: FakeTed(httpserver, fixture_json("ted", SYNTHETIC)["notices"]),
                "Acquisition d'un Système de Reconnaissance Faciale")


def test_timeout_is_one_clear_error(make_app, tmp_path, caplog):
    with silent_port() as port:
        app = make_app(text=ted_config(tmp_path, f"http://127.0.0.1:{port}"), timeout=0.2)
        assert app.once() == 2
    assert "timed out after 0.2s" in health(tmp_path, "ted")["last_error"]
    assert cursor(tmp_path, "ted") is None


def test_raw_record_keeps_the_keys_in_the_order_received():
    records = fixture_json("ted", SYNTHETIC)
    records = records["notices"] if isinstance(records, dict) else records
    for record, notice in zip(records, source().parse({"notices": records})):
        assert list(json.loads(notice.raw)) == list(record) != sorted(record)


def _plain_values(field) -> list[str]:
    """Every string of a field, read the straightforward way (what ted._values must give)."""
    from bot.sources.fields import text
    if isinstance(field, dict):
        return [v for value in field.values() for v in _plain_values(value)]
    if isinstance(field, list):
        return [v for value in field for v in _plain_values(value)]
    return [text(field)] if text(field) else []


def _plain_in_order(field, langs: list[str]) -> list[str]:
    """All values, preferred languages first, by a sort on each key's place (what ted._in_order must give)."""
    if not isinstance(field, dict):
        return _plain_values(field)
    order = [*langs, "mul"]
    keys = sorted(field, key=lambda k: order.index(k.lower()) if k.lower() in order else len(order))
    return [v for k in keys for v in _plain_values(field[k])]


def _recorded_notices() -> list[dict]:
    """Every notice of the recorded replies: ours, and ../shared/realworld's read in place."""
    from pathlib import Path
    here = Path(__file__).parent
    pages = sorted(here.joinpath("fixtures", "ted").glob("*.json"))
    pages += sorted(here.parents[1].joinpath("shared", "realworld", "payloads", "ted").glob("*.json"))
    notices = []
    for page in pages:
        payload = json.loads(page.read_bytes())
        notices += payload["notices"] if isinstance(payload, dict) else payload
    return notices


LANGUAGE_CHOICES = (["eng"], ["fra", "eng"], ["swe"], ["ita", "ITA", "deu"], [])
ODD_FIELDS = ({"ENG": ["b", " "], "fra": "a", "eng": "c", "MUL": ["m"], "xx": {"yy": [None, 3, "null", "d"]}},
              ["x", ["y", {"eng": "z"}], None, True], " null ", 12.5, {})


def test_values_and_language_order_match_the_straightforward_reads_on_every_recorded_field():
    from bot.sources.ted import _first, _in_order, _values
    fields = [v for n in _recorded_notices() for v in n.values()] + list(ODD_FIELDS)
    for field in fields:
        assert _values(field) == _plain_values(field)
        assert _first(field) == (_plain_values(field) or [""])[0]
        for langs in LANGUAGE_CHOICES:
            assert _in_order(field, langs) == _plain_in_order(field, langs), (field, langs)
    assert len(fields) > 200
    assert _in_order(ODD_FIELDS[0], ["fra", "eng"]) == ["a", "b", "c", "m", "3", "d"]


def test_title_and_description_read_as_before_in_every_language_choice():
    from bot.sources.fields import html_to_text
    for langs in LANGUAGE_CHOICES:
        for record, notice in zip(_recorded_notices(), source(langs).parse({"notices": _recorded_notices()})):
            titles = [_plain_in_order(record.get(f), langs) for f in ("title-proc", "notice-title")]
            shown = next((html_to_text(t[0]) for t in titles if t and html_to_text(t[0])), "")
            texts = [*_plain_in_order(record.get("description-proc"), langs),
                     *_plain_in_order(record.get("direct-award-justification-text-proc"), langs),
                     *titles[0], *titles[1]]
            kept = [t for t in dict.fromkeys(html_to_text(t) for t in texts) if t and t != shown]
            assert (notice.title, notice.description) == (shown, "\n\n".join(kept))
