"""The reader's shortcuts give what the plain reading gives (issue 12: faster, same output)."""

from __future__ import annotations

import json
from pathlib import Path

from bot import classify, statements

CORPUS = Path(__file__).parent / "fixtures" / "classify" / "corpus.jsonl"
RECORDS = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def _fields(reading: statements.Reading) -> tuple:
    return reading.quotes, reading.cues, reading.cue_text, reading.discounted


def test_a_kept_reading_is_the_fresh_one_and_a_changed_copy_changes_no_later_reading():
    statements.tables.cache_clear()
    for r in RECORDS:
        statements.tables().texts.clear()
        fresh = _fields(statements._read(r["title"], r["text"], False))
        statements.tables().texts.clear()
        statements.read("Notice of another title", r["text"])  # the description's sentences kept, not the title's
        statements.read(r["title"], "")
        first = statements.read(r["title"], r["text"])
        assert _fields(first) == fresh
        first.quotes.append('"changed by the caller"')
        first.discounted.append("changed by the caller")
        assert _fields(statements.read(r["title"], r["text"])) == fresh
    assert sum(bool(statements.read(r["title"], r["text"]).quotes) for r in RECORDS) >= 50


def test_the_readings_kept_are_bounded_and_a_long_text_is_not_kept():
    statements.tables.cache_clear()
    for n in range(statements.READINGS_KEPT + 10):
        statements.read(f"Sole source notice {n}", "")
    long = "This is a sole source award to Acme Corp. " * (statements.KEPT_CHARS // 40)
    assert statements.read("", long).decided
    kept = statements.tables().readings
    assert len(kept) == statements.READINGS_KEPT and ("", long, False) not in kept
    assert len(statements.tables().texts) == statements.READINGS_KEPT and long not in statements.tables().texts
    statements.tables.cache_clear()


def _plain_sentences(text: str) -> list[str]:
    """statements.sentences without its shortcuts: every text split, every piece's end searched."""
    out: list[str] = []
    for piece in statements.SENTENCE_END.split(text):
        piece = " ".join(piece.split())
        pos = max(0, len(out[-1]) - statements.END_MATCH) if out else 0
        if out and (statements.ABBREVIATION.search(out[-1], pos) or (
                piece[:1].isdigit() and statements.SHORT_WORD_END.search(out[-1], pos))):
            out[-1] = f"{out[-1]} {piece}"
        elif piece:
            out.append(piece)
    return out


def test_sentences_split_as_without_the_shortcuts():
    texts = [r[k] for r in RECORDS for k in ("title", "text")]
    texts += ["Sole source to Acme Inc. of Boston", "Awarded under FAR 6.302-1\nto the U.S. Army", "No. 5 applies",
              "Is it sole source? Yes!  It is.", "art. 116 ЗОП", "one line\n\n\nanother", "\n \n", "", "x.)  \n\n Y",
              "a.\u00a0B", 'Ends with Inc." Next one', "tabs\tand_underscores_only"]
    assert all(statements.sentences(t) == _plain_sentences(t) for t in texts)


def _plain_lookup(rule, value: str):
    """classify.lookup as it was: every code of the table folded and compared in turn."""
    for code, row in rule.table.items():
        if value.casefold() == code.casefold() or (rule.prefix and value.casefold().startswith(code.casefold())):
            return row
    return rule.any_value, "unknown code"


def test_code_lookups_are_the_plain_ones():
    for key, rule in classify.RULES.items():
        tried = [v for code in rule.table for v in (code, code.lower(), code.upper(), code + " (amended)", "x" + code)]
        for value in tried + ["", "unknown", "Justification and Approval", "VEAT", "25 - VEAT"]:
            assert classify.lookup(key, value) == _plain_lookup(rule, value), (key, value)


def test_code_values_are_the_plain_ones():
    def plain(codes: dict, key: str) -> list[str]:
        raw = codes.get(key) or []
        raw = [raw] if isinstance(raw, str) else raw
        return [str(v).strip() for v in raw if v is not None and str(v).strip().upper() not in classify.BLANK]
    for raw in (None, "", [], "A", " c ", ["A", None, " n/a ", "NULL", 3, " NDO", ""], [None], ("x", "none"), [0, 1.5]):
        assert classify.values({"k": raw}, "k") == plain({"k": raw}, "k")
    assert classify.values({}, "k") == []


def test_a_branch_is_gated_by_a_later_group_only_when_every_match_passes_through_it():
    from bot.cue_patterns import _starts
    assert _starts(r"d\s+(?:protect\s+rights|exclusive\s+rights?)\b") == {"protect", "exclusive"}
    assert _starts(r"§\s*63\b.{0,30}?(?:zzvz|z[aa]kona\s+[cc]\.\s*134/2016)") == {"zzvz", "134/2016"}
    for skippable in (r"d\s+(?:protect|exclusive)?\b", r"d\s+(?:protect|exclusive)*", r"d\s+(?:protect|exclusive){0,2}",
                      r"d\s+(?=protect|exclusive)", r"d\s+(?!protect|exclusive)", r"d\s+(?:protect|ex)",
                      r"d\s+(?P<x>protect)"):
        assert _starts(skippable) == frozenset(), skippable
    # a leading group a quantifier lets be skipped gives no start: the branch is gated by what follows it
    assert _starts(r"(?:protect\s+(?:the\s+)?)?exclusive\s+rights") == {"exclusive"}
    assert _starts(r"(?:protect|guard)*\s*exclusive\s+rights") == {"exclusive"}
    assert _starts(r"(?:protect\s+){0,2}rights") == {"rights"}
    assert _starts(r"(?:protect\(|guarded)\s+of") == {"protect(", "guarded"}  # an escaped ( opens no group
    t = statements.tables()
    assert [t.cues.branches[n][0].pattern for n in t.cues.always] == [r"j\s*&\s*a\b"]
    for text, label in (("d exclusive rights are held by the vendor", "eForms or TED code"),
                        ("the d protect rights clause", "eForms or TED code"),
                        ("§ 63 odst. 3 zzvz", "national article of the negotiated procedure without publication")):
        [[(_, _, found)]] = statements._cue_spans([text], t.cues, statements._statements(text)[1], t.labels)
        assert found == label
