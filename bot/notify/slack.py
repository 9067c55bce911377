"""The Slack channel: Block Kit digests posted with slack-sdk's WebClient (platform notes §1).

Every piece of notice text is escaped (`&`, `<`, `>`), so no notice can ping @channel or forge a
link. Long digests are split (≤45 blocks, ≈10k characters a message) and posted at most once a
second. Each message carries the digest id in its metadata: a resend first looks for it in the
channel, so a digest whose confirmation was lost is not posted twice. Material updates of an
alerted notice go in the thread of the message that announced it.
"""

from __future__ import annotations

import json
import logging
import re
import time
from urllib.error import URLError
from urllib.parse import quote, urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import (ContextBlock, DividerBlock, HeaderBlock, MarkdownTextObject,
                                     PlainTextObject, SectionBlock)

from ..digest import (LABELS, Digest, Item, after_change, change_lines, clean, headline, importance, money,
                      source_label, summary, tag)
from .base import Channel, Result, is_loopback, probe_digest

log = logging.getLogger("procwatch")

EVENT = "procwatch_digest"
MAX_BLOCKS = 45  # Slack's limit is 50 (platform notes §1.2)
MAX_CHARS = 10_000  # the undocumented cumulative limit is ~12-13k (§1.2)
PACE = 1.0  # seconds between messages to one channel (§1.1)
MAX_WAIT = 60.0  # a Retry-After longer than this is left to the outbox's backoff
TOKEN_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}


def escape(text) -> str:
    """Slack's three control characters escaped, `&` first; control characters dropped."""
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int) -> str:
    """Cut escaped text to `limit` characters without splitting an `&amp;`-style entity."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def link(url: str, label: str) -> str:
    """`<url|label>` for an http(s) URL (label already escaped); the bare label otherwise."""
    url = clean(url).strip()
    if not url.lower().startswith(("http://", "https://")):
        return label
    safe = quote(url, safe=":/?#[]@!$&'()*+,;=%~.-_")  # encodes whitespace, |, <, >, quotes
    return f"<{safe.replace('&', '&amp;')}|{label}>"


class Slack(Channel):
    kind = "slack"
    OPTIONS = {"channel": "", "base_url": "https://slack.com/api/", "timeout": 30.0}
    SECRETS = ("token",)
    SECRETS_REQUIRED = True

    def __init__(self, config, client: WebClient | None = None, clock=time.monotonic, sleep=time.sleep):
        super().__init__(config)
        opts = config.options
        # No retry handlers: slack-sdk's connection-error retry re-posts a chat.postMessage that may
        # have landed; the outbox retries instead, after looking for the digest in the channel.
        self.client = client or WebClient(token=config.secrets.get("token"), base_url=opts["base_url"],
                                          timeout=opts["timeout"], retry_handlers=[])
        self.channel_id = opts["channel"]
        self.clock, self.sleep = clock, sleep
        self._last_post: float | None = None

    @classmethod
    def check_options(cls, options: dict) -> list[tuple[str, str]]:
        problems = []
        if not options["channel"]:
            problems.append(("channel", "missing: the ID of the channel to post to, e.g. C0123456789"))
        if not str(options["base_url"]).startswith(("http://", "https://")):
            problems.append(("base_url", "must start with http:// or https://"))
        if not options["timeout"] > 0:
            problems.append(("timeout", "must be more than 0 seconds"))
        return problems

    @classmethod
    def plaintext(cls, options: dict, secrets: dict) -> list[tuple[str, str]]:
        """An http:// Web API address elsewhere than this machine would carry the token in clear."""
        url = urlsplit(str(options["base_url"]))
        if url.scheme == "http" and not is_loopback(url.hostname or ""):
            return [("base_url", f"http:// would send the Slack token in clear to {url.hostname}")]
        return []

    # -- sending --------------------------------------------------------------------------------

    def send(self, digest: Digest) -> Result:
        """Post every message of the digest not already in the channel; never raises."""
        messages = messages_for(digest, self.channel_id)
        threads: dict[str, str] = {}
        first = ""
        try:
            posted = self._already_posted(digest, messages) if digest.resend else {}
            for message in messages:
                key = message["metadata"]["event_payload"]["part"]
                ts = posted.get(key) or self._post(message)
                first = first or ts
                for uid in message["metadata"]["event_payload"]["uids"]:
                    threads[uid] = message.get("thread_ts") or ts
        except SlackApiError as e:
            return self._failure(e)
        except (URLError, OSError) as e:  # timeouts included: the post may have landed; retry checks
            return Result(False, f"cannot reach Slack: {getattr(e, 'reason', e)}")
        return Result(True, message_ref=next(iter(threads.values()), first), threads=threads)

    def test(self, to: str | None = None) -> list[tuple[bool, str]]:
        """auth.test (the token), conversations.info (the app is in the channel), then a test post."""
        steps: list[tuple[bool, str]] = []
        try:
            auth = self.client.auth_test()
            steps.append((True, f"token accepted: bot {auth.get('user', '?')} in workspace {auth.get('team', '?')}"))
            steps.append(self._membership())
        except SlackApiError as e:
            return steps + [(False, self._failure(e).error)]
        except (URLError, OSError) as e:
            return steps + [(False, f"cannot reach Slack: {getattr(e, 'reason', e)}")]
        if not steps[-1][0]:
            return steps
        result = self.send(probe_digest(self.name, ""))
        return steps + [(result.ok, f"test message posted to {self.channel_id} (ts {result.message_ref})"
                         if result.ok else result.error)]

    def _membership(self) -> tuple[bool, str]:
        """Whether the app is a member of the channel (checking needs channels:read; without it, a warning)."""
        try:
            info = self.client.conversations_info(channel=self.channel_id)["channel"]
        except SlackApiError as e:
            error = e.response.get("error", "") if isinstance(e.response.data, dict) else ""
            if error == "missing_scope":
                return True, "cannot check channel membership (add the channels:read scope); trying a post"
            raise
        name = f"#{info.get('name')}" if info.get("name") else self.channel_id
        if info.get("is_member") or info.get("is_im"):
            return True, f"the app is a member of {name}"
        return False, f"the app is not in {name} ({self.channel_id}): invite it with /invite @yourapp"

    def _post(self, message: dict) -> str:
        """One chat.postMessage, paced to 1/s, waiting out a short Retry-After; returns the ts."""
        attempt = 1
        while True:
            self._pace()
            try:
                return self.client.chat_postMessage(**message, unfurl_links=False, unfurl_media=False)["ts"]
            except SlackApiError as e:
                wait = _retry_after(e)
                if wait is None or wait > MAX_WAIT or attempt == 3:
                    raise
                log.info("Slack rate limit on %s: waiting %ss", self.name, wait)
                self.sleep(wait)
                attempt += 1

    def _pace(self) -> None:
        if self._last_post is not None:
            wait = self._last_post + PACE - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last_post = self.clock()

    def _already_posted(self, digest: Digest, messages: list[dict]) -> dict[str, str]:
        """Parts of this digest already in the channel (a lost confirmation): part → ts."""
        found: dict[str, str] = {}
        threads = {m["thread_ts"] for m in messages if m.get("thread_ts")}
        pages = [self.client.conversations_history(channel=self.channel_id, limit=200,
                                                   include_all_metadata=True)]
        pages += [self.client.conversations_replies(channel=self.channel_id, ts=ts, limit=200,
                                                    include_all_metadata=True) for ts in sorted(threads)]
        for page in pages:
            for msg in page.get("messages", []):
                meta = msg.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == EVENT and payload.get("digest_id") == digest.id:
                    found[payload.get("part", "")] = msg["ts"]
        if found:
            log.warning("%s: %d message(s) of digest %s were already posted; not posting them again",
                        self.name, len(found), digest.id)
        return found

    def _failure(self, e: SlackApiError) -> Result:
        """One clear line for the log and the outbox; the token never appears in it."""
        status = e.response.status_code
        error = e.response.get("error", "") if isinstance(e.response.data, dict) else ""
        error = error if re.fullmatch(r"[a-z_]{1,60}", str(error)) else ""  # a code, never a page body
        if status == 429:
            wait = _retry_after(e) or 60.0
            return Result(False, f"Slack rate limit (HTTP 429); retrying after {wait:g}s", retry_after=wait)
        if error in TOKEN_ERRORS:
            return Result(False, f"Slack rejected the token ({error}): check the variable named by token_env")
        if error in ("channel_not_found", "not_in_channel", "is_archived"):
            return Result(False, f"Slack cannot post to {self.channel_id} ({error}): invite the app to it")
        if error:
            return Result(False, f"Slack refused the message ({error})")
        return Result(False, f"Slack answered HTTP {status}")

    def preview(self, digest: Digest) -> str:
        """The chat.postMessage payloads that would be sent, as JSON."""
        return json.dumps(messages_for(digest, self.channel_id), indent=2, ensure_ascii=False)


def _retry_after(e: SlackApiError) -> float | None:
    if e.response.status_code != 429:
        return None
    try:
        return float(e.response.headers.get("Retry-After", e.response.headers.get("retry-after", 1)))
    except (TypeError, ValueError):
        return 1.0


# -- rendering ----------------------------------------------------------------------------------

def messages_for(digest: Digest, channel: str) -> list[dict]:
    """The chat.postMessage payloads: the digest split into parts, then one reply per threaded update."""
    fresh = sorted((i for i in digest.items if not i.thread), key=importance)
    parts = _split([(item, _item_blocks(item)) for item in fresh])
    messages = []
    if digest.notes:
        text = fit(escape("\n".join(digest.notes)), 3000)
        messages.append(_message(channel, digest.id, "notes", [], "procwatch operator alert",
                                 [HeaderBlock(text=PlainTextObject(text="procwatch operator alert")),
                                  SectionBlock(text=MarkdownTextObject(text=text, verbatim=True))]))
    for n, part in enumerate(parts, 1):
        label = f" ({n}/{len(parts)})" if len(parts) > 1 else ""
        title = fit(escape(f"procwatch: {_count(len(fresh))} matched{label}"), 150)
        blocks = [HeaderBlock(text=PlainTextObject(text=title, emoji=False)),
                  ContextBlock(elements=[MarkdownTextObject(text=fit(escape(summary(fresh)), 2000), verbatim=True)])]
        # The notification people see first names the lead item, not only a count.
        title = fit(escape(f"procwatch: {_count(len(fresh))} — {headline(fresh)}{label}"), 300)
        blocks += [b for _, item_blocks in part for b in item_blocks]
        if n == len(parts):
            blocks += _held_back(digest)
        messages.append(_message(channel, digest.id, f"part {n}", [i.notice.uid for i, _ in part],
                                 title, blocks))
    for item in (i for i in digest.items if i.thread):
        text = fit(escape(f"{tag(item).capitalize()}: {item.notice.title or item.notice.uid}"), 150)
        messages.append(_message(channel, digest.id, f"update {item.notice.uid}", [item.notice.uid], text,
                                 _update_blocks(item), thread_ts=item.thread, broadcast=item.withdrawn))
    return messages


def _message(channel: str, digest_id: str, part: str, uids: list[str], text: str, blocks: list,
             thread_ts: str = "", broadcast: bool = False) -> dict:
    message = {"channel": channel, "text": text, "blocks": [b.to_dict() for b in blocks],
               "metadata": {"event_type": EVENT,
                            "event_payload": {"digest_id": digest_id, "part": part, "uids": uids}}}
    if thread_ts:
        message["thread_ts"] = thread_ts
        if broadcast:  # a withdrawal must not hide in a thread: the alert in the channel reads as live
            message["reply_broadcast"] = True
    return message


def _count(n: int) -> str:
    return f"{n} sole-source {'notice' if n == 1 else 'notices'}"


def _split(items: list[tuple[Item, list]]) -> list[list[tuple[Item, list]]]:
    """Group item blocks into messages of ≤ MAX_BLOCKS blocks and ≤ MAX_CHARS characters."""
    parts: list[list] = [[]]
    blocks, chars = 3, 400  # header, summary and held-back context
    for item, item_blocks in items:
        size = sum(len(json.dumps(b.to_dict(), ensure_ascii=False)) for b in item_blocks)
        if parts[-1] and (blocks + len(item_blocks) > MAX_BLOCKS or chars + size > MAX_CHARS):
            parts.append([])
            blocks, chars = 3, 400
        parts[-1].append((item, item_blocks))
        blocks, chars = blocks + len(item_blocks), chars + size
    return parts if parts[0] else []


def _item_blocks(item: Item) -> list:
    """A section (what, who, by whom, how much, verdict, why) and a context line for one notice."""
    x = item.notice
    title = fit(escape(x.title or "(untitled)"), 300)
    lines = [_tag(item) + f"*{link(x.url, title)}*",
             f"*Agency:* {fit(escape(' › '.join(x.agency_path)), 300) or 'not stated'}",
             f"*Vendor:* {fit(escape(x.vendor_name), 200) or 'not stated'}"
             + (f" ({fit(escape(', '.join(x.vendor_ids)), 200)})" if x.vendor_ids else ""),
             f"*Amount:* {escape(money(x.amount, x.currency))}  ·  *Dates:* {escape(_dates(x))}"]
    if item.follow_up:
        lines.append(f"*Thread:* follow-up of {fit(escape(item.follow_up), 300)}")
    lines += [f"*Verdict:* {x.competition.replace('_', ' ')}"
             + (f" — {fit(escape('; '.join(x.competition_evidence)), 600)}" if x.competition_evidence else "")]
    lines += _flags(item)
    lines += [f"*Changed:* {fit(escape(line), 300)}" for line in change_lines(item.changes)]
    lines += [f"*Matched:* {_why(watchlist, hits)}" for watchlist, hits in item.hits.items()]
    context = " · ".join(escape(p) for p in (source_label(x), x.kind, f"ref {x.reference}" if x.reference else "",
                                             x.uid) if p)
    return [SectionBlock(text=MarkdownTextObject(text=fit("\n".join(lines), 3000), verbatim=True)),
            ContextBlock(elements=[MarkdownTextObject(text=fit(context, 2000), verbatim=True)]),
            DividerBlock()]


def _update_blocks(item: Item) -> list:
    """A thread reply: what changed, and the link."""
    x = item.notice
    lines = [_tag(item) + f"*{link(x.url, fit(escape(x.title or x.uid), 300))}*",
             f"*Amount:* {escape(money(x.amount, x.currency))}  ·  *Vendor:* {fit(escape(x.vendor_name), 200) or 'not stated'}"]
    lines += [fit(escape(line), 300) for line in change_lines(item.changes)] or ["(details changed)"]
    lines += _flags(item)
    return [SectionBlock(text=MarkdownTextObject(text=fit("\n".join(lines), 3000), verbatim=True))]


def _tag(item: Item) -> str:
    """`*[WITHDRAWN]* ` / `*[UPDATE]* ` before the title, as the console and email show it."""
    return f"*[{tag(item)}]* " if tag(item) else ""


def _flags(item: Item) -> list[str]:
    """The red flags line (bot/flags.py), when any is raised."""
    return [f"*Flags:* {fit(escape('; '.join(item.flags)), 600)}"] if item.flags else []


def _why(watchlist: str, hits: list[dict]) -> str:
    """`surveillance: vendor *Clearview AI* in awardee`, every piece escaped."""
    parts = [f"{escape(h['kind'])} *{fit(escape(h['term']), 100)}* in {escape(LABELS.get(h['field'], h['field']))}"
             for h in hits]
    return f"{escape(watchlist)}: " + (", ".join(parts) if parts else "every notice in scope") + after_change(hits)


def _dates(x) -> str:
    parts = [f"posted {x.posted_at[:10]}" if x.posted_at else "",
             f"awarded {x.awarded_at[:10]}" if x.awarded_at else "",
             f"period {x.period_start[:10]} to {(x.period_end or '?')[:10]}" if x.period_start else ""]
    return ", ".join(p for p in parts if p) or "not stated"


def _held_back(digest: Digest) -> list:
    if not digest.held_back:
        return []
    text = "; ".join(f"{n} older {'notice' if n == 1 else 'notices'} from {escape(s)} stored as the first-run"
                     " baseline, not alerted" for s, n in digest.held_back.items())
    return [ContextBlock(elements=[MarkdownTextObject(text=fit(text, 2000), verbatim=True)])]
