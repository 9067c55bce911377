"""Delivery as the store sees it: where a notice was queued and sent, dead letters, last digests
(bot/outbox.py and bot/delivery.py own the outbox's writes).

A mixin of `store.Database`.
"""

from __future__ import annotations

from .notice import Notice
from .store_notices import in_batches, notice_from_row


class DeliveryQueries:
    """Reads of the outbox and digests for alerts, `show` and `status`."""

    def digest_notices(self, uids: list[str]) -> dict[str, tuple[Notice, bool]]:
        """uid → (notice, withdrawn) for a digest's items, 500 uids a query, without their raw records:
        no channel shows the record as received, and reading it cost three more b-trees (versions,
        raw records, the source's dictionary) per delivery, cold."""
        found = {}
        for chunk in in_batches(uids):
            for row in self.rows(f"SELECT * FROM notices WHERE uid IN ({','.join('?' * len(chunk))})", chunk):
                found[row["uid"]] = (notice_from_row(row, ""), bool(row["withdrawn"]))
        return found

    def alerted_to(self, uid: str) -> list[dict]:
        """Each (channel, recipient) a notice was queued for, with the watchlists and hits of its last row."""
        return self.rows("SELECT channel, recipient, watchlists, hits FROM outbox WHERE id IN"
                         " (SELECT max(id) FROM outbox WHERE uid = ? GROUP BY channel, recipient)", (uid,))

    def deliveries(self, uid: str) -> list[dict]:
        """Outbox rows of a notice with the digest each went out in."""
        return self.rows("SELECT o.channel, o.recipient, o.version, o.state, o.attempts, o.last_error,"
                         " o.sent_at, d.message_ref FROM outbox o LEFT JOIN digests d ON d.id = o.digest_id"
                         " WHERE o.uid = ? ORDER BY o.id", (uid,))

    def dead_letters(self, limit: int = 5) -> list[dict]:
        return self.rows("SELECT channel, recipient, uid, attempts, last_error FROM outbox"
                         " WHERE state != 'sent' AND state = 'dead' ORDER BY id DESC LIMIT ?",  # outbox.UNSENT: m012's index
                         (limit,))

    def last_digests(self) -> list[dict]:
        """The latest sent digest per channel and recipient."""
        return self.rows("SELECT channel, recipient, max(sent_at) AS sent_at, count(*) AS digests"
                         " FROM digests WHERE sent_at IS NOT NULL GROUP BY channel, recipient"
                         " ORDER BY channel, recipient")
