"""Schema migrations (sqlite-utils' built-in `Migrations`): each runs once, in order, in a transaction."""

from sqlite_utils import Database, Migrations

migrations = Migrations("procwatch")


@migrations()
def m001_initial(db: Database) -> None:
    """The tables of DESIGN §6."""
    db["notices"].create({
        "uid": str, "source": str, "native_id": str, "kind": str, "title": str, "description": str,
        "agency": str, "agency_path": str, "vendor_name": str, "vendor_ids": str, "amount": str,
        "currency": str, "posted_at": str, "awarded_at": str, "period_start": str, "period_end": str,
        "reference": str, "codes": str, "competition": str, "competition_evidence": str, "url": str,
        "content_hash": str, "version": int, "first_seen_at": str, "last_seen_at": str,
        "withdrawn": int,
    }, pk="uid")
    db["notices"].create_index(["source", "posted_at"])
    db["notices"].create_index(["reference"])
    db["notices"].enable_fts(["title", "description", "vendor_name", "agency"], fts_version="FTS5",
                             create_triggers=True)
    db["notice_versions"].create({
        "uid": str, "version": int, "content_hash": str, "seen_at": str, "changes": str,
        "material": int, "content": str, "raw": str,
    }, pk=("uid", "version"))
    db["details"].create({"uid": str, "summary_hash": str, "description": str, "fetched_at": str},
                         pk="uid")
    db["matches"].create({"uid": str, "version": int, "watchlist": str, "hits": str, "matched_at": str},
                         pk=("uid", "version", "watchlist"))
    db["outbox"].create({
        "id": int, "channel": str, "recipient": str, "uid": str, "version": int, "watchlists": str,
        "hits": str, "is_update": int, "changes": str, "state": str, "digest_id": str,
        "attempts": int, "next_attempt_at": str, "last_error": str, "created_at": str, "sent_at": str,
    }, pk="id", not_null={"channel", "recipient", "uid", "version", "state"})
    db["outbox"].create_index(["channel", "recipient", "uid", "version"], unique=True)
    db["outbox"].create_index(["state", "next_attempt_at"])
    db["digests"].create({
        "id": str, "channel": str, "recipient": str, "created_at": str, "sent_at": str,
        "items": int, "message_ref": str,
    }, pk="id")
    db["cursors"].create({"source": str, "cursor": str, "updated_at": str}, pk="source")
    db["source_health"].create({
        "source": str, "last_attempt_at": str, "last_ok_at": str, "last_new_at": str,
        "consecutive_failures": int, "last_error": str, "fetched": int, "new": int,
    }, pk="source")
    db["baselines"].create({"source": str, "held_back": int, "created_at": str}, pk="source")
    db["request_budget"].create({"key_id": str, "day": str, "used": int}, pk=("key_id", "day"))


@migrations()
def m002_alert_threads(db: Database) -> None:
    """Where each notice was first alerted (e.g. a Slack message ts), so updates go in its thread."""
    db["alert_threads"].create({
        "channel": str, "recipient": str, "uid": str, "reference": str, "message_ref": str,
        "created_at": str,
    }, pk=("channel", "recipient", "uid"))
    db["alert_threads"].create_index(["channel", "recipient", "reference"])


@migrations()
def m003_health_incidents(db: Database) -> None:
    """Operator-alert incidents (one row per problem, opened and closed once) and daemon facts (heartbeat)."""
    db["health_incidents"].create({
        "id": int, "source": str, "kind": str, "message": str, "opened_at": str, "closed_at": str,
        "opened_alerted_at": str, "closed_alerted_at": str,
    }, pk="id", not_null={"source", "kind", "opened_at"})
    db["health_incidents"].create_index(["source", "closed_at"])
    db["meta"].create({"key": str, "value": str}, pk="key")


@migrations()
def m020_flags(db: Database) -> None:
    """Red flags (bot/flags.py): one row per (notice, flag), cleared rather than deleted."""
    db["flags"].create({
        "uid": str, "flag": str, "detail": str, "due": str, "raised_at": str, "cleared_at": str,
        "announced_at": str,  # when a closed intent window was followed up
    }, pk=("uid", "flag"), not_null={"uid", "flag", "detail", "raised_at"})
    db["flags"].create_index(["flag", "cleared_at"])
    db["flag_vendors"].create({"uid": str, "vendor": str, "agency": str, "day": str, "reference": str},
                              pk=("uid", "vendor"))
    db["flag_vendors"].create_index(["vendor", "agency", "day"])


@migrations()
def m021_evidence(db: Database) -> None:
    """Source responses kept as received for citation (bot/evidence.py), linked to notice versions."""
    db["evidence_responses"].create({
        "sha256": str, "url": str, "retrieved_at": str, "status": int, "headers": str, "body": bytes,
    }, pk="sha256")
    db["evidence_links"].create({"uid": str, "version": int, "sha256": str}, pk=("uid", "version", "sha256"))


@migrations()
def m022_documents(db: Database) -> None:
    """Attachments (bot/documents.py): each file once per content hash, and which notice lists which."""
    db["documents"].create({
        "sha256": str, "name": str, "content_type": str, "size": int, "pages": int, "status": str,
        "text": str, "body": bytes, "url": str, "fetched_at": str,
    }, pk="sha256")
    db["notice_documents"].create({"uid": str, "links_key": str, "position": int, "sha256": str,
                                   "linked_at": str}, pk=("uid", "links_key", "position"))
