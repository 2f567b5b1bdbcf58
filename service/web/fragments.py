"""Rendered parts of pages, kept by what they show.

A part drawn from a view depends only on the view's position, the page's own arguments and the
language: a process renders it once per change of the view instead of once per request, as the
API keeps each row's JSON text beside the row. A newer position is another key, so a kept part
is never stale; the oldest parts are dropped past a small bound. A page whose view is still at
the position of a kept part need not read the view's rows at all (as the API's pages,
`service.api.answer_cache`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app
from markupsafe import Markup

KEPT_PARTS = 64
KEY = "innoledger.rendered_parts"
# The frame of the pages (header, footer) is kept apart: one per person, language and page, so
# it never pushes the views' parts out.
KEPT_FRAMES = 256
FRAMES_KEY = "innoledger.rendered_frames"


class RenderedParts:
    def __init__(self, size: int = KEPT_PARTS) -> None:
        self._size = size
        self._kept: OrderedDict[Hashable, Markup] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._kept)

    def kept(self, key: Hashable) -> Markup | None:
        """The part kept under `key`, if any (without rendering one)."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
            return kept

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> Markup:
        kept = self.kept(key)
        if kept is not None:
            return kept
        # Rendered outside the lock: two threads may both render a new part, alike.
        part = Markup(render())
        with self._lock:
            self._kept[key] = part
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return part


def rendered_parts() -> RenderedParts:
    """This process's parts drawn from views (one per app: nothing is kept at import time)."""
    return _kept(KEY, KEPT_PARTS)


def rendered_frames() -> RenderedParts:
    """This process's page frames (`service.web.page_frame`)."""
    return _kept(FRAMES_KEY, KEPT_FRAMES)


def _kept(key: str, size: int) -> RenderedParts:
    parts: RenderedParts | None = current_app.extensions.get(key)
    if parts is None:
        parts = current_app.extensions.setdefault(key, RenderedParts(size))
    return parts
