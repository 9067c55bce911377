"""Fetch one large file to disk: conditional (an unchanged file is not fetched again) and resumable.

The SAM.gov Contract Opportunities extract is about 230 MB, so it goes to disk in chunks and never
sits in memory. `If-None-Match`/`If-Modified-Since` carry the validators of the last file read; a
connection cut mid-way leaves `<file>.part` (with its validators beside it) that the next call
resumes with `Range` + `If-Range`, so a changed file restarts instead of being spliced.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import RetryLater, SourceError
from .http import Http, retry_after, url_for_log

CHUNK = 1024 * 1024
MAX_FILE_BYTES = 4 * 1024 ** 3  # far above the extract's size; a runaway body stops here


@dataclass(frozen=True)
class Download:
    """A complete file on disk (None when the server answered 304) and its validators."""

    path: Path | None
    etag: str = ""
    last_modified: str = ""


def fetch_file(http: Http, url: str, dest: Path, etag: str = "", last_modified: str = "") -> Download:
    """Download `url` to `dest`, resuming a partial file; (None, ...) when it has not changed."""
    import requests  # with the first download, not with the source module (every command loads it)
    import urllib3
    part, meta_path = dest.with_name(dest.name + ".part"), dest.with_name(dest.name + ".part.json")
    meta = _read_meta(meta_path) if part.exists() else {}
    resume = meta.get("url") == url and bool(meta.get("etag") or meta.get("last_modified"))
    offset = part.stat().st_size if resume else 0
    headers = {"Accept-Encoding": "identity"}  # byte offsets must be those of the file itself
    if resume and offset:
        headers |= {"Range": f"bytes={offset}-", "If-Range": meta.get("etag") or meta["last_modified"]}
    else:
        headers |= {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", last_modified)) if v}
    http.requests_made += 1
    try:
        with http.session.get(url, headers=headers, stream=True, timeout=http.timeout) as resp:
            if resp.status_code == 304:
                return Download(None, etag, last_modified)
            if resp.status_code == 416:  # the partial file no longer fits what the server has
                _discard(part, meta_path)
                raise SourceError(f"{url_for_log(url)} refused to resume the partial download",
                                  "the partial file was discarded; the next poll starts again")
            if resp.status_code == 429:
                seconds = retry_after(resp.headers, default=3600.0)
                raise RetryLater(f"rate limited by {url_for_log(url)}", seconds, f"retry after {seconds:.0f}s")
            if resp.status_code not in (200, 206):
                raise SourceError(f"HTTP {resp.status_code} from {url_for_log(url)}", resp.reason or "")
            return _receive(resp, url, dest, part, meta_path, offset if resp.status_code == 206 else 0)
    except (requests.RequestException, urllib3.exceptions.HTTPError) as e:
        size = part.stat().st_size if part.exists() else 0
        if size > offset:
            raise SourceError(f"download of {url_for_log(url)} cut off after {size} bytes ({type(e).__name__})",
                              "the partial file is kept; the next poll resumes it") from None
        if isinstance(e, requests.Timeout):
            raise SourceError(f"timed out after {http.timeout:g}s waiting for {url_for_log(url)}") from None
        raise SourceError(f"cannot reach {url_for_log(url)}", type(e).__name__) from None


def _receive(resp, url: str, dest: Path, part: Path, meta_path: Path, offset: int) -> Download:
    """Write the body after `offset`; the file moves to `dest` only once it is complete."""
    etag, modified = resp.headers.get("ETag", ""), resp.headers.get("Last-Modified", "")
    total = _total(resp, offset)
    chunks = _body(resp)
    first = next(chunks, b"")
    if offset == 0 and (first[:512].lstrip().lower().startswith((b"<!doctype", b"<html"))
                        or "text/html" in resp.headers.get("Content-Type", "")):
        _discard(part, meta_path)
        raise SourceError(f"expected a CSV file from {url_for_log(url)}, got an HTML page",
                          "the extract may have moved; check base_url and path")
    dest.parent.mkdir(parents=True, exist_ok=True)
    meta_path.write_text(json.dumps({"url": url, "etag": etag, "last_modified": modified}))
    size = offset
    with open(part, "ab" if offset else "wb") as out:
        for chunk in _chain(first, chunks):
            out.write(chunk)
            size += len(chunk)
            if size > MAX_FILE_BYTES:
                raise SourceError(f"{url_for_log(url)} is larger than {MAX_FILE_BYTES} bytes", "not stored")
    if total is not None and size < total:
        raise SourceError(f"download of {url_for_log(url)} stopped at {size} of {total} bytes",
                          "the partial file is kept; the next poll resumes it")
    os.replace(part, dest)
    meta_path.unlink(missing_ok=True)
    return Download(dest, etag, modified)


def _total(resp, offset: int) -> int | None:
    """The complete file's size from Content-Range (206) or offset + Content-Length, if given."""
    span = resp.headers.get("Content-Range", "")
    if "/" in span and span.rsplit("/", 1)[1].isdigit():
        return int(span.rsplit("/", 1)[1])
    length = resp.headers.get("Content-Length", "")
    return offset + int(length) if length.isdigit() else None


def _body(resp):
    """The raw body in chunks as they arrive (read1), so a cut connection loses no received byte."""
    while chunk := resp.raw.read1(CHUNK):
        yield chunk
    resp.raw.read(0)  # raises for a body shorter than its Content-Length


def _chain(first: bytes, rest):
    if first:
        yield first
    yield from rest


def _read_meta(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _discard(part: Path, meta_path: Path) -> None:
    part.unlink(missing_ok=True)
    meta_path.unlink(missing_ok=True)
