"""`procwatch watch list|add|rm|test`: read and edit watchlists; try one against stored notices."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone

from .. import config_edit, flags
from ..config import Config
from ..config_check import BARE_KEY
from ..errors import BotError
from ..digest import clean, money, plural, why
from ..match import Matcher
from ..match_query import candidates
from ..routing import receivers
from ..store import Database


def arguments(parser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("list", help="show every watchlist and where it is delivered")
    for name, text in (("add", "add terms to a watchlist (created when new); comments in feeds.toml are kept"),
                       ("rm", "remove terms from a watchlist, or the whole watchlist when no term is given")):
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("name")
        p.add_argument("--vendor", action="append", default=[], metavar="NAME", help="vendor name or uei:ID (repeatable)")
        p.add_argument("--keyword", action="append", default=[], metavar="TEXT", help="word or phrase (repeatable)")
        p.add_argument("--agency", action="append", default=[], metavar="NAME", help="agency or acronym (repeatable)")
        if name == "add":
            p.add_argument("--channel", action="append", default=[], metavar="NAME",
                           help="also deliver this watchlist on that channel (repeatable)")
    p = sub.add_parser("test", help="show which stored notices a watchlist would have matched, and why "
                       "(nothing is sent)")
    p.add_argument("name")
    p.add_argument("--days", type=int, default=90, help="how far back to look (default 90)")


def main(args, config: Config, out) -> int:
    return {"list": _list, "add": _add, "rm": _rm, "test": _test}[args.action](args, config, out)


def _terms(args) -> dict[str, list[str]]:
    return {"vendors": args.vendor, "keywords": args.keyword, "agencies": args.agency}


def _list(args, config: Config, out) -> int:
    if not config.watchlists:
        print("no watchlists (add one: procwatch watch add NAME --vendor …)", file=out)
    for w in config.watchlists.values():
        print(f"{w.name}  → {'; '.join(receivers(config, w.name)) or _NO_ONE}", file=out)
        for label, values in (("vendors", w.vendors), ("keywords", w.keywords), ("agencies", w.agencies),
                              ("exclude", w.exclude), ("codes", w.codes), ("sources", w.sources)):
            if values:
                print(f"  {label + ':':10} {', '.join(values)}", file=out)
        print(f"  {'verdicts:':10} {', '.join(w.competition)}" +
              (f"; at least {money(w.min_amount, None)}" if w.min_amount else ""), file=out)
    return 0


def _add(args, config: Config, out) -> int:
    terms = _terms(args)
    _check_input(args.name, terms)
    if not any(terms.values()) and args.name not in config.watchlists:
        raise BotError(f"watchlist {args.name} is new and needs a term", "give --vendor, --keyword or --agency")
    with config_edit.locked(config.path):
        text = config_edit.add(_read(config.path), args.name, terms, args.channel)
        new = config_edit.write_validated(config.path, text)
    _routed(new, args.name, out)
    _catch_up(new, out)
    return 0


def _catch_up(config: Config, out) -> None:
    """Queue the stored notices the edited watchlist now matches, and say how many (sent by the next delivery)."""
    from ..app import App  # builds the channels' routes; only `watch add` needs it
    from ..http import Http
    queued = App(config, Http()).catch_up()
    print(f"  {plural(queued, 'stored notice')} from the last {plural(config.bot.catch_up_days, 'day')} now "
          f"{'matches' if queued == 1 else 'match'} and will be alerted" if queued else
          f"  no stored notice from the last {plural(config.bot.catch_up_days, 'day')} newly matches", file=out)


def _rm(args, config: Config, out) -> int:
    with config_edit.locked(config.path):
        text = config_edit.remove(_read(config.path), args.name, _terms(args))
        config_edit.write_validated(config.path, text)
    what = ", ".join(v for vs in _terms(args).values() for v in vs)
    print(f"{config.path}: removed {what + ' from ' if what else ''}watchlist {args.name}", file=out)
    return 0


def _check_input(name: str, terms: dict[str, list[str]]) -> None:
    """Refuse what `check` would reject anyway, before feeds.toml is touched: bad names, empty terms."""
    if not BARE_KEY.match(name):
        raise BotError(f"bad watchlist name {name!r}", "use letters, digits, - and _ (e.g. facial-recognition)")
    for key, values in terms.items():
        if any(not v.strip() for v in values):
            raise BotError(f"empty {_FLAGS[key]}", "give a word, name or acronym")


def _routed(config: Config, name: str, out) -> None:
    w = config.watchlists[name]
    who = receivers(config, name)
    print(f"{config.path}: watchlist {name} now has {plural(len(w.vendors), 'vendor')}, "
          f"{plural(len(w.keywords), 'keyword')}, {plural(len(w.agencies), 'agency', 'agencies')}; "
          f"delivered to {'; '.join(who) or _NO_ONE}", file=out)
    if not who:
        print(f"  warning: its matches are stored but sent to no one; add --channel NAME "
              f"(channels: {', '.join(config.channels) or 'none'}) or add it to a subscriber's watchlists",
              file=out)
    print("  a running `procwatch run` picks the change up within seconds", file=out)


def _test(args, config: Config, out) -> int:
    watchlist = config.watchlists.get(args.name)
    if watchlist is None:
        raise BotError(f"no watchlist named {args.name!r}", "see `procwatch watch list`")
    since = (datetime.now(timezone.utc) - timedelta(days=args.days)).date().isoformat()
    matcher = Matcher([watchlist], config.aliases)
    db = Database(config.bot.database)
    try:
        total = db.count_since(since)
        found = 0
        notices, indexed = candidates(db, [watchlist], since, watchlist.competition, watchlist.sources,
                                      watchlist.min_amount, config.aliases)
        print(_READING[indexed].format(name=args.name, since=since), file=sys.stderr)
        for notice in notices:
            raised = flags.codes(db, notice.uid) if watchlist.flags else frozenset()
            for match in matcher.match(notice, raised):
                found += 1
                _print_hit(notice, match, out)
    finally:
        db.close()
    print(f"\n{found} of {plural(total, 'stored notice')} since {since} would have matched {args.name} "
          "(nothing was sent)", file=out)
    return 0


def _print_hit(notice, match, out) -> None:
    print(f"\n{notice.posted_at or '?':10}  {clean(notice.title)}", file=out)
    print(f"  {notice.uid} · {clean(' › '.join(notice.agency_path))} · {clean(notice.vendor_name) or 'vendor not stated'}"
          f" · {money(notice.amount, notice.currency)} · {notice.competition.replace('_', ' ')}", file=out)
    for line in why({match.watchlist: [dict(vars(h)) for h in match.hits]}):  # flat: asdict copies deeply, 4 µs a hit
        print(f"  matched: {clean(line)}", file=out)


_READING = {  # on stderr: how much is read, so a slow run is expected rather than a surprise
    True: "reading the notices since {since} that the full-text index finds for {name}'s terms",
    False: "reading every notice stored since {since}: the full-text index cannot narrow {name}'s terms"
           " (codes, exclusions or flags alone, vendor ids without agencies, a term holding a character such as"
           " № or ™, or too many spellings), which takes longer on a large database",
}
_FLAGS = {"vendors": "--vendor", "keywords": "--keyword", "agencies": "--agency"}
_NO_ONE = "no one (no channel or subscriber receives it)"


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()
