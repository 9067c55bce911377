"""Per-source poll state: cursors, first-run baselines, health, request budgets and operator
incidents.

A mixin of `store.Database`.
"""

from __future__ import annotations

import hashlib
import json


class SourceState:
    """Cursors, baselines, health, budgets and incidents of the sources."""

    def cursor(self, source: str) -> dict | None:
        rows = self.rows("SELECT cursor FROM cursors WHERE source = ?", (source,))
        return json.loads(rows[0]["cursor"]) if rows else None

    def set_cursor(self, source: str, cursor: dict, now: str) -> None:
        self.db.execute("INSERT INTO cursors (source, cursor, updated_at) VALUES (?, ?, ?) ON CONFLICT(source)"
                        " DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
                        (source, json.dumps(cursor), now))

    def add_baseline(self, source: str, held_back: int, now: str) -> None:
        """Count notices stored without alerting on a source's first poll."""
        self.db.execute(
            "INSERT INTO baselines (source, held_back, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT(source) DO UPDATE SET held_back = held_back + excluded.held_back",
            (source, held_back, now))

    def baselines_since(self, since: str | None) -> dict[str, int]:
        rows = self.rows("SELECT source, held_back FROM baselines WHERE created_at > ? AND held_back > 0",
                         (since or "",))
        return {r["source"]: r["held_back"] for r in rows}

    def record_health(self, source: str, now: str, error: str | None, fetched: int, new: int,
                      warning: str | None = None) -> None:
        """Update a source's health after a poll: failures count up until the next success.

        A `warning` (a poll that worked but should be looked at) is kept as `last_error`, prefixed
        "warning:", without counting as a failure."""
        old = self.rows("SELECT * FROM source_health WHERE source = ?", (source,))
        row = old[0] if old else {"source": source, "consecutive_failures": 0, "fetched": 0, "new": 0}
        row |= {"last_attempt_at": now, "fetched": row["fetched"] + fetched, "new": row["new"] + new}
        if error:
            row |= {"consecutive_failures": row["consecutive_failures"] + 1, "last_error": error}
        else:
            row |= {"consecutive_failures": 0, "last_ok_at": now,
                    "last_error": f"warning: {warning}" if warning else None}
            if new:
                row["last_new_at"] = now
        columns = ", ".join(f"[{c}]" for c in row)
        self.db.execute(f"INSERT INTO source_health ({columns}) VALUES ({', '.join('?' * len(row))}) ON CONFLICT(source)"
                        f" DO UPDATE SET {', '.join(f'[{c}] = excluded.[{c}]' for c in row if c != 'source')}",
                        list(row.values()))

    def health(self) -> list[dict]:
        return self.rows("SELECT * FROM source_health ORDER BY source")

    def budget_used(self, key_id: str, day: str) -> int:
        rows = self.rows("SELECT used FROM request_budget WHERE key_id = ? AND day = ?", (key_id, day))
        return rows[0]["used"] if rows else 0

    def spend_budget(self, key_id: str, day: str, n: int = 1) -> int:
        """Count `n` requests against a key's day; return the new total."""
        self.db.execute(
            "INSERT INTO request_budget (key_id, day, used) VALUES (?, ?, ?)"
            " ON CONFLICT(key_id, day) DO UPDATE SET used = used + excluded.used", (key_id, day, n))
        return self.budget_used(key_id, day)

    def incidents(self, source: str | None = None, open_only: bool = True) -> list[dict]:
        where = ["closed_at IS NULL"] if open_only else []
        args: tuple = ()
        if source:
            where.append("source = ?")
            args = (source,)
        sql = "SELECT * FROM health_incidents" + (" WHERE " + " AND ".join(where) if where else "")
        return self.rows(sql + " ORDER BY id", args)

    def open_incident(self, source: str, kind: str, message: str, now: str) -> None:
        self.db.execute("INSERT INTO health_incidents (source, kind, message, opened_at) VALUES (?, ?, ?, ?)",
                        (source, kind, message, now))

    def close_incident(self, incident_id: int, now: str) -> None:
        self.db.execute("UPDATE health_incidents SET closed_at = ? WHERE id = ?", (now, incident_id))

    def unannounced_incidents(self) -> list[dict]:
        """Incidents whose opening or recovery has not been told to an operator yet."""
        return self.rows("SELECT * FROM health_incidents WHERE opened_alerted_at IS NULL"
                         " OR (closed_at IS NOT NULL AND closed_alerted_at IS NULL) ORDER BY id")

    def mark_announced(self, incident_id: int, column: str, now: str) -> None:
        assert column in ("opened_alerted_at", "closed_alerted_at")
        self.db.execute(f"UPDATE health_incidents SET {column} = ? WHERE id = ?", (now, incident_id))


def budget_key(secret: str) -> str:
    """The id a key's request counts are stored under: a hash prefix, never the key itself."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]
