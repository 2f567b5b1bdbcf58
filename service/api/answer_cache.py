"""Pages of views answered again from memory while their view has not moved.

A page of one view is made of the view's rows at one position, for one caller's visibility,
and its validator says exactly that (`service.api.conditional.view_etag`: the request, the
caller, the position). A view's position moves with every event of the log, but its rows
change only with events of its own, and the tracking row says since which position they have
been as they are (projections.tracking). The same request from the same caller while the
view's rows are still those the page was read from is therefore the same answer at the view's
new position: each process keeps the last answer of each such request and gives it again,
with the position it now reflects, after reading only the view's tracking row — a statement
that also carries the token's revocation check — instead of the page's rows. Once the rows
have changed, the page is read and kept anew; a page older than the last change this process
has already seen of its view is known to be out of date without asking (positions only grow),
so a view whose rows change all the time costs no statement more than without the memory.

Per process and bounded in bytes (the least recently given answers leave first): nothing is
shared between workers or hosts, and a new version of the code starts with an empty memory.
A request is kept under its caller (user, municipality, live roles), so no caller is ever
given an answer made for another.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass


def position_ending(position: int) -> str:
    """How a page's body ends: its position, the last field (`service.api.views.page_response`),
    so a kept page can name a later one."""
    return f',"position":{position}}}\n'


@dataclass(frozen=True)
class KeptAnswer:
    position: int  # of the one view the page was read from
    body: bytes
    mimetype: str

    def at(self, position: int, rows_since: int) -> bytes | None:
        """The answer the view gives now that it is at `position`, its rows unchanged since
        `rows_since`; None if they changed after this page was read, or if the page cannot
        name another position (its body does not end with this one, as an indented one
        does not)."""
        if rows_since > self.position or position < self.position:
            return None
        if position == self.position:
            return self.body
        ending = position_ending(self.position).encode()
        if not self.body.endswith(ending):
            return None
        return self.body[: -len(ending)] + position_ending(position).encode()


class AnswerCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._answers: OrderedDict[Hashable, KeptAnswer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # a worker's threads share it
        # view -> the latest position since which its rows were read to be as they are
        self._rows_since: dict[str, int] = {}

    def saw(self, view: str, rows_since: int) -> None:
        # Unlocked: a lost update only makes a later `get` ask the database once more.
        if rows_since > self._rows_since.get(view, 0):
            self._rows_since[view] = rows_since

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def get(self, key: Hashable, view: str) -> KeptAnswer | None:
        """The page kept for `key`, unless `view`'s rows have been seen to change after it."""
        with self._lock:
            kept = self._answers.get(key)
            if kept is None or kept.position < self._rows_since.get(view, 0):
                return None
            self._answers.move_to_end(key)
            return kept

    def keep(self, key: Hashable, answer: KeptAnswer) -> None:
        size = len(answer.body)
        if size > self.max_bytes // 4:  # one page may not push out most of the others
            return
        with self._lock:
            previous = self._answers.pop(key, None)
            if previous is not None:
                if previous.position > answer.position:
                    # A slower request that read an older position: the newer answer stays.
                    self._answers[key] = previous
                    return
                self._bytes -= len(previous.body)
            self._answers[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, evicted = self._answers.popitem(last=False)
                self._bytes -= len(evicted.body)
