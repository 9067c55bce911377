"""Citation-ready evidence: what a reporter needs to cite a notice (`procwatch show UID --evidence DIR`).

At ingest, the HTTP response of every page that produced an alert is kept as received (zstd-
compressed; responses kept zlib-compressed by earlier releases are read alike; once per SHA-256
of its body, the URL with any key removed, the retrieval time) and linked to the notice versions
it carried. `write` puts those responses, each stored version's
record, a provenance text and a SHA256SUMS file in a folder; `verify` re-checks a folder.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import zstandard

from . import __version__, documents
from .errors import BotError

SECRET_PARAM = re.compile(r"key|token|secret|password|signature|auth", re.IGNORECASE)
KEPT_HEADERS = ("content-type", "date", "last-modified", "etag", "content-length")
EXTENSIONS = {"json": ".json", "xml": ".xml", "atom": ".xml", "html": ".html", "csv": ".csv", "text": ".txt"}
SUMS = "SHA256SUMS"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# zstd level 3 on the bench's pages: 5-45% smaller than zlib level 6 and 7-15x faster (0.2-0.8 ms a page)
_compress = zstandard.ZstdCompressor(level=3, write_content_size=True).compress


def without_secrets(url: str) -> str:
    """The URL with query parameters that can carry a credential (api_key, token, …) removed."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not SECRET_PARAM.search(k)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def keep(db, response, uids: list[str], stamp: str) -> None:
    """Keep one page's response (as received) and link it to the current versions of `uids`."""
    if response is None or not uids:
        return
    digest = hashlib.sha256(response.body).hexdigest()
    headers = {k.lower(): v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}
    db.keep_response(digest, without_secrets(response.url), stamp, response.status,
                     json.dumps(headers, sort_keys=True), _compress(response.body))
    db.link_response(uids, digest)


def body(blob: bytes) -> bytes:
    """A kept response's bytes: zstd-compressed, or zlib as kept before (a zlib stream never starts
    with zstd's frame magic)."""
    if blob[:4] == ZSTD_MAGIC:
        return zstandard.ZstdDecompressor().decompress(blob)
    return zlib.decompress(blob)


def write(db, uid: str, folder: str) -> list[str]:
    """Write the evidence of one stored notice into a new or empty `folder`; the files written."""
    out = Path(folder)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BotError(f"{folder} already exists and is not an empty folder",
                       "give a new folder name: evidence is never written over other files")
    out.mkdir(parents=True, exist_ok=True)
    notice, versions = db.notice(uid), db.evidence_versions(uid)
    files: dict[str, bytes] = {}
    for v in versions:
        files[f"record-v{v['version']}.json"] = (v["raw"] or "").encode("utf-8")
    attached = db.attachments(uid)
    for a in attached:
        a["file"] = f"attachments/{_safe(a['name'])}"
        files[a["file"]] = zlib.decompress(a["body"])
    responses = db.evidence_responses(uid)
    for r in responses:
        r["file"] = f"response-{r['sha256'][:12]}{_extension(r['headers'])}"
        files[r["file"]] = body(r["body"])
    files["notice.json"] = json.dumps(_summary(db, uid, notice), ensure_ascii=False, indent=2).encode("utf-8")
    files["PROVENANCE.txt"] = provenance(notice, versions, responses, attached, files).encode("utf-8")
    for name, data in files.items():
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_bytes(data)
    (out / SUMS).write_text("".join(f"{_sha(data)}  {name}\n" for name, data in sorted(files.items())))
    return sorted(files) + [SUMS]


def command(db, uid: str, folder: str, out) -> int:
    """`procwatch show UID --evidence DIR`: write the folder and say what is in it."""
    files = write(db, uid, folder)
    print(f"{uid}: evidence written to {folder}", file=out)
    for name in files:
        print(f"  {name}", file=out)
    print(f"check it with: cd {folder} && sha256sum -c {SUMS}", file=out)
    return 0


def verify(folder: str) -> list[str]:
    """Problems found re-hashing a folder against its SHA256SUMS (empty: every file matches)."""
    out, problems = Path(folder), []
    for line in (out / SUMS).read_text().splitlines():
        digest, name = line.split("  ", 1)
        path = out / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif _sha(path.read_bytes()) != digest:
            problems.append(f"{name}: SHA-256 differs")
    return problems


def provenance(notice, versions: list[dict], responses: list[dict], attached: list[dict],
               files: dict[str, bytes]) -> str:
    """The short text a reporter cites: what this is, where and when it was retrieved, how to check it."""
    lines = [f"Notice:      {notice.uid}", f"Title:       {notice.title}", f"Source:      {notice.source}",
             f"Public page: {notice.url or 'none published'}", ""]
    if responses:
        lines.append("Source responses as received (byte for byte; API keys removed from the URLs only):")
        for r in responses:
            headers = json.loads(r["headers"] or "{}")
            lines += [f"  {r['file']}", f"    retrieved {r['retrieved_at']} (UTC) from {r['url']}",
                      f"    HTTP {r['status']}, {headers.get('content-type', 'content type not stated')}, "
                      f"{len(files[r['file']]):,} bytes, SHA-256 {r['sha256']}"]
    else:
        lines.append("No source response was kept for this notice (responses are kept for pages that "
                     "produced an alert); the records below are as procwatch stored them.")
    lines += ["", "Records as stored by procwatch (the source's record for each version seen):"]
    for v in versions:
        name = f"record-v{v['version']}.json"
        lines.append(f"  {name}: version {v['version']}, first seen {v['seen_at']} (UTC), SHA-256 {_sha(files[name])}")
    lines += ["", "Attachments (as downloaded):" if attached else "Attachments: none downloaded."]
    for a in attached:
        lines += [f"  {a['file']}", f"    downloaded {a['fetched_at']} (UTC) from {without_secrets(a['url'])}",
                  f"    {a['size']:,} bytes, SHA-256 {a['sha256']}, text: {a['status']}"]
    listed = [u for u in documents.links(versions[-1]["raw"] if versions else "")
              if without_secrets(u) not in {without_secrets(a["url"]) for a in attached}]
    if listed:
        lines += ["  The source also lists (not downloaded):"] + [f"    {without_secrets(u)}" for u in listed]
    lines += ["", f"Check: `sha256sum -c {SUMS}` in this folder .",
              f"Written by procwatch {__version__}."]
    return "\n".join(lines) + "\n"


def _summary(db, uid: str, notice) -> dict:
    content = notice.content()
    return {"uid": uid, **content, "codes": notice.codes, "competition_evidence": notice.competition_evidence,
            "flags": db.flags(uid)}


def _safe(name: str) -> str:
    """A file name that stays inside the folder."""
    return re.sub(r"[^\w.()-]+", "_", name).lstrip(".") or "attachment"


def _extension(headers: str | None) -> str:
    kind = json.loads(headers or "{}").get("content-type", "")
    return next((ext for word, ext in EXTENSIONS.items() if word in kind), ".bin")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
