"""Atom 1.0 (RFC 4287) feeds of what is open to the market, newest first, paged (RFC 5005
`next` to older entries), with withdrawals as tombstones (RFC 6721 `at:deleted-entry`) so a
follower removes what an owner took back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
TOMBSTONES = "http://purl.org/atompub/tombstones/1.0"
MEDIA_TYPE = "application/atom+xml"

ET.register_namespace("", ATOM)
ET.register_namespace("at", TOMBSTONES)


@dataclass(frozen=True)
class Entry:
    id: str  # a permanent IRI: the same for every version of the entry
    title: str
    updated: datetime
    author: str
    summary: str
    content: str
    alternate: str  # the entry's JSON
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tombstone:
    ref: str  # the id of the entry withdrawn
    when: datetime
    comment: str = ""


@dataclass
class Feed:
    id: str
    title: str
    self_url: str
    next_url: str | None = None
    items: list[Entry | Tombstone] = field(default_factory=list)

    def updated(self) -> datetime | None:
        moments = [i.updated if isinstance(i, Entry) else i.when for i in self.items]
        return max(moments, default=None)


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    element.text = text
    return element


def _link(parent: ET.Element, rel: str, href: str, kind: str | None = None) -> None:
    attrs = {"rel": rel, "href": href}
    if kind:
        attrs["type"] = kind
    ET.SubElement(parent, f"{{{ATOM}}}link", attrs)


def render(feed: Feed, *, empty_since: datetime) -> bytes:
    root = ET.Element(f"{{{ATOM}}}feed")
    _text(root, "id", feed.id)
    _text(root, "title", feed.title)
    _text(root, "updated", (feed.updated() or empty_since).isoformat())
    _link(root, "self", feed.self_url, MEDIA_TYPE)
    if feed.next_url:
        _link(root, "next", feed.next_url, MEDIA_TYPE)
    for item in feed.items:
        if isinstance(item, Tombstone):
            tomb = ET.SubElement(root, f"{{{TOMBSTONES}}}deleted-entry",
                                 {"ref": item.ref, "when": item.when.isoformat()})
            if item.comment:
                ET.SubElement(tomb, f"{{{TOMBSTONES}}}comment").text = item.comment
            continue
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        _text(entry, "id", item.id)
        _text(entry, "title", item.title)
        _text(entry, "updated", item.updated.isoformat())
        author = ET.SubElement(entry, f"{{{ATOM}}}author")
        _text(author, "name", item.author)
        _link(entry, "alternate", item.alternate, "application/json")
        for term in _unique(item.categories):
            ET.SubElement(entry, f"{{{ATOM}}}category", {"term": term})
        _text(entry, "summary", item.summary)
        _text(entry, "content", item.content, type="text")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
