"""`procwatch serve`: the unsubscribe pages and /healthz, for a reverse proxy to expose at [bot] public_url."""

from __future__ import annotations

import logging

from ..config import Config
from ..errors import BotError

log = logging.getLogger("procwatch")


def arguments(parser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: "
                        "put a reverse proxy with TLS in front)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    parser.add_argument("--threads", type=int, default=4, help="worker threads (default 4)")


def main(args, config: Config) -> int:
    """Serve until interrupted; needs [bot] public_url and secret_env, and the `serve` extra."""
    if not config.bot.public_url or not config.bot.secret:
        raise BotError("procwatch serve needs [bot] public_url and secret_env in feeds.toml",
                       "public_url is where your reverse proxy exposes this server; secret_env names the variable "
                       "holding the secret that signs unsubscribe links")
    try:
        import waitress

        from ..web import create_app
    except ImportError as e:
        raise BotError(f"procwatch serve needs the serve extra ({e.name} is not installed)",
                       "pip install 'procwatch[serve]'")
    log.info("serving unsubscribe pages for %s on http://%s:%d (Ctrl-C to stop)", config.bot.public_url,
             args.host, args.port)
    waitress.serve(create_app(config), host=args.host, port=args.port, threads=args.threads, ident="procwatch")
    return 0
