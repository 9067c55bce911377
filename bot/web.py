"""`procwatch serve`: the unsubscribe pages and /healthz (Flask). Reads and writes only through
bot/subscriptions.py; no business logic of its own.

GET on a link shows a page with a confirm button and changes nothing (mail scanners follow links);
POST — the page's form, or RFC 8058's `List-Unsubscribe=One-Click` body — unsubscribes.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from flask import Flask, jsonify, render_template, request

from . import subscriptions
from .config import Config
from .store import Database

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",  # the link is a credential: never hand it to another site
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def create_app(config: Config, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> Flask:
    """The WSGI app for one configuration."""
    app = Flask(__name__)
    mail_channels = {c.name for c in config.channels.values() if "unsubscribe" in c.options}

    def subscriber(token: str) -> tuple[str, str] | None:
        found = subscriptions.verify(config.bot.secret, token)
        return found if found and found[0] in mail_channels else None

    def page(state: str, status: int = 200, **values):
        titles = {"confirm": "Unsubscribe from procwatch alerts?", "already": "Already unsubscribed",
                  "done": "You are unsubscribed", "invalid": "Link not valid"}
        return render_template("unsubscribe.html", state=state, title=titles[state], **values), status

    @app.get("/healthz")
    def healthz():
        db = Database(config.bot.database)
        try:
            db.rows("SELECT 1")
        finally:
            db.close()
        return jsonify(ok=True)

    @app.get("/unsubscribe/<token>")
    def confirm(token: str):
        found = subscriber(token)
        if found is None:
            return page("invalid", 400)
        channel, address = found
        db = Database(config.bot.database)
        try:
            done = subscriptions.unsubscribed(db, channel).get((channel, address))
        finally:
            db.close()
        if done:
            return page("already", channel=channel, address=address, since=done["unsubscribed_at"][:10])
        return page("confirm", channel=channel, address=address)

    @app.post("/unsubscribe/<token>")
    def unsubscribe(token: str):
        found = subscriber(token)
        if found is None:
            return page("invalid", 400)
        channel, address = found
        how = "one-click" if request.form.get("List-Unsubscribe") == "One-Click" else "web page"
        db = Database(config.bot.database)
        try:
            subscriptions.unsubscribe(db, channel, address, how, clock().isoformat(timespec="seconds"))
        finally:
            db.close()
        return page("done", channel=channel, address=address)

    @app.after_request
    def secure(response):
        response.headers.update(SECURITY_HEADERS)
        return response

    return app
