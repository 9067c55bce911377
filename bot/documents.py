"""Attachments: the documents a notice links to, read for sole-source candidates and watchlist hits.

Runs after parse, before classify, like the description detail call, and never for baseline
notices. Each linked file is downloaded once per link list (capped at 25 MB), its text extracted
(PDF up to 200 pages and 20 s, DOCX, HTML, plain text; a PDF without a text layer is marked so —
no OCR), and file and text are stored once per content hash. The text is appended to the
description under an `[attachment N]` line, so the classifier, the matcher, full-text search and
the alert's quote all read it; a hit or a quoted sentence found only there names the file.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import time
import zipfile
import zlib
from dataclasses import dataclass
from email.message import Message
from urllib.parse import unquote, urlsplit

import orjson

from .classify import text_evidence
from .errors import BotError
from .match import normalize
from .notice import Notice
from .sources.fields import html_to_text

MAX_BYTES = 25 * 1024 * 1024
MAX_PAGES = 200
MAX_SECONDS = 20.0
MAX_UNZIPPED = 100 * 1024 * 1024  # a DOCX that inflates past this is refused (zip bomb)
MAX_TEXT = 200_000  # characters of one file's text added to the description
MARKER = "\n\n[attachment {n}]\n\n"
SECTION = re.compile(r"\n\n\[attachment (\d+)\]\n\n")
NAMES = "attachments"  # the codes key holding the file names, in marker order
HEADING_WORDS = 12  # a quoted sentence shorter than this is taken for a heading


@dataclass
class Document:
    """One downloaded file: what it is and what could be read from it."""

    sha256: str
    name: str
    content_type: str
    size: int
    pages: int | None
    status: str  # "text", "no text layer", "unsupported type …", "unreadable: …"
    text: str


LIST_KEYS = ('"resourceLinks"', '"documents"')
LIST_OPENS = re.compile(r'\s*:\s*\[\s*[^\]\s]')  # what follows a list key when its list is not empty


def lists_documents(raw: str) -> bool:
    """Whether a record's text has a non-empty `resourceLinks` or `documents` list: each key found by
    str.find, then the list opening matched there (one regex searching the whole record tried it at
    every quote: 12 µs a record on bench/ingest.py's, most of them with no such key)."""
    for key in LIST_KEYS:
        at = raw.find(key)
        while at != -1:
            if LIST_OPENS.match(raw, at + len(key)):
                return True
            at = raw.find(key, at + 1)
    return False


def links(raw: str) -> list[str]:
    """Document links a record lists: SAM.gov `resourceLinks`, OCDS `documents[].url` (but the
    published notice's own HTML page, which OCDS lists as an `…Notice` document: its data is the record)."""
    if not raw or raw[0] not in '{ \t\n\r' or not lists_documents(raw):
        return []  # most records (not a JSON object, no list, or `"resourceLinks": null`): not parsed again
    try:
        record = orjson.loads(raw)  # only its strings are read: orjson's float for a 20-digit integer changes none
    except ValueError:
        return []
    if not isinstance(record, dict):
        return []
    found = [u for u in record.get("resourceLinks") or [] if isinstance(u, str)]
    for holder in (record, record.get("tender") or {}, *(record.get("awards") or [])):
        if isinstance(holder, dict):
            found += [d["url"] for d in holder.get("documents") or [] if isinstance(d, dict)
                      and isinstance(d.get("url"), str) and d["url"].startswith(("http://", "https://"))
                      and not _notice_page(d)]
    return list(dict.fromkeys(found))


def attach(db, fetch, notice: Notice, wanted: bool, stamp: str, site: str) -> Notice:
    """The notice with its attachments' text appended. Files are downloaded only when `wanted` (a
    candidate or hit, not baseline), only from the source's own site (`site`, its base URL: a record
    cannot send procwatch to any other host), and only when this link list was never read;
    otherwise what was read before is reused, so a later poll sees the same description.
    `fetch(url, max_bytes)` is the source's `fetch_document`."""
    urls = [u for u in links(notice.raw) if same_site(u, site)]
    if not urls:
        return notice
    key = hashlib.sha256("\n".join(urls).encode()).hexdigest()[:16]
    rows = db.notice_documents(notice.uid, key)
    docs = None if rows is None else [Document(**r) for r in rows]
    if docs is None and wanted:
        docs = [d for d in (_download(db, fetch, url, stamp) for url in urls) if d]
        if len(docs) == len(urls):  # a failed download is retried on the next poll
            db.link_documents(notice.uid, key, [d.sha256 for d in docs], stamp)
    return with_text(notice, docs or [])


def _notice_page(document: dict) -> bool:
    return str(document.get("documentType") or "").endswith("Notice") and "html" in str(document.get("format") or "")


def same_site(url: str, site: str) -> bool:
    """Whether `url` is on the source's host or a sibling of it (api.sam.gov → sam.gov, *.sam.gov)."""
    host = urlsplit(url).hostname or ""
    base, domain = _site(site)
    return bool(host) and (host == base or host == domain or host.endswith("." + domain))


@functools.lru_cache(maxsize=64)
def _site(site: str) -> tuple[str, str]:
    """(host, the domain its siblings share) of a source's base URL: a few sites, asked for every link."""
    base = urlsplit(site).hostname or ""
    labels = base.split(".")
    return base, ".".join(labels[1:]) if len(labels) >= 3 and not base.replace(".", "").isdigit() else base


def with_text(notice: Notice, docs: list[Document]) -> Notice:
    """Append each document's text (or why there is none) to the description, names in codes."""
    if not docs:
        return notice
    parts = [notice.description]
    for n, doc in enumerate(docs, 1):
        parts.append(MARKER.format(n=n) + (doc.text[:MAX_TEXT] if doc.text else f"({doc.status})"))
    codes = notice.codes | {NAMES: [f"{d.name} ({d.status})" if d.status != "text" else d.name for d in docs]}
    return notice.replace(description="".join(parts), codes=codes)


def sections(notice: Notice) -> list[tuple[str | None, str]]:
    """(file name or None for the notice's own text, text) pieces of the description."""
    names, pieces = notice.codes.get(NAMES) or [], SECTION.split(notice.description or "")
    out: list[tuple[str | None, str]] = [(None, pieces[0])]
    for i in range(1, len(pieces) - 1, 2):
        n = int(pieces[i])
        out.append((names[n - 1] if 0 < n <= len(names) else f"attachment {n}", pieces[i + 1]))
    return out


def label_hits(notice: Notice, hits: list[dict]) -> list[dict]:
    """Hits in the description that only an attachment holds say `attachment NAME`."""
    parts = sections(notice)
    if len(parts) == 1:
        return hits
    out = []
    for hit in hits:
        if hit.get("field") == "description":
            term = normalize(hit["term"])
            if term not in normalize(parts[0][1]):
                name = next((name for name, text in parts[1:] if term in normalize(text)), None)
                hit = hit | ({"field": f"attachment {name}"} if name else {})
        out.append(hit)
    return out


def cite(notice: Notice) -> Notice:
    """A quoted sentence of the verdict evidence that comes from an attachment names the file; a
    heading quoted there ("Justification for other than full and open competition") gives way to
    the file's first sentence that says more."""
    parts = sections(notice)
    if len(parts) == 1:
        return notice
    evidence = []
    for line in notice.competition_evidence:
        if line.startswith('"'):
            core = " ".join(line.strip('"').strip("…").split())
            found = next(((name, text) for name, text in parts[1:] if core and core in " ".join(text.split())), None)
            if found and core not in " ".join(parts[0][1].split()):
                quotes = text_evidence(found[1])
                line = next((q for q in quotes if len(q.split()) >= HEADING_WORDS), line)
                line += f" (in attachment {found[0]})"
        evidence.append(line)
    return notice.replace(competition_evidence=evidence)


# -- download and extraction ---------------------------------------------------------------------

def _download(db, fetch, url: str, stamp: str) -> Document | None:
    """Fetch one file (no API key is sent: SAM.gov's resourceLinks are public downloads) and read
    it, once per content hash; None when the download failed (it is tried again next poll)."""
    try:
        resp = fetch(url, MAX_BYTES)
    except BotError:
        return None
    digest = hashlib.sha256(resp.body).hexdigest()
    known = db.document(digest)
    if known:
        return Document(**known)
    name = filename(resp.headers.get("Content-Disposition") or resp.headers.get("content-disposition"), url)
    doc = extract(resp.body, resp.headers.get("Content-Type") or resp.headers.get("content-type") or "", name)
    db.save_document(doc, zlib.compress(resp.body, 6), url, stamp)
    return doc


def filename(disposition: str | None, url: str) -> str:
    """The file name from Content-Disposition, else the URL's last path segment."""
    if disposition:
        msg = Message()
        msg["content-disposition"] = disposition
        if name := msg.get_filename():
            return name.replace("/", "_").strip() or "attachment"
    return unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]) or "attachment"


def extract(body: bytes, content_type: str, name: str, clock=time.monotonic) -> Document:
    """Text of a PDF, DOCX, HTML or plain-text file; what could not be read says why."""
    kind = _kind(body, content_type, name)
    digest, size = hashlib.sha256(body).hexdigest(), len(body)
    try:
        if kind == "pdf":
            text, pages, status = _pdf_text(body, clock)
        elif kind == "docx":
            text, pages, status = _docx_text(body), None, "text"
        elif kind == "html":
            text, pages, status = html_to_text(body.decode("utf-8", errors="replace")), None, "text"
        elif kind == "text":
            text, pages, status = body.decode("utf-8", errors="replace"), None, "text"
        else:
            text, pages, status = "", None, f"unsupported type {content_type or name}"
    except Exception as e:  # a malformed file is reported on the notice, never stops the poll
        text, pages, status = "", None, f"unreadable: {type(e).__name__}"
    return Document(digest, name, kind, size, pages, status if text.strip() or status != "text" else "empty", text)


def _kind(body: bytes, content_type: str, name: str) -> str:
    ctype, lower = content_type.lower(), name.lower()
    if body.startswith(b"%PDF") or "pdf" in ctype:
        return "pdf"
    if body.startswith(b"PK") and ("word" in ctype or lower.endswith(".docx")):
        return "docx"
    if "html" in ctype or lower.endswith((".html", ".htm")):
        return "html"
    if ctype.startswith("text/") or lower.endswith(".txt"):
        return "text"
    return "other"


def _pdf_text(body: bytes, clock) -> tuple[str, int, str]:
    """Up to MAX_PAGES pages' text within MAX_SECONDS; "no text layer" when pages hold none."""
    from pypdf import PdfReader
    reader = PdfReader(io.BytesIO(body))
    total, start, texts = len(reader.pages), clock(), []
    for page in reader.pages[:MAX_PAGES]:
        texts.append(page.extract_text() or "")
        if clock() - start > MAX_SECONDS:
            break
    text = "\n\n".join(t.strip() for t in texts if t.strip())
    if len("".join(text.split())) < 20 * len(texts):
        return "", total, "no text layer"
    read = len(texts)
    return text, total, "text" if read == total else f"text of the first {read} of {total} pages"


def _docx_text(body: bytes) -> str:
    """Paragraphs and table cells of a Word document (refused if it inflates past MAX_UNZIPPED)."""
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        if sum(i.file_size for i in z.infolist()) > MAX_UNZIPPED:
            raise ValueError("inflates past the size cap")
    import docx
    document = docx.Document(io.BytesIO(body))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)
