"""A digest reads at a glance (issue 16 item 6): a summary line, the most important first, the source
named per item, a notice hit by several watchlists once with every reason, a Slack notification that
names the lead item."""

from __future__ import annotations

import re
from decimal import Decimal

from test_delivery import CLEARVIEW, ICE, mails, setup  # noqa: F401 (setup is a fixture)
from test_slack import CLEARVIEW_HITS, notice

from bot.digest import Digest, Item, render_text, summary
from bot.notify.slack import messages_for


def test_once_opens_with_a_summary_and_names_the_source_everywhere(setup):  # noqa: F811
    setup()
    [ana] = mails(setup.smtp, "ana@example.org")
    text = ana.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = ana.get_body(("html",)).get_content()
    line = "3 notices · 2 J&As, 1 intent notice · $273,000 in all · posted 2026-09-30 to 2026-10-01"
    assert text.splitlines()[1] == line and line.replace("&", "&amp;") in html
    assert text.count("Source:   SAM.gov (sam)") == 3 and html.count("<td>SAM.gov (sam)</td>") == 3
    # Hit by both watchlists: once, under the first section, with both reasons.
    assert len(re.findall(rf"^\d+\. {re.escape(CLEARVIEW)}$", text, re.M)) == 1
    assert 'Matched:  border: agency "CBP"' in text and 'Matched:  surveillance: vendor "Clearview AI"' in text
    [post] = setup.slack.posts
    assert post["text"] == ("procwatch: 2 sole-source notices — HOMELAND SECURITY, DEPARTMENT OF › U.S. CUSTOMS "
                            "AND BORDER PROTECTION: CLEARVIEW AI, INC., $225,000 (+1 more)")
    blocks = setup.slack.text_of(post)
    assert "2 notices · 1 J&amp;A, 1 intent notice · $225,000 in all" in blocks
    assert "SAM.gov (sam) · justification" in blocks and "SAM.gov (sam) · intent" in blocks


def item(n, kind, amount, watchlists=("surveillance",), **fields):
    hits = {w: CLEARVIEW_HITS["surveillance"] for w in watchlists}
    return Item(notice(n, kind=kind, amount=None if amount is None else Decimal(amount), **fields), 1,
                list(watchlists), hits)


def test_j_and_a_and_intent_first_then_by_amount_in_every_channel():
    items = [item(1, "award", "10"), item(2, "award", None, title="Unpriced award"),
             item(3, "award", "9000000", title="Big award"), item(4, "intent", None, title="Intent notice"),
             item(5, "justification", "5", title="Small J&A"),
             item(6, "award", "700", currency="EUR", url="https://ted.europa.eu/en/notice/-/detail/1-2026",
                  source="ted", title="TED award")]
    digest = Digest("d1", "team", "", items)
    text = render_text(digest)
    order = re.findall(r"^\d+\. (.+)$", text, re.M)
    assert order == ["Small J&A", "Intent notice", "Big award", "TED award", "Clearview AI Facial Recognition Licenses",
                     "Unpriced award"]
    assert "Source:   TED (EU) (ted)" in text
    assert summary(items) == ("6 notices · 1 J&A, 1 intent notice · EUR 700 + $9,000,015 in all · posted 2026-09-30")
    [message] = messages_for(digest, "C1")
    titles = re.findall(r"\|([^>]+)>\*", "".join(b.get("text", {}).get("text", "") for b in message["blocks"]))
    assert titles == ["Small J&amp;A", "Intent notice", "Big award", "TED award", "Clearview AI Facial Recognition Licenses", "Unpriced award"]
    assert message["text"].startswith("procwatch: 6 sole-source notices — HOMELAND SECURITY, DEPARTMENT OF › U.S. "
                                      "CUSTOMS AND BORDER PROTECTION: CLEARVIEW AI, INC., $5 (+5 more)")
