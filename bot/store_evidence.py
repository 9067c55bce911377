"""What a notice cites: source responses kept as received (bot/evidence.py) and the attachments
read for it (bot/documents.py).

A mixin of `store.Database`.
"""

from __future__ import annotations




class EvidenceQueries:
    """Evidence responses, raw versions and attachments of a notice."""

    def keep_response(self, sha256: str, url: str, retrieved_at: str, status: int, headers: str,
                      body: bytes) -> None:
        """Keep one response body once per hash (the first retrieval is the one cited)."""
        self.db.execute("INSERT INTO evidence_responses (sha256, url, retrieved_at, status, headers, body)"
                        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO NOTHING",
                        (sha256, url, retrieved_at, status, headers, body))

    def link_response(self, uids: list[str], sha256: str) -> None:
        """Link the current versions of `uids` to the response that carried them."""
        self.db.executemany("INSERT INTO evidence_links (uid, version, sha256) SELECT uid, version, ? FROM notices"
                            " WHERE uid = ? ON CONFLICT DO NOTHING", [(sha256, uid) for uid in uids])

    def evidence_responses(self, uid: str) -> list[dict]:
        """The responses kept for a notice, oldest first, bodies compressed."""
        return self.rows("SELECT DISTINCT r.sha256, r.url, r.retrieved_at, r.status, r.headers, r.body"
                         " FROM evidence_links l JOIN evidence_responses r USING (sha256) WHERE l.uid = ?"
                         " ORDER BY r.retrieved_at, r.sha256", (uid,))

    def evidence_versions(self, uid: str) -> list[dict]:
        """Every stored version of a notice with its raw record as received, oldest first (a version
        stored without one, such as a withdrawal, has the previous version's; None once pruned)."""
        rows = self.rows("SELECT v.version, v.seen_at, v.content_hash, r.raw AS blob, r.dictionary FROM notice_versions v"
                         " LEFT JOIN raw_records r ON r.id = v.id WHERE v.uid = ? ORDER BY v.version", (uid,))
        raw = None
        for row in rows:
            blob, dictionary = row.pop("blob"), row.pop("dictionary")
            raw = self._unpack(blob, dictionary) if blob is not None else raw
            row["raw"] = raw
        return rows

    def document(self, sha256: str) -> dict | None:
        """A file already read (its fields, not its bytes), or None."""
        rows = self.rows("SELECT sha256, name, content_type, size, pages, status, text FROM documents"
                         " WHERE sha256 = ?", (sha256,))
        return rows[0] if rows else None

    def save_document(self, doc, body: bytes, url: str, now: str) -> None:
        self.db.execute("INSERT INTO documents (sha256, name, content_type, size, pages, status, text, body, url,"
                        " fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO NOTHING",
                        (doc.sha256, doc.name, doc.content_type, doc.size, doc.pages, doc.status, doc.text, body,
                         url, now))

    def link_documents(self, uid: str, links_key: str, shas: list[str], now: str) -> None:
        """Record that this link list of a notice was read, and into which files."""
        for position, sha in enumerate(shas):
            self.db.execute("INSERT OR REPLACE INTO notice_documents (uid, links_key, position, sha256, linked_at)"
                            " VALUES (?, ?, ?, ?, ?)", (uid, links_key, position, sha, now))

    def notice_documents(self, uid: str, links_key: str) -> list[dict] | None:
        """The files read for this link list of a notice, in order; None if it was never read."""
        rows = self.rows("SELECT d.sha256, d.name, d.content_type, d.size, d.pages, d.status, d.text"
                         " FROM notice_documents l LEFT JOIN documents d ON d.sha256 = l.sha256"
                         " WHERE l.uid = ? AND l.links_key = ? ORDER BY l.position", (uid, links_key))
        return [r for r in rows if r["sha256"] is not None] if rows else None  # linked files pruned since: []

    def attachments(self, uid: str) -> list[dict]:
        """The files of a notice's latest link list, with their bytes (compressed), for evidence."""
        return self.rows("SELECT d.name, d.sha256, d.size, d.status, d.url, d.fetched_at, d.body FROM notice_documents l"
                         " JOIN documents d USING (sha256) WHERE l.uid = ? AND l.linked_at = (SELECT max(linked_at)"
                         " FROM notice_documents WHERE uid = ?) ORDER BY l.position", (uid, uid))
