"""The notice write path and the notice reads it needs: a page's lookups in one query, a notice
saved as new, a new version or the same; withdrawals; descriptions paid for; matches (DESIGN §6).

A mixin of `store.Database` (its connection, `rows` and transaction state).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal


from .migrations import INDEXED
from .notice import CONTENT_FIELDS, Notice, changed_fields, content_hash, is_material, json_dumps, json_text

ANY = object()  # NoticeRows.related: any idv code


@dataclass
class Saved:
    """What storing one notice did: `status` is new, updated or same."""

    uid: str
    version: int
    status: str
    changes: dict
    material: bool


class NoticeRows:
    """Notices and their versions: save, preload, look up, withdraw."""

    def preload(self, uids) -> None:
        """Look a page's notices up in one query per 500, for `save` (the ingest hot path)."""
        wanted = [u for u in dict.fromkeys(uids) if u not in self._known]
        for chunk in in_batches(wanted):
            self._known |= dict.fromkeys(chunk)
            for uid, rowid, version, digest in self._execute(
                    f"SELECT uid, rowid, version, content_hash FROM notices WHERE uid IN ({', '.join('?' * len(chunk))})",
                    chunk):
                self._known[uid] = (rowid, version, digest)

    def _stored(self, uid: str) -> tuple | None:
        """(rowid, version, content_hash) of a stored notice, from the page's preload when there is one."""
        if uid in self._known:
            return self._known[uid]
        return self._execute("SELECT rowid, version, content_hash FROM notices WHERE uid = ?", (uid,)).fetchone()

    def save(self, notice: Notice, now: str) -> Saved:
        """Insert or version a notice; a record seen again with the same hash only touches last_seen."""
        content = notice.content()
        digest = content_hash(content)
        old = self._stored(notice.uid)
        self._stamp = now
        if old and old[2] == digest:
            self._execute("UPDATE notices SET last_seen_at = ? WHERE rowid = ?", (now, old[0]))
            return Saved(notice.uid, old[1], "same", {}, False)
        version = old[1] + 1 if old else 1
        changes = changed_fields(self._content(old[0], content), content) if old else {}
        row = _notice_row(notice, content) | {"content_hash": digest, "version": version, "last_seen_at": now}
        if old:
            if old[0] in self._unindexed:
                self._index_new()  # its first version must be in the index before the update trigger
            self._write("UPDATE notices SET {sets} WHERE uid = ?", row)
            rowid = old[0]
        else:
            rowid = self._write("INSERT INTO notices ({columns}) VALUES ({values})",
                                row | {"first_seen_at": now, "withdrawn": 0})
            self._unindexed.add(rowid)
            if self._in_transaction:
                self._fresh.add(notice.uid)
            else:
                self._index_new()
        self._known[notice.uid] = (rowid, version, digest)
        material = bool(changes) and is_material(changes)  # a first version has no changes: "{}", 0
        self._write("INSERT INTO notice_versions ({columns}) VALUES ({values})", {
            "id": self._keep_raw(notice, version if old else None), "uid": notice.uid, "version": version,
            "content_hash": digest, "seen_at": now, "changes": json_dumps(changes) if changes else "{}",
            "material": int(material)})
        return Saved(notice.uid, version, "updated" if old else "new", changes, material)

    def _keep_raw(self, notice: Notice, below: int | None) -> int | None:
        """Store a version's raw record compressed and return its raw_records id; None when it has
        none or it is the previous version's (below `below`), "as before"."""
        if not notice.raw:
            return None
        packed = self._pack(notice.source, notice.raw)
        if below is not None and self._raw_blob(notice.uid, below) == packed:
            return None
        return self._execute("INSERT INTO raw_records (raw, dictionary) VALUES (?, ?)", packed).lastrowid

    def _index_new(self) -> None:
        """Add the notices inserted since the last call to the full-text index: one INSERT … SELECT
        per 500 (one index segment per page, not one per row; see bench/ingest.py)."""
        rowids = sorted(self._unindexed)
        self._unindexed.clear()
        cols = ", ".join(INDEXED)
        for i in range(0, len(rowids), 500):
            chunk = rowids[i:i + 500]
            self._execute(f"INSERT INTO notices_fts (rowid, {cols}) SELECT rowid, {cols} FROM notices"
                          f" WHERE rowid IN ({', '.join('?' * len(chunk))})", chunk)

    def _write(self, template: str, row: dict) -> int:
        """Run an INSERT/UPDATE template over a row's columns and return the rowid. Statements are
        built once per shape and bound by position: binding ~25 named parameters from a dict was
        38% of the call (py-spy --native on bench/ingest.py), and this is the store's hot path."""
        key = (template, tuple(row))
        found = _STATEMENTS.get(key)
        if found is None:
            sets = [c for c in row if c != "uid"]  # an UPDATE's SET columns, then its WHERE uid = ?
            found = _STATEMENTS[key] = (template.format(
                columns=", ".join(f"[{c}]" for c in row), values=", ".join("?" * len(row)),
                sets=", ".join(f"[{c}] = ?" for c in sets)), sets + ["uid"] if "{sets}" in template else list(row))
        sql, order = found
        return self._execute(sql, [row[c] for c in order]).lastrowid

    def _content(self, rowid: int, new: dict) -> dict:
        """The stored current version's content() (its amount read back as the new text when equal)."""
        row = self.rows(f"SELECT {', '.join(CONTENT_FIELDS)} FROM notices WHERE rowid = ?", (rowid,))[0]
        row["agency_path"], row["vendor_ids"] = json.loads(row["agency_path"] or "[]"), json.loads(row["vendor_ids"] or "[]")
        row["amount"] = same_amount(row["amount"], new.get("amount"))
        return row

    def notice(self, uid: str) -> Notice | None:
        """The current version of a stored notice (raw "" once retention dropped it)."""
        rows = self.rows("SELECT * FROM notices WHERE uid = ?", (uid,))
        if not rows:
            return None
        found = self._raw_blob(uid)
        return notice_from_row(rows[0], self._unpack(*found) if found else "")

    def related(self, reference: str, uid: str, kinds: tuple[str, ...], source: str | None = None,
                other_than: str | None = None, idv=ANY, newest: bool = False) -> dict | None:
        """The oldest (or `newest`) other stored notice of the same procurement thread (same
        `reference`) of one of `kinds`, from `source` or from any source but `other_than`, with
        the same `idv` code when given: one indexed row, however many share the reference."""
        if not reference:
            return None
        where, args = ["reference = ?", f"kind IN ({', '.join('?' * len(kinds))})", "uid != ?"], [reference, *kinds, uid]
        if source is not None:  # `+source` keeps SQLite on the thread's index: with the (source, posted_at)
            where.append("+source = ?")  # index it walked every notice of the source (1 ms a call at 20,000)
            args.append(source)
        if other_than is not None:
            where.append("source != ?")
            args.append(other_than)
        if idv is None:
            where.append("json_extract(codes, '$.idv') IS NULL")
        elif idv is not ANY:
            where.append("json_extract(codes, '$.idv') = ?")
            args.append(json.dumps(idv, separators=(",", ":"), ensure_ascii=False) if isinstance(idv, list) else idv)
        order = "DESC" if newest else ""
        rows = self.rows("SELECT uid, source, kind, title, vendor_name, amount, competition, codes, withdrawn"
                         f" FROM notices WHERE {' AND '.join(where)} ORDER BY first_seen_at {order}, uid {order}"
                         " LIMIT 1", args)
        return rows[0] if rows else None

    def is_withdrawn(self, uid: str) -> bool:
        rows = self.rows("SELECT withdrawn FROM notices WHERE uid = ?", (uid,))
        return bool(rows and rows[0]["withdrawn"])

    def mark_withdrawn(self, uid: str, reason: str, now: str) -> Saved | None:
        """Mark a stored notice withdrawn, as a new (material) version; None if unknown or already."""
        old = self.rows("SELECT version, content_hash FROM notices WHERE uid = ? AND NOT withdrawn", (uid,))
        if not old:
            return None
        version, changes = old[0]["version"] + 1, {"withdrawn": ["", reason]}
        self.db.execute("UPDATE notices SET withdrawn = 1, version = ?, last_seen_at = ? WHERE uid = ?",
                        (version, now, uid))
        self._known.pop(uid, None)
        self.db.execute("INSERT INTO notice_versions (uid, version, content_hash, seen_at, changes, material)"
                        " VALUES (?, ?, ?, ?, ?, 1)",  # no raw record: as the previous version's
                        (uid, version, old[0]["content_hash"], now, json.dumps(changes)))
        return Saved(uid, version, "updated", changes, True)

    def preload_details(self, uids) -> None:
        """Look a page's fetched descriptions up in one query per 500, for `detail` (until the page's
        transaction ends)."""
        self._details.clear()
        wanted = list(dict.fromkeys(uids))
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            self._details |= dict.fromkeys(chunk)
            for uid, summary_hash, description in self.db.execute(
                    f"SELECT uid, summary_hash, description FROM details WHERE uid IN ({', '.join('?' * len(chunk))})",
                    chunk):
                self._details[uid] = (summary_hash, description)

    def detail(self, listed: Notice) -> str | None:
        """A description already fetched for this notice and list-record version, if any (the
        listed record's content hash is computed only when its uid has one: most have none)."""
        uid = listed.uid
        if uid in self._details:
            found = self._details[uid]
            return found[1] if found and found[0] == listed.content_hash() else None
        rows = self.rows("SELECT description FROM details WHERE uid = ? AND summary_hash = ?",
                         (uid, listed.content_hash()))
        return rows[0]["description"] if rows else None

    def save_detail(self, uid: str, summary_hash: str, description: str, now: str) -> None:
        self.db.execute("INSERT INTO details (uid, summary_hash, description, fetched_at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT(uid) DO UPDATE SET summary_hash = excluded.summary_hash,"
                        " description = excluded.description, fetched_at = excluded.fetched_at",
                        (uid, summary_hash, description, now))
        if uid in self._details:
            self._details[uid] = (summary_hash, description)

    def save_match(self, uid: str, version: int, watchlist: str, hits: list, now: str) -> None:
        self.db.execute("INSERT INTO matches (uid, version, watchlist, hits, matched_at) VALUES (?, ?, ?, ?, ?)"
                        " ON CONFLICT(uid, version, watchlist) DO UPDATE SET hits = excluded.hits,"
                        " matched_at = excluded.matched_at",
                        (uid, version, watchlist, json_dumps(hits), now))


_STATEMENTS: dict[tuple, tuple[str, list[str]]] = {}  # (sql, its parameters' columns): see NoticeRows._write


def in_batches(items: list, size: int = 500):
    """`items` in slices of `size`: a look-up of many uids is one `IN (…)` query per slice, inside
    SQLite's limit on bound parameters."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _notice_row(n: Notice, content: dict) -> dict:
    row = dict(content)
    row |= {"uid": n.uid, "source": n.source, "native_id": n.native_id,
            "agency": " › ".join(n.agency_path), "agency_path": json_text(n.agency_path),
            "vendor_ids": json_text(n.vendor_ids), "codes": json_text(n.codes),
            "competition_evidence": json_text(n.competition_evidence),
            "amount": float(n.amount) if n.amount is not None else None}
    return row


def amount_of(value) -> Decimal | None:
    """A stored REAL amount as the Decimal a reader sees (225000.0 → 225000.0, never 0.1000000000000000055)."""
    return None if value is None else Decimal(repr(float(value)))


def same_amount(stored, text: str | None):
    """The stored amount as content() text: `text` itself when it is the same number."""
    if stored is None:
        return None
    if text is not None and float(Decimal(text)) == float(stored):
        return text
    return str(amount_of(stored))


def notice_from_row(row: dict, raw: str) -> Notice:
    """Rebuild a Notice from its `notices` row."""
    fields = {k: row.get(k) for k in CONTENT_FIELDS}
    fields["agency_path"] = json.loads(fields["agency_path"] or "[]")
    fields["vendor_ids"] = json.loads(fields["vendor_ids"] or "[]")
    fields["amount"] = amount_of(fields["amount"])
    fields["title"], fields["description"] = fields["title"] or "", fields["description"] or ""
    fields["vendor_name"], fields["reference"] = fields["vendor_name"] or "", fields["reference"] or ""
    fields["url"] = fields["url"] or ""
    return Notice(source=row["source"], native_id=row["native_id"], raw=raw,
                  codes=json.loads(row["codes"] or "{}"),
                  competition_evidence=json.loads(row["competition_evidence"] or "[]"), **fields)
