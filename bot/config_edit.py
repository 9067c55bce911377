"""Edit watchlists in feeds.toml with tomlkit, so comments, order and formatting elsewhere survive.

Every edit is validated with `config.parse` before anything is written, and written by an atomic
replace (a temporary file in the same folder, then `os.replace`), so a running daemon never reads
a half-written file and an invalid result never reaches the disk.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from typing import Iterator, Mapping

import tomlkit
from tomlkit.items import Table, Whitespace

from .config import Config, parse
from .errors import BotError
from .filelock import exclusive
from .match import normalize

TERM_KEYS = ("vendors", "keywords", "agencies")


def add(text: str, name: str, terms: Mapping[str, list[str]], channels: list[str] = ()) -> str:
    """Add terms to a watchlist (created when new) and route it to `channels`; return the new text."""
    doc = tomlkit.parse(text)
    watchlists = _super_table(doc, "watchlists")
    table, trailer = watchlists.get(name), []
    if table is None:
        table, trailer = _new_table(watchlists, name)
    for key, values in terms.items():
        _extend(table, key, values)
    for item in trailer:
        table.value.body.append((None, item))
    for channel in channels:
        table_ = _existing(doc, "channels", channel)
        if "watchlists" in table_:
            _extend(table_, "watchlists", [name])
    return tomlkit.dumps(doc)


def remove(text: str, name: str, terms: Mapping[str, list[str]]) -> str:
    """Remove terms from a watchlist, or (no terms given) the watchlist and every reference to it.

    Terms compare as matching does (case and accents ignored); removing the last term is refused,
    because a watchlist without terms matches every notice in scope."""
    doc = tomlkit.parse(text)
    table = _existing(doc, "watchlists", name)
    if any(terms.values()):
        for key, values in terms.items():
            for value in values:
                _drop(table, name, key, value)
        if not any(table.get(key) for key in TERM_KEYS + ("codes",)):
            raise BotError(f"that would leave watchlist {name} without a term, and it would match every notice in scope",
                           f"remove the whole watchlist with `procwatch watch rm {name}`, or add a term first")
        return tomlkit.dumps(doc)
    _keep_trailer(doc, table)
    del doc["watchlists"][name]
    for channel in doc.get("channels", {}).values():
        if name in channel.get("watchlists", []):
            array = channel["watchlists"]
            del array[list(array).index(name)]
    return tomlkit.dumps(doc)


def _drop(table: Table, name: str, key: str, value: str) -> None:
    """Delete the entry of `key` that matches `value` the way the matcher compares terms."""
    array = table.get(key, [])
    position = next((i for i, v in enumerate(array) if normalize(v) == normalize(value)), None)
    if position is None:
        raise BotError(f"watchlist {name} has no {key[:-1]} {value!r}", "see `procwatch watch list`")
    del array[position]


@contextmanager
def locked(path: str) -> Iterator[None]:
    """Hold an exclusive lock beside feeds.toml for one read-modify-write, so two edits at once both land."""
    with exclusive(os.path.join(os.path.dirname(os.path.abspath(path)), "." + os.path.basename(path) + ".lock")):
        yield


def write_validated(path: str, text: str, env: Mapping[str, str] | None = None) -> Config:
    """Validate `text` as the whole configuration, then atomically replace `path` with it."""
    config = parse(text, path, os.environ if env is None else env)
    folder = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644
    fd, tmp = tempfile.mkstemp(prefix=".feeds.", suffix=".toml", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return config


def _super_table(doc, key: str) -> Table:
    if key not in doc:
        doc.add(key, tomlkit.table(is_super_table=True))
    return doc[key]


def _existing(doc, section: str, name: str) -> Table:
    table = doc.get(section, {}).get(name)
    if table is None:
        raise BotError(f"no {section[:-1]} named {name!r} in the configuration",
                       f"see `procwatch {'watch list' if section == 'watchlists' else 'check'}`")
    return table


def _new_table(watchlists: Table, name: str) -> tuple[Table, list]:
    """A new [watchlists.NAME] after the last one, and the comments that introduce the next section
    (tomlkit keeps them in the last table's body): the caller puts them back below the new table."""
    trailer = []
    if watchlists:
        body = watchlists[list(watchlists.keys())[-1]].value.body
        while body and body[-1][0] is None:
            trailer.insert(0, body.pop())
    watchlists[name] = tomlkit.table()
    return watchlists[name], [item for _, item in trailer]


def _keep_trailer(doc, table: Table) -> None:
    """Before `table` is deleted, move its trailing comments (they introduce what follows) to the
    table rendered just before it, so they stay where they were."""
    tables = list(_tables_in_order(doc))
    position = next(i for i, t in enumerate(tables) if t is table)
    body = table.value.body
    trailer = []
    while body and body[-1][0] is None:
        trailer.insert(0, body.pop())
    if position > 0:
        before = tables[position - 1].value.body
        while trailer and before and before[-1][0] is None and isinstance(before[-1][1], Whitespace) \
                and isinstance(trailer[0][1], Whitespace):
            before.pop()  # no doubled blank line where the deleted table was
        before.extend(trailer)


def _tables_in_order(doc):
    for _, item in doc.body:
        if isinstance(item, Table) and item.is_super_table():
            yield from (v for v in item.values() if isinstance(v, Table))
        elif isinstance(item, Table):
            yield item


def _extend(table: Table, key: str, values: list[str]) -> None:
    """Append values not already in the array `key` as matching compares them (created when missing)."""
    if key not in table:
        table[key] = tomlkit.array()
    array = table[key]
    for value in values:
        if normalize(value) not in {normalize(v) for v in array}:
            array.append(value)
