"""Every channel says the same (issue 16 item 3): WITHDRAWN, UPDATE and "follow-up of" reach Slack and
the HTML part of email as they reach the console, and email updates thread under the first alert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import NOW
from test_sam_contract_awards import ALERT, EX, PIID, WATCH, FakeContractAwards, base, config, ge_order

CHANNELS = """
[channels.team]
kind = "slack"
channel = "C0PROCWATCH"
token_env = "SLACK_BOT_TOKEN"
base_url = "{slack}"
watchlists = ["health"]

[channels.mail]
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {smtp}
smtp_security = "none"
from = "procwatch alerts <alerts@example.org>"
subscribers = [{{ address = "ana@example.org", watchlists = ["health"] }}]
"""


@pytest.fixture
def setup(make_app, httpserver, fake_slack, smtp_server, tmp_path):
    def text(before: str = "") -> str:
        extra = WATCH.split("[channels.console]")[0] + CHANNELS.format(slack=fake_slack.base_url,
                                                                       smtp=smtp_server.port)
        return config(tmp_path, base(httpserver), before=before).replace(WATCH, extra)

    def run(offset=timedelta(0), before: str = ""):
        return make_app(text=text(before), clock=lambda: NOW + offset).once()

    return run


def html(message) -> str:
    return message.get_body(("html",)).get_content()


def test_withdrawn_award_is_marked_in_slack_and_html_and_replies_to_the_first_mail(setup, httpserver, fake_slack,
                                                                                    smtp_server):
    fake = FakeContractAwards(httpserver, [ge_order("0", "28735")], EX[5]["awardSummary"])
    assert setup() == 0
    [first] = fake_slack.posts
    [(_, alert)] = smtp_server.sink.messages
    assert "[WITHDRAWN]" not in fake_slack.text_of(first) and "[WITHDRAWN]" not in html(alert)
    fake.deleted = EX[5]["awardSummary"] + [{"contractId": ge_order("0")["contractId"]}]
    assert setup(timedelta(hours=6)) == 0
    [reply] = fake_slack.posts[1:]
    text = fake_slack.text_of(reply)
    assert reply["thread_ts"] == first["ts"] and reply["reply_broadcast"] is True  # seen in the channel too
    assert f"*[WITHDRAWN]* *<" in text and ALERT in text and "withdrawn by the source (deletedStatus=yes)" in text
    assert reply["text"].startswith("Withdrawn: ")
    [(_, update)] = smtp_server.sink.messages[1:]
    assert "[WITHDRAWN]</span>" in html(update) and ALERT in html(update)
    assert "[WITHDRAWN] " + ALERT in update.get_body(("plain",)).get_content()
    assert update["In-Reply-To"] == alert["Message-ID"] and update["References"] == alert["Message-ID"]


def test_amended_award_is_an_update_everywhere_and_threads_in_mail(setup, httpserver, fake_slack, smtp_server):
    fake = FakeContractAwards(httpserver, [ge_order("0", "28735", day="2026-09-30")])
    setup()
    fake.records.append(ge_order("P00003"))
    setup(timedelta(hours=6))
    [reply] = fake_slack.posts[1:]
    assert "*[UPDATE]*" in fake_slack.text_of(reply) and "Amount: $28,735 → $45,497.06" in fake_slack.text_of(reply)
    assert "reply_broadcast" not in reply
    alert, update = (m for _, m in smtp_server.sink.messages)
    assert "[UPDATE]</span>" in html(update) and update["In-Reply-To"] == alert["Message-ID"]
    assert alert["In-Reply-To"] is None


def test_award_following_a_j_and_a_says_so_in_slack_and_html(setup, httpserver, fake_sam, sam_rows, fake_slack,
                                                             smtp_server):
    sam_rows[0]["award"]["number"] = PIID
    sam_rows[0]["title"] = "X-RAY EQUIPMENT MAINTENANCE - Justification and Approval"
    FakeContractAwards(httpserver, [ge_order("0", "28735")])
    sam = f'[sources.sam]\nkind = "sam_opportunities"\nbase_url = "{base(httpserver)}"\napi_key_env = "SAM_API_KEY"\n'
    setup(before=sam)
    follow = "follow-up of X-RAY EQUIPMENT MAINTENANCE - Justification and Approval (sam:aa000000000000000000000000000001)"
    assert any(f"*Thread:* {follow}" in fake_slack.text_of(p) for p in fake_slack.posts)
    assert any(follow in html(m) for _, m in smtp_server.sink.messages)
