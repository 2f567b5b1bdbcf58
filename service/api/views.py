"""Serving read models: read-your-writes by position, and pages with the position they reflect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, current_app, jsonify, request
from werkzeug.exceptions import ServiceUnavailable

from domain.errors import InvalidValue
from projections.queries import Page, view_position, view_states, wait_for_position
from projections.registry import projection_named
from projections.runner import ProjectionRunner, head_position
from service.api.answer_cache import KeptAnswer, position_ending
from service.api.conditional import (
    conditional_response,
    matches,
    not_modified,
    request_identity,
    view_etag,
)
from service.api.context import current_principal, services

# A runner normally keeps the views within milliseconds of the log; past this wait the web
# process applies the missing events itself (exactly once: the tracking row arbitrates).
RUNNER_GRACE_S = 0.25
CATCH_UP_BATCHES = 20


def reach_position(view: str, position: int | None) -> None:
    if position is None:
        return
    svc = services()
    if wait_for_position(svc.sql, view, position, RUNNER_GRACE_S):
        return
    if position > head_position(svc.innoledger.recorder):
        raise InvalidValue("position: the log has not reached that position", field="position")
    _runner(view).catch_up(max_batches=CATCH_UP_BATCHES)
    if view_position(svc.sql, view) < position:
        raise ServiceUnavailable(f"the {view} view is catching up; try again shortly")


def _runner(view: str) -> ProjectionRunner:
    """One runner per view and process: it remembers that its tables exist."""
    runners: dict[str, ProjectionRunner] = current_app.extensions.setdefault(
        "innoledger.view_runners", {}
    )
    if view not in runners:
        svc = services()
        runners[view] = ProjectionRunner(svc.innoledger, projection_named(view), store=svc.sql)
    return runners[view]


def page_response(page: Page) -> Any:
    """A page of a view with the position it reflects. A page of stored API texts is joined
    into the body `jsonify` would give, without decoding and encoding its rows again."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    provider = app.json
    compact = getattr(provider, "compact", None)
    if page.texts is None or compact is False or (compact is None and app.debug):
        # Rows decoded, and indented as in debug mode.
        response = jsonify(
            {"items": page.rows, "next_cursor": page.next_cursor, "position": page.position}
        )
    else:
        body = "".join(
            (
                '{"items":[',
                ",".join(page.texts),
                '],"next_cursor":',
                provider.dumps(page.next_cursor),
                position_ending(page.position),
            )
        )
        response = app.response_class(
            body, mimetype=getattr(provider, "mimetype", "application/json")
        )
    response.headers["Innoledger-Position"] = str(page.position)
    return response


# The validator of an answer made of a view and of objects' current state (the decision log
# shows each decision as its object is shown now) also names the log's head.
LOG_HEAD = "log"


def conditional_page(
    views: tuple[str, ...],
    position: int | None,
    read: Callable[[], Page],
    *,
    reads_current_state: bool = False,
) -> Any:
    """A page of `views` after waiting for `position`, or 304 when the caller's If-None-Match
    names the page they would be given now: the views' positions and the caller decide it, so
    the 304 reads the tracking rows and never the views' tables. A page of one view that this
    process answered the same caller from the rows the view still has is answered again from
    memory, at the view's position now (`service.api.answer_cache`)."""

    def answer() -> tuple[Response, int | None]:
        page = read()
        return page_response(page), page.position

    return conditional_answer(
        views,
        position,
        answer,
        reads_current_state=reads_current_state,
        answer_knows_position=True,
        may_keep=len(views) == 1 and not reads_current_state,
    )


def conditional_answer(
    views: tuple[str, ...],
    position: int | None,
    answer: Callable[[], tuple[Response, int | None]],
    *,
    reads_current_state: bool = False,
    answer_knows_position: bool = False,
    may_keep: bool = False,
) -> Any:
    """`answer()` (a response, and the position of the one view it read if it knows it) with
    its validator, or 304 when the caller already holds it (see `conditional_page`). Without
    If-None-Match, an answer that reads its one view's position with its rows costs nothing
    more than before: its validator is made of that position."""
    for view in views:
        reach_position(view, position)
    principal = current_principal()
    svc = services()
    conditional = bool(request.if_none_match)
    cache = svc.answers if may_keep and svc.answers.max_bytes > 0 else None
    identity = request_identity(principal)
    kept = cache.get(identity, views[0]) if cache is not None else None
    positions: dict[str, int] = {}
    rows_since = 0
    if conditional or not answer_knows_position or len(views) != 1 or kept is not None:
        states = view_states(svc.sql, views)
        positions = {name: state.position for name, state in states.items()}
        rows_since = states[views[0]].rows_since
        if cache is not None:
            cache.saw(views[0], rows_since)
    if reads_current_state:
        positions[LOG_HEAD] = head_position(svc.innoledger.recorder)
    if conditional:
        etag = view_etag(positions, principal, identity=identity)
        if matches(etag):
            at = str(min(p for name, p in positions.items() if name != LOG_HEAD))
            return not_modified(etag, headers=[("Innoledger-Position", at)])
    kept_body = kept.at(positions[views[0]], rows_since) if kept is not None else None
    if kept is not None and kept_body is not None:
        response = current_app.response_class(kept_body, mimetype=kept.mimetype)
        response.headers["Innoledger-Position"] = str(positions[views[0]])
        response.headers["ETag"] = view_etag(positions, principal, identity=identity)
        return response
    response, read_at = answer()
    if read_at is not None and len(views) == 1:
        # The position read with the rows, perhaps later than the one above.
        positions[views[0]] = read_at
        if cache is not None and response.status_code == 200:
            body, mimetype = response.get_data(), response.mimetype or "application/json"
            cache.keep(identity, KeptAnswer(read_at, body, mimetype))
    response.headers["ETag"] = view_etag(positions, principal, identity=identity)
    return response


def log_answer(build: Callable[[], Response], *parts: str) -> Response:
    """An answer read from the objects' current state rather than a view (a short list the
    log is scanned for, a history, an export, a report): its validator is the request, the
    caller and the log's head, so any new event answers anew and an unchanged log answers 304
    before anything is read. `parts` names whatever else decides the answer that the log's
    head does not (the format asked for, the day, the people directory's state...)."""
    positions = {LOG_HEAD: head_position(services().innoledger.recorder)}
    return conditional_response(view_etag(positions, current_principal(), *parts), build)


def answer_made_of(build: Callable[[], Response], *made_of: str) -> Response:
    """An answer made of what the log does not hold (a directory's entry, the token store, a
    document of the release): its validator is the request, the caller and `made_of` — what
    the answer is built from (the entry read by its key, the key that signs...)."""
    return conditional_response(view_etag({}, current_principal(), *made_of), build)


def split_view_query(query: dict[str, Any]) -> tuple[int | None, dict[str, Any]]:
    """The `position` to wait for, and the rest: the view's own filters and paging."""
    rest = dict(query)
    return rest.pop("position", None), rest
