"""The memory of view pages stays within its bytes, never trades a newer page for an older, and
gives a page again at a later position only while its view's rows are unchanged."""

from __future__ import annotations

from service.api.answer_cache import AnswerCache, KeptAnswer


def _page(position: int, size: int) -> KeptAnswer:
    return KeptAnswer(position, b"x" * size, "application/json")


def test_the_least_recently_given_pages_leave_first_when_the_bytes_run_out() -> None:
    cache = AnswerCache(max_bytes=1_000)
    for name in "abcd":
        cache.keep(name, _page(1, 240))
    assert cache.get("a", "v") is not None  # given again: now the most recent
    cache.keep("e", _page(1, 240))
    assert cache.size_bytes <= 1_000
    assert cache.get("b", "v") is None
    assert [cache.get(name, "v") is not None for name in "acde"] == [True] * 4


def test_a_page_larger_than_a_quarter_of_the_memory_is_not_kept() -> None:
    cache = AnswerCache(max_bytes=1_000)
    cache.keep("small", _page(1, 100))
    cache.keep("large", _page(1, 251))
    assert cache.get("large", "v") is None
    assert cache.get("small", "v") is not None
    assert cache.size_bytes == 100


def test_a_slower_request_that_read_an_older_position_does_not_replace_a_newer_page() -> None:
    cache = AnswerCache(max_bytes=1_000)
    cache.keep("page", _page(7, 10))
    cache.keep("page", _page(5, 20))
    kept = cache.get("page", "v")
    assert kept is not None and kept.position == 7
    assert cache.size_bytes == 10
    cache.keep("page", _page(9, 30))
    kept = cache.get("page", "v")
    assert kept is not None and kept.position == 9
    assert cache.size_bytes == 30


def test_a_page_older_than_its_views_last_change_seen_is_not_given() -> None:
    cache = AnswerCache(max_bytes=1_000)
    cache.keep("page", _page(7, 10))
    cache.saw("v", 7)
    cache.saw("other view", 9)
    assert cache.get("page", "v") is not None
    cache.saw("v", 8)
    assert cache.get("page", "v") is None
    cache.saw("v", 3)  # a slower request's older reading changes nothing
    assert cache.get("page", "v") is None


def test_a_page_whose_view_rows_are_unchanged_answers_at_the_views_new_position() -> None:
    body = b'{"items":[{"position":3}],"next_cursor":null,"position":7}\n'
    kept = KeptAnswer(7, body, "application/json")
    assert kept.at(7, rows_since=5) == body
    later = b'{"items":[{"position":3}],"next_cursor":null,"position":9}\n'
    assert kept.at(9, rows_since=7) == later
    assert kept.at(9, rows_since=8) is None  # the rows changed after the page was read
    assert kept.at(6, rows_since=5) is None  # never an answer for an older position


def test_a_page_that_does_not_end_with_its_position_answers_only_at_that_position() -> None:
    indented = b'{\n  "items": [],\n  "next_cursor": null,\n  "position": 7\n}\n'
    kept = KeptAnswer(7, indented, "application/json")
    assert kept.at(7, rows_since=7) == indented
    assert kept.at(8, rows_since=7) is None

