"""Swedish text as the needs' full-text search reads it, alike on both databases.

PostgreSQL stems a need's text itself, with its `swedish` text search configuration (Snowball's
Swedish stemmer and stop words). SQLite has no Swedish stemmer, so its FTS5 table indexes the
words stemmed here by the same Snowball algorithm (the `snowballstemmer` package) after the same
stop words: both databases then hold the same stems ('utbildningar' and 'utbildning' are both
'utbildning').

Snowball's Swedish stemmer leaves the definite singular of many nouns as it is
('äldreboendet' against 'äldreboend' for 'äldreboenden', 'förskolan' against 'förskol'), so a
search asks for each stem as a *prefix* with that ending taken off (`match_key`): the databases'
own prefix matching ('äldreboend*' in FTS5, 'äldreboend':* in a tsquery) then finds both forms.
The similarity score compares the same keys, so it is the same number on both databases.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

import snowballstemmer

# Snowball's Swedish stop words (the list PostgreSQL's `swedish` configuration uses).
STOP_WORDS = frozenset(
    """och det att i en jag hon som han på den med var sig för så till är men ett om hade de av
    icke mig du henne då sin nu har inte hans honom skulle hennes där min man ej vid kunde något
    från ut när efter upp vi dem vara vad över än dig kan sina här ha mot alla under någon eller
    allt mycket sedan ju denna själv detta åt utan varit hur ingen mitt ni bli blev oss din dessa
    några deras blir mina samma vilken er sådan vår blivit dess inom mellan sådant varför varje
    vilka ditt vem vilket sitta sådana vart dina vars vårt våra ert era vilkas""".split()  # noqa: SIM905
)
_WORD = re.compile(r"\w+")
# The definite singular endings Snowball keeps: -et (huset, äldreboendet), -an (skolan).
_DEFINITE_ENDINGS = ("et", "an")
_SHORTEST_KEY = 3
# Shorter keys are matched whole: as prefixes they would find unrelated words ('b' in 'bakom').
SHORTEST_PREFIX = 4
MAX_QUERY_KEYS = 64


# One stemmer per thread: the compiled stemmer keeps a cache of its own and is not safe to
# share between the threads of a server.
_per_thread = threading.local()


def _stemmer() -> snowballstemmer.stemmer:
    stemmer: snowballstemmer.stemmer | None = getattr(_per_thread, "stemmer", None)
    if stemmer is None:
        stemmer = _per_thread.stemmer = snowballstemmer.stemmer("swedish")
    return stemmer


def words(text: str) -> list[str]:
    """The words of `text`, lower case, without stop words and numbers."""
    return [
        word
        for word in _WORD.findall(text.casefold())
        if word not in STOP_WORDS and not word.isdigit() and "_" not in word
    ]


def stems(text: str) -> list[str]:
    """The Snowball stems of `text`'s words, in order (what SQLite's index holds)."""
    return list(_stemmer().stemWords(words(text)))


def match_key(stem: str) -> str:
    """The stem without a definite singular ending Snowball leaves on, as a search prefix."""
    for ending in _DEFINITE_ENDINGS:
        if stem.endswith(ending) and len(stem) - len(ending) >= _SHORTEST_KEY:
            return stem[: -len(ending)]
    return stem


def keys(text: str) -> set[str]:
    """What two texts are compared by: the match keys of their stems."""
    return {match_key(stem) for stem in stems(text)}


def dice(first: set[str], second: set[str]) -> float:
    """Sørensen–Dice: twice the keys in common over all keys of both, 0 to 1."""
    if not first or not second:
        return 0.0
    return 2 * len(first & second) / (len(first) + len(second))


def fts5_query(prefixes: Iterable[str], *, every: bool) -> str:
    """An FTS5 MATCH expression asking for each key (all of them, or any), as a prefix when it
    is long enough."""
    terms = [
        f'"{key}"*' if len(key) >= SHORTEST_PREFIX else f'"{key}"'
        for key in sorted(set(prefixes))[:MAX_QUERY_KEYS]
    ]
    return (" AND " if every else " OR ").join(terms)


def tsquery(prefixes: Iterable[str], *, every: bool) -> str:
    """A PostgreSQL tsquery (text to cast) asking for each prefix (all of them, or any)."""
    terms = [
        "'" + key.replace("\\", "\\\\").replace("'", "''") + "'"
        + (":*" if len(key) >= SHORTEST_PREFIX else "")
        for key in sorted(set(prefixes))[:MAX_QUERY_KEYS]
    ]
    return (" & " if every else " | ").join(terms)
