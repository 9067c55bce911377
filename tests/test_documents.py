"""Attachments (bot/documents.py): a J&A whose PDF alone names the vendor and the justification, read
through the real pipeline from a local SAM.gov, alerted with the quoted sentence and found by search."""

from __future__ import annotations

import copy
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import NOW, FakeSam
from test_flags import CLEARVIEW_JA

from bot import documents, evidence
from bot.cli import main
from bot.store import Database

JUSTIFICATION = ("Justification for other than full and open competition. "
                 "Clearview AI, Inc. is the only one responsible source that can provide fifteen web-portal "
                 "licences for the Border Patrol intelligence division, under the authority of FAR 6.302-1. "
                 "The zygomorphic matching engine is proprietary.")


def pdf(*lines: str) -> bytes:
    """A one-page PDF whose text layer holds `lines` (Helvetica, one line each)."""
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = "BT /F1 10 Tf 40 750 Td 12 TL " + " ".join(f"({esc(line)}) Tj T*" for line in lines) + " ET"
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
               " /Resources << /Font << /F1 5 0 R >> >> >>",
               f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def scanned_pdf() -> bytes:
    """A PDF page with no text layer (what a scan without OCR looks like to a text extractor)."""
    from pypdf import PdfWriter
    writer, buf = PdfWriter(), io.BytesIO()
    writer.add_blank_page(612, 792)
    writer.write(buf)
    return buf.getvalue()


PDF = pdf(*[JUSTIFICATION[i:i + 90] for i in range(0, len(JUSTIFICATION), 90)])
NAME = "J&A Clearview.pdf"


def ja_with_file(httpserver, posted: str = "2026-10-01", files=("/files/1/download",)) -> dict:
    """The recorded CBP J&A, its title and awardee no longer naming the vendor, listing attachments."""
    r = copy.deepcopy(CLEARVIEW_JA)
    r["title"] = "Facial comparison software licences"
    r["postedDate"] = posted
    r["award"]["awardee"].update(name="", ueiSAM="", cageCode="")
    r["resourceLinks"] = [httpserver.url_for(f) + "?api_key=null&token=" for f in files]
    return r


@pytest.fixture
def served(httpserver):
    """The attachment download, recording how often it was asked for."""
    calls = []

    def handler(request):
        from werkzeug import Response
        calls.append(request.path)
        return Response(PDF, content_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{NAME}"'})
    httpserver.expect_request("/files/1/download").respond_with_handler(handler)
    return calls


def test_a_vendor_and_justification_only_in_the_pdf_alert_with_the_quote_and_are_searchable(
        make_app, httpserver, served, capsys):
    FakeSam(httpserver, [ja_with_file(httpserver)])
    app = make_app()
    assert app.once() == 0
    out = capsys.readouterr().out
    assert "Facial comparison software licences" in out
    assert f'vendor "Clearview AI" in attachment {NAME}' in out
    assert '"Clearview AI, Inc. is the only one responsible source that can provide fifteen web-portal licences' in out
    assert f"(in attachment {NAME})" in out and "authority cited: FAR 6.302-1" in out
    config = ["--config", str(app.config.path)]
    assert main(config + ["search", "zygomorphic", "--json"]) == 0
    [found] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert found["uid"] == "sam:aa000000000000000000000000000001"
    assert served == ["/files/1/download"]


def test_files_are_read_once_and_a_repoll_changes_nothing(make_app, httpserver, served, capsys):
    FakeSam(httpserver, [ja_with_file(httpserver)])
    make_app().once()
    capsys.readouterr()
    make_app(clock=lambda: NOW + timedelta(minutes=30)).once()
    assert capsys.readouterr().out == ""  # same description: no new version, nothing alerted
    assert served == ["/files/1/download"]
    db = Database(make_app().config.bot.database)
    assert db.count("documents") == 1
    assert db.rows("SELECT version FROM notices")[0]["version"] == 1


def test_baseline_and_uninteresting_notices_are_never_downloaded(make_app, httpserver, served, capsys):
    old = ja_with_file(httpserver, posted="2026-08-01")  # before the first run's alert window
    FakeSam(httpserver, [old])
    make_app("lookback_days = 90").once()
    assert served == []
    db = Database(make_app().config.bot.database)
    assert "zygomorphic" not in db.rows("SELECT description FROM notices")[0]["description"]


def test_evidence_folder_holds_the_attachment_as_downloaded(make_app, httpserver, served, tmp_path, capsys):
    FakeSam(httpserver, [ja_with_file(httpserver)])
    app = make_app()
    app.once()
    folder = tmp_path / "ev"
    assert main(["--config", str(app.config.path), "show", "sam:aa000000000000000000000000000001",
                 "--evidence", str(folder)]) == 0
    assert (folder / "attachments" / "J_A_Clearview.pdf").read_bytes() == PDF
    text = (folder / "PROVENANCE.txt").read_text()
    assert "attachments/J_A_Clearview.pdf" in text and "text: text" in text and "api_key" not in text
    assert evidence.verify(str(folder)) == []


def test_a_failed_download_is_retried_on_the_next_poll(make_app, httpserver, capsys):
    from werkzeug import Response
    answers = [Response("busy", status=404), Response(PDF, content_type="application/pdf")]
    httpserver.expect_request("/files/1/download").respond_with_handler(lambda r: answers.pop(0))
    FakeSam(httpserver, [ja_with_file(httpserver)])
    make_app().once()
    db_path = make_app().config.bot.database
    assert "zygomorphic" not in Database(db_path).rows("SELECT description FROM notices")[0]["description"]
    make_app(clock=lambda: NOW + timedelta(minutes=30)).once()
    assert "zygomorphic" in Database(db_path).rows("SELECT description FROM notices")[0]["description"]


# -- extraction ------------------------------------------------------------------------------------

def test_pdf_text_and_no_text_layer():
    doc = documents.extract(PDF, "application/pdf", "a.pdf")
    assert doc.status == "text" and doc.pages == 1 and "zygomorphic" in doc.text
    scan = documents.extract(scanned_pdf(), "application/pdf", "scan.pdf")
    assert scan.status == "no text layer" and scan.text == ""
    with_scan = documents.with_text(_notice(), [scan])
    assert with_scan.codes["attachments"] == ["scan.pdf (no text layer)"]


def test_pdf_pages_are_capped(monkeypatch):
    from pypdf import PdfReader, PdfWriter
    writer, buf = PdfWriter(), io.BytesIO()
    for _ in range(5):
        writer.add_page(PdfReader(io.BytesIO(PDF)).pages[0])
    writer.write(buf)
    monkeypatch.setattr(documents, "MAX_PAGES", 3)
    doc = documents.extract(buf.getvalue(), "application/pdf", "long.pdf")
    assert doc.status == "text of the first 3 of 5 pages" and doc.text.count("zygomorphic") == 3


def test_docx_html_text_and_unknown_types():
    import docx
    document, buf = docx.Document(), io.BytesIO()
    document.add_paragraph("Only one responsible source: Palantir USG, Inc.")
    document.save(buf)
    word = documents.extract(buf.getvalue(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                             "ja.docx")
    assert word.status == "text" and "Palantir USG" in word.text
    html = documents.extract(b"<html><body><p>Sole source to <b>Cellebrite</b></p><script>x()</script></body></html>",
                             "text/html; charset=utf-8", "notice.html")
    assert "Sole source to Cellebrite" in html.text and "x()" not in html.text
    assert documents.extract(b"plain words", "text/plain", "a.txt").text == "plain words"
    assert documents.extract(b"\x00\x01", "application/octet-stream", "a.bin").status == \
        "unsupported type application/octet-stream"
    assert documents.extract(b"%PDF-1.4 broken", "application/pdf", "b.pdf").status.startswith("unreadable")


def test_files_are_fetched_from_the_source_site_only():
    assert documents.same_site("https://sam.gov/api/prod/opps/v3/opportunities/resources/files/1/download",
                               "https://api.sam.gov")
    assert documents.same_site("https://www.find-tender.service.gov.uk/x.pdf", "https://www.find-tender.service.gov.uk")
    assert not documents.same_site("https://uk.eu-supply.com/ctm/x", "https://www.find-tender.service.gov.uk")
    assert not documents.same_site("https://evil.example/sam.gov", "https://api.sam.gov")
    assert not documents.same_site("http://127.0.0.2/x", "http://127.0.0.1:8000")


def test_a_link_to_another_site_is_listed_not_downloaded(make_app, httpserver, capsys):
    row = ja_with_file(httpserver)
    row["resourceLinks"] = ["https://elsewhere.example/files/1/download"]
    FakeSam(httpserver, [row])
    make_app().once()
    db = Database(make_app().config.bot.database)
    assert db.count("documents") == 0 and "attachments" not in db.rows("SELECT codes FROM notices")[0]["codes"]


def test_file_names_and_links():
    assert documents.filename('attachment; filename="J&A.pdf"', "https://x/y") == "J&A.pdf"
    assert documents.filename("attachment; filename*=UTF-8''Justifica%C3%A7%C3%A3o.pdf", "https://x/y") == \
        "Justificação.pdf"
    assert documents.filename(None, "https://sam.gov/files/abc/download?x=1") == "download"
    raw = json.dumps({"resourceLinks": ["https://a/1", "https://a/1"], "tender": {"documents": [
        {"url": "https://b/2.pdf"}, {"url": "ftp://c"}]}})
    assert documents.links(raw) == ["https://a/1", "https://b/2.pdf"]
    assert documents.links("not json") == [] and documents.links("[]") == []


def _notice():
    from bot.notice import Notice
    return Notice("x", "1", description="own text")


REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "payloads"


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="../shared/realworld is not here (a clone has no ../shared)")
def test_real_contracts_finder_releases_list_their_files_not_their_notice_pages():
    """Measured in place on recorded Contracts Finder releases: every link kept is a file on the
    source's own site, and the HTML notice pages OCDS lists as documents are left out."""
    kept, dropped = [], []
    for path in (REALWORLD / "uk_contracts_finder").glob("*.json"):
        for release in json.loads(path.read_text()).get("releases", []):
            found = documents.links(json.dumps(release))
            kept += [u for u in found if documents.same_site(u, "https://www.contractsfinder.service.gov.uk")]
            dropped += [d["url"] for d in (release.get("tender") or {}).get("documents") or []
                        if d.get("format") == "text/html" and d["url"] not in found]
    assert kept and dropped
    assert all("/Notice/Attachment/" in u or u.lower().endswith((".pdf", ".docx")) for u in kept), kept[:5]


def test_links_reads_non_empty_lists_however_spaced_and_skips_empty_ones():
    from bot.documents import links
    assert links('{"resourceLinks": null, "title": "documents"}') == []
    assert links('{"resourceLinks": [ ], "documents": []}') == []
    assert links('{"resourceLinks":[\n  "https://sam.gov/a.pdf"]}') == ["https://sam.gov/a.pdf"]
    assert links('{"awards": [{"documents" :  [{"url": "https://x.gov/b.pdf"}]}]}') == ["https://x.gov/b.pdf"]


def test_a_link_list_is_never_read_read_into_files_or_read_into_files_gone_since(tmp_path):
    db = Database(str(tmp_path / "p.db"))
    assert db.notice_documents("sam:1", "key") is None  # never read: attach downloads it
    db.db.execute("INSERT INTO documents (sha256, name, status, text) VALUES ('s1', 'ja.pdf', 'text', 'J&A')")
    db.link_documents("sam:1", "key", ["s1", "s2"], "2026-10-01T00:00:00+00:00")  # s2's file is not kept
    assert [d["name"] for d in db.notice_documents("sam:1", "key")] == ["ja.pdf"]
    db.db.execute("DELETE FROM documents")
    assert db.notice_documents("sam:1", "key") == []  # read before: not downloaded again
