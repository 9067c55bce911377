"""The Slack channel against a local fake Slack Web API: content, escaping, splitting, pacing, errors."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from conftest import SLACK_TOKEN

from bot.config import ChannelConfig
from bot.digest import Digest, Item
from bot.notice import Notice
from bot.notify.slack import Slack

CLEARVIEW_HITS = {"surveillance": [{"kind": "vendor", "term": "Clearview AI", "field": "vendor_name",
                                    "text": "CLEARVIEW AI, INC."}]}


def notice(n: int = 1, **fields) -> Notice:
    base = dict(source="sam", native_id=f"aa{n:030d}", title="Clearview AI Facial Recognition Licenses",
                url=f"https://sam.gov/workspace/contract/opp/aa{n:030d}/view", kind="justification",
                agency_path=["HOMELAND SECURITY, DEPARTMENT OF", "U.S. CUSTOMS AND BORDER PROTECTION"],
                vendor_name="CLEARVIEW AI, INC.", amount=Decimal("225000.00"), currency="USD",
                posted_at="2026-09-30", reference="70B04C26F00000001", competition="sole_source",
                competition_evidence=["notice type Justification (J&A)", "FAR 6.302-1"])
    return Notice(**(base | fields))


def item(n: int = 1, changes=None, thread="", **fields) -> Item:
    return Item(notice(n, **fields), 1, ["surveillance"], CLEARVIEW_HITS, changes or {}, thread)


def slack(fake, clock=None, sleeps=None) -> Slack:
    config = ChannelConfig("team", "slack", ("surveillance",), "instant",
                           {"channel": "C0PROCWATCH", "base_url": fake.base_url, "timeout": 2.0},
                           {"token": SLACK_TOKEN})
    now = clock or [0.0]

    def sleep(seconds):
        (sleeps if sleeps is not None else []).append(seconds)
        now[0] += seconds

    fake.clock = lambda: now[0]
    return Slack(config, clock=lambda: now[0], sleep=sleep)


def test_digest_is_block_kit_with_everything_a_reader_needs(fake_slack):
    result = slack(fake_slack).send(Digest("d1", "team", "", [item()]))
    assert result.ok and result.message_ref == fake_slack.posts[0]["ts"]
    post = fake_slack.posts[0]
    text = fake_slack.text_of(post)
    assert post["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "emoji": False,
                                                            "text": "procwatch: 1 sole-source notice matched"}}
    assert "*<https://sam.gov/workspace/contract/opp/aa000000000000000000000000000001/view|Clearview AI " \
           "Facial Recognition Licenses>*" in text
    assert "HOMELAND SECURITY, DEPARTMENT OF › U.S. CUSTOMS AND BORDER PROTECTION" in text
    assert "*Amount:* $225,000" in text and "CLEARVIEW AI, INC." in text
    assert "sole source — notice type Justification (J&amp;A); FAR 6.302-1" in text
    assert "*Matched:* surveillance: vendor *Clearview AI* in awardee" in text
    assert post["unfurl_links"] is False and post["unfurl_media"] is False
    assert post["metadata"]["event_payload"]["digest_id"] == "d1"
    assert result.threads == {"sam:aa000000000000000000000000000001": post["ts"]}


def test_hostile_title_cannot_mention_or_forge_a_link(fake_slack):
    hostile = "<!channel> urgent <https://evil.example|click> & <@U123> <!here>"
    slack(fake_slack).send(Digest("d1", "team", "", [item(title=hostile, vendor_name="<!everyone>")]))
    post = fake_slack.posts[0]
    text = fake_slack.text_of(post)
    assert "&lt;!channel&gt; urgent &lt;https://evil.example|click&gt; &amp; &lt;@U123&gt; &lt;!here&gt;" in text
    assert "&lt;!everyone&gt;" in text
    # The only <…> sequence Slack would act on is our own link to the notice.
    assert re.findall(r"<[^>]*>", text) == [
        "<https://sam.gov/workspace/contract/opp/aa000000000000000000000000000001/view|&lt;!channel&gt; urgent "
        "&lt;https://evil.example|click&gt; &amp; &lt;@U123&gt; &lt;!here&gt;>"]
    assert all(b["text"]["verbatim"] for b in post["blocks"] if b["type"] == "section")


def test_a_non_web_url_is_not_linked(fake_slack):
    slack(fake_slack).send(Digest("d1", "team", "", [item(url="javascript:alert(1)")]))
    text = fake_slack.text_of(fake_slack.posts[0])
    assert "javascript" not in text and "*Clearview AI Facial Recognition Licenses*" in text


def test_long_digest_is_split_within_limits_and_paced_one_per_second(fake_slack):
    sleeps = []
    items = [item(n, title=f"Notice {n} " + "x" * 400) for n in range(1, 41)]
    result = slack(fake_slack, sleeps=sleeps).send(Digest("d1", "team", "", items))
    assert result.ok
    posts = fake_slack.posts
    assert len(posts) >= 3
    for post in posts:
        assert len(post["blocks"]) <= 50
        assert len(fake_slack.text_of(post)) < 12_000
    uids = [u for p in posts for u in p["metadata"]["event_payload"]["uids"]]
    assert sorted(uids) == sorted(i.notice.uid for i in items)  # every notice exactly once
    assert posts[0]["blocks"][0]["text"]["text"] == f"procwatch: 40 sole-source notices matched (1/{len(posts)})"
    assert all(b - a >= 1.0 for a, b in zip(fake_slack.times, fake_slack.times[1:], strict=False))
    assert sum(sleeps) == pytest.approx(len(posts) - 1)


def test_429_waits_retry_after_then_posts_once(fake_slack):
    sleeps = []
    fake_slack.script.append((429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"}))
    result = slack(fake_slack, sleeps=sleeps).send(Digest("d1", "team", "", [item()]))
    assert result.ok and len(fake_slack.posts) == 1 and sleeps == [7.0]


def test_long_retry_after_is_left_to_the_outbox(fake_slack):
    fake_slack.script.append((429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "3600"}))
    result = slack(fake_slack).send(Digest("d1", "team", "", [item()]))
    assert not result.ok and result.retry_after == 3600
    assert result.error == "Slack rate limit (HTTP 429); retrying after 3600s"


@pytest.mark.parametrize("step, error", [
    ((200, {"ok": False, "error": "msg_too_long"}, {}), "Slack refused the message (msg_too_long)"),
    ((200, {"ok": False, "error": "channel_not_found"}, {}),
     "Slack cannot post to C0PROCWATCH (channel_not_found): invite the app to it"),
    ((500, {"ok": False, "error": "internal_error"}, {}), "Slack refused the message (internal_error)"),
])
def test_slack_errors_are_one_clear_line(fake_slack, step, error):
    fake_slack.script.append(step)
    result = slack(fake_slack).send(Digest("d1", "team", "", [item()]))
    assert not result.ok and result.error == error and not fake_slack.posts


def test_bad_token_is_named_without_the_token(fake_slack):
    channel = slack(fake_slack)
    channel.client.token = "xoxb-wrong-secret"
    result = channel.send(Digest("d1", "team", "", [item()]))
    assert result.error == "Slack rejected the token (invalid_auth): check the variable named by token_env"
    assert "xoxb" not in result.error


def test_timeout_is_a_failure_to_retry(fake_slack):
    fake_slack.script.append(1.5)
    channel = slack(fake_slack)
    channel.client.timeout = 0.3
    result = channel.send(Digest("d1", "team", "", [item()]))
    assert not result.ok and result.error.startswith("cannot reach Slack")


def test_resend_skips_parts_already_in_the_channel(fake_slack):
    items = [item(n, title=f"Notice {n} " + "x" * 400) for n in range(1, 41)]
    # First attempt: part 1 lands, part 2 is refused.
    channel = slack(fake_slack)
    original = channel._post
    calls = []

    def post_then_fail(message):
        calls.append(message)
        if len(calls) == 2:
            fake_slack.script.append((500, {"ok": False, "error": "internal_error"}, {}))
        return original(message)

    channel._post = post_then_fail
    assert not channel.send(Digest("d1", "team", "", items)).ok
    assert len(fake_slack.posts) == 1
    # The resend (same digest id) finds part 1 in the channel's history and posts only the rest.
    result = slack(fake_slack).send(Digest("d1", "team", "", items, resend=True))
    assert result.ok
    parts = [p["metadata"]["event_payload"]["part"] for p in fake_slack.posts]
    assert len(parts) == len(set(parts)) >= 3  # part 1 once, then the rest
    assert set(result.threads) == {i.notice.uid for i in items}


def test_update_of_an_alerted_notice_is_a_thread_reply_saying_what_changed(fake_slack):
    update = item(changes={"amount": ["225000.00", "250000.00"]}, thread="1790000000.000100",
                  amount=Decimal("250000.00"))
    result = slack(fake_slack).send(Digest("d2", "team", "", [update]))
    assert result.ok and len(fake_slack.posts) == 1
    reply = fake_slack.posts[0]
    assert reply["thread_ts"] == "1790000000.000100"
    assert "Amount: $225,000 → $250,000" in fake_slack.text_of(reply)
    assert result.threads == {update.notice.uid: "1790000000.000100"}


def test_operator_notes_are_posted_escaped(fake_slack):
    slack(fake_slack).send(Digest("h1", "team", "", [], notes=["sam: 3 failed polls <!channel>"]))
    text = fake_slack.text_of(fake_slack.posts[0])
    assert "sam: 3 failed polls &lt;!channel&gt;" in text


def test_third_429_in_a_row_is_left_to_the_outbox(fake_slack):
    sleeps = []
    fake_slack.script += [(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "2"})] * 3
    result = slack(fake_slack, sleeps=sleeps).send(Digest("d1", "team", "", [item()]))
    assert sleeps == [2.0, 2.0] and not fake_slack.posts
    assert not result.ok and result.retry_after == 2.0


def test_a_dropped_connection_is_not_reposted_by_the_client(fake_slack):
    """A server that reads chat.postMessage and hangs up: slack-sdk's default handler would post again."""
    import socket
    import threading
    requests = []
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                requests.append(conn.recv(65536))
    threading.Thread(target=serve, daemon=True).start()
    config = ChannelConfig("team", "slack", ("surveillance",), "instant",
                           {"channel": "C0PROCWATCH", "base_url": f"http://127.0.0.1:{listener.getsockname()[1]}/api/",
                            "timeout": 2.0}, {"token": SLACK_TOKEN})
    try:
        result = Slack(config, sleep=lambda s: None).send(Digest("d1", "team", "", [item()]))
    finally:
        listener.close()
    assert not result.ok and "cannot reach Slack" in result.error
    assert len(requests) == 1 and requests[0].startswith(b"POST /api/chat.postMessage")
