"""Pages of views answered again from memory while their view has not moved.

A page of one view is made of the view's rows at one position, for one caller's visibility,
and its validator says exactly that (`service.api.conditional.view_etag`: the request, the
caller, the position). The same request from the same caller while the view is still at that
position is therefore the same answer: each process keeps the last answer of each such request
and gives it again after reading only the view's position — a statement that also carries the
token's revocation check — instead of the page's rows. Once the view has moved, the page is
read and kept anew; a page older than a position this process has already seen its view at
is known to have moved without asking (positions only grow), so a view that moves all the
time costs no statement more than without the memory.

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


@dataclass(frozen=True)
class KeptAnswer:
    position: int  # of the one view the page was read from
    body: bytes
    mimetype: str


class AnswerCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._answers: OrderedDict[Hashable, KeptAnswer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # a worker's threads share it
        self._seen_at: dict[str, int] = {}  # view -> the latest position read of it

    def saw(self, view: str, position: int) -> None:
        # Unlocked: a lost update only makes a later `get` ask the database once more.
        if position > self._seen_at.get(view, 0):
            self._seen_at[view] = position

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def get(self, key: Hashable, view: str) -> KeptAnswer | None:
        """The page kept for `key`, unless `view` has been seen past its position."""
        with self._lock:
            kept = self._answers.get(key)
            if kept is None or kept.position < self._seen_at.get(view, 0):
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
