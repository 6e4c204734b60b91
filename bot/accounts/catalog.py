"""Fuzzy, accent-insensitive account search over an in-process catalogue shared by all requests: by name
(or part of it), domain, or a word of the domain; nearest names are suggested only when they are alike.

The catalogue (ids, folded names, domains) is loaded once per process and reloaded only when another
writer has changed accounts: every writer stores a new random generation token in `app_state`, and each
search compares that one row with the token it loaded. Matching itself is rapidfuzz's WRatio.
"""

from __future__ import annotations

import logging
import random
import re
import threading
from array import array
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, process
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from bot.db import read
from bot.instant import INSTANT, needs_time
from bot.models import Account, AppState
from bot.text import fold

GENERATION_KEY = "account_catalog"
MATCH_CUTOFF = 75.0  # below this a candidate is a guess, not a match
SUGGEST_FLOOR = 65.0  # below this a guess is not even worth suggesting ("zzzzzz" is like nothing)
CLOSE_MARGIN = 4.0  # candidates this close to the best are equally plausible: let the person pick
MAX_PICKS = 5
NEAREST = 3
PREFIX = 3  # candidates share a word beginning with the query's words (an inverted index keeps it fast)
FULL_SCAN_UP_TO = 20_000  # small catalogues are simply scored whole, which also forgives first-letter typos

_WORD = re.compile(r"[a-z0-9]+")

_URL_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?")


@dataclass(frozen=True)
class Match:
    account_id: int
    name: str
    score: float


@dataclass(frozen=True)
class SearchResult:
    """`found`: one account; `ambiguous`: close candidates to pick from; `none`: nearest names as hints."""

    kind: Literal["found", "ambiguous", "none"]
    matches: tuple[Match, ...] = ()

    @property
    def account_id(self) -> int:
        return self.matches[0].account_id


@dataclass
class _Ids:
    """Key → the ids of the accounts that have it, compact: a key only one account has (nearly all) keeps
    its bare id; only keys several accounts share keep a list (100k one-id lists of domain words: 6 MB)."""

    one: dict[str, int] = field(default_factory=dict)  # key -> the first account with it
    many: dict[str, list[int]] = field(default_factory=dict)  # keys several accounts share

    def add(self, key: str, account_id: int) -> None:
        first = self.one.setdefault(key, account_id)
        if first != account_id:
            self.many.setdefault(key, [first]).append(account_id)

    def get(self, key: str) -> list[int]:
        if key in self.many:
            return self.many[key]
        return [self.one[key]] if key in self.one else []


@dataclass
class _Snapshot:
    """Compact on purpose (one per process, 100k+ accounts): positions and ids in arrays, each account's
    name looked up by its position (ids are sorted), only names and domain words shared by several
    accounts keep a list."""

    generation: int | None
    ids: array[int] = field(default_factory=lambda: array("q"))  # ascending
    names: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    by_key: _Ids = field(default_factory=_Ids)  # folded name -> accounts
    by_domain: dict[str, int] = field(default_factory=dict)
    by_domain_word: _Ids = field(default_factory=_Ids)  # "inject" -> inject.example's account
    by_prefix: dict[str, array[int]] = field(default_factory=dict)  # word prefix -> positions in `keys`

    def name_of(self, account_id: int) -> str:
        return self.names[bisect_left(self.ids, account_id)]

    def exact(self, key: str) -> list[int]:
        """Ids of the accounts whose folded name is exactly `key`."""
        return self.by_key.get(key)


log = logging.getLogger(__name__)
_snapshots: dict[str, _Snapshot] = {}
_lock = threading.Lock()


def mark_changed(session: Session) -> None:
    """Tell every process's catalogue that accounts changed (call in the transaction that changed them)."""
    token = random.getrandbits(62)
    session.info[GENERATION_KEY] = token
    updated = session.execute(update(AppState).where(AppState.key == GENERATION_KEY).values(value=token))
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        session.add(AppState(key=GENERATION_KEY, value=token))
        session.flush()


def _current_generation(session: Session) -> int | None:
    return read(session, _GENERATION).scalar()


_GENERATION = select(AppState.value).where(AppState.key == GENERATION_KEY)  # built once: read by every search


def _snapshot(session: Session) -> _Snapshot:
    cache_key = str(session.get_bind().engine.url)
    # One generation check per unit of work: /flag searches up to six word prefixes in one request.
    if GENERATION_KEY not in session.info:
        session.info[GENERATION_KEY] = _current_generation(session)
    generation = session.info[GENERATION_KEY]
    snapshot = _snapshots.get(cache_key)
    if snapshot is not None and snapshot.generation == generation:
        return snapshot
    if snapshot is not None and session.info.get(INSTANT):
        # Inside an ack (bot.instant) a load (~0.4 s at 100k accounts) would hold the answer: the catalogue as
        # it was before the last import answers this once, while another thread loads the new one.
        _reload_soon(session.get_bind().engine, cache_key)
        session.info[STALE] = True
        return snapshot
    needs_time(session)  # no catalogue yet: the first search of a process loads it, after the ack
    with _lock:
        snapshot = _snapshots.get(cache_key)
        if snapshot is None or snapshot.generation != generation:
            snapshot = _load(session, generation)
            _snapshots[cache_key] = snapshot
    return snapshot


_reloading: set[str] = set()
STALE = "tend.catalogue.stale"  # session.info: this unit of work searched a catalogue older than the last import


def _reload_soon(engine: Engine, cache_key: str) -> None:
    """Load the current catalogue in a thread of its own, one at a time per database (`cache_key`: its URL,
    as `_snapshot` keys the catalogues)."""
    with _lock:
        if cache_key in _reloading:
            return
        _reloading.add(cache_key)

    def reload() -> None:
        try:
            warm(Session(engine))
        except Exception:
            log.exception("reloading the account catalogue failed; the next search will try again")
        finally:
            with _lock:
                _reloading.discard(cache_key)

    threading.Thread(target=reload, name="tend-catalogue", daemon=True).start()


def warm_soon(factory: Callable[[], Session]) -> None:
    """Load the catalogue in a thread of its own (a web process, as it starts)."""
    with factory() as session:
        engine = session.get_bind().engine
    _reload_soon(engine, str(engine.url))


def warm(session: Session) -> None:
    """Load the catalogue now if it is missing or out of date (a web process does this as it starts, so
    that its first answers need not wait for it). Closes `session`."""
    with session:
        _snapshot(session)


def _load(session: Session, generation: int | None) -> _Snapshot:
    snapshot = _Snapshot(generation)
    rows = session.execute(select(Account.id, Account.name, Account.name_key, Account.domain).order_by(Account.id))
    for position, (account_id, name, key, domain) in enumerate(rows):
        snapshot.ids.append(account_id)
        snapshot.names.append(name)
        snapshot.keys.append(key)
        snapshot.by_key.add(key, account_id)
        for prefix in _prefixes(key):
            snapshot.by_prefix.setdefault(prefix, array("i")).append(position)
        if domain:
            snapshot.by_domain[domain] = account_id
            for word in domain_words(domain):
                snapshot.by_domain_word.add(word, account_id)
    return snapshot


GENERIC_LABELS = frozenset({"www", "com", "net", "org", "app", "example"})


def domain_words(domain: str) -> set[str]:
    """The words of a domain a person would type for it: "inject.example" → {"inject"}; "acme-corp.co.uk" →
    {"acme-corp", "acme", "corp"} (not the top-level domain, nor labels such as "www" or "co")."""
    labels = domain.lower().split(".")[:-1]
    words = {label for label in labels if len(label) > 2 and label not in GENERIC_LABELS}
    words |= {part for label in list(words) for part in label.split("-") if len(part) > 2}
    return words - GENERIC_LABELS


def search_accounts(session: Session, query: str) -> SearchResult:
    """Find the account a person means by a name, a domain or a fragment of either. Answering from a
    catalogue older than the last import (inside an ack, see `_snapshot`), only a sure find is given: a
    pick list or "no match" might be what the import changed, so that waits for the new catalogue."""
    result = _search(session, query)
    if result.kind != "found" and session.info.get(STALE):
        needs_time(session)
    return result


def _search(session: Session, query: str) -> SearchResult:
    snapshot = _snapshot(session)
    folded = fold(query)
    if not folded or not snapshot.ids:
        return SearchResult("none")

    def match(account_id: int, score: float) -> Match:
        return Match(account_id, snapshot.name_of(account_id), score)

    domain = _URL_PREFIX.sub("", folded).split("/", 1)[0]
    if domain in snapshot.by_domain:
        return SearchResult("found", (match(snapshot.by_domain[domain], 100.0),))
    exact = snapshot.exact(folded)
    if len(exact) == 1:
        return SearchResult("found", (match(exact[0], 100.0),))
    by_word = [] if exact else snapshot.by_domain_word.get(folded)
    if len(by_word) == 1:
        return SearchResult("found", (match(by_word[0], 100.0),))
    if by_word:
        return SearchResult("ambiguous", tuple(match(i, 100.0) for i in by_word[:MAX_PICKS]))

    ranked = _rank(snapshot, folded)
    if len(exact) > 1:  # several accounts share that exact name: let the person pick
        same = [m for m in ranked if m.account_id in exact] or [match(i, 100.0) for i in exact]
        return SearchResult("ambiguous", tuple(same[:MAX_PICKS]))
    if not ranked or ranked[0].score < MATCH_CUTOFF:
        return SearchResult("none", tuple(m for m in ranked[:NEAREST] if m.score >= SUGGEST_FLOOR))
    best = ranked[0].score
    close = [m for m in ranked if m.score >= max(MATCH_CUTOFF, best - CLOSE_MARGIN)]
    if len(close) == 1:
        return SearchResult("found", (close[0],))
    return SearchResult("ambiguous", tuple(close[:MAX_PICKS]))


def _prefixes(key: str) -> set[str]:
    return {word[:PREFIX] for word in _WORD.findall(key)}


def _rank(snapshot: _Snapshot, folded: str) -> list[Match]:
    """Best matches first: every account when the catalogue is small, else those sharing a word prefix."""
    if len(snapshot.keys) <= FULL_SCAN_UP_TO:
        positions: list[int] | None = None
    else:
        found: set[int] = set()
        for prefix in _prefixes(folded):
            found.update(snapshot.by_prefix.get(prefix, ()))
        positions = sorted(found)
    if positions is None:
        scored = process.extract(folded, snapshot.keys, scorer=fuzz.WRatio, processor=None, limit=MAX_PICKS + 5)
        ranked = [(score, i) for _key, score, i in scored]
    else:
        scored = process.extract(
            folded, [snapshot.keys[i] for i in positions], scorer=fuzz.WRatio, processor=None, limit=MAX_PICKS + 5
        )
        ranked = [(score, positions[j]) for _key, score, j in scored]
        if not ranked or ranked[0][0] < MATCH_CUTOFF:  # nothing shares a prefix: cheap whole-catalogue hints
            hints = process.extract(folded, snapshot.keys, scorer=fuzz.QRatio, processor=None, limit=NEAREST)
            ranked = sorted(ranked + [(score, i) for _key, score, i in hints], reverse=True)
    return [Match(snapshot.ids[i], snapshot.names[i], score) for score, i in ranked]
