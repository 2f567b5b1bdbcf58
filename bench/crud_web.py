"""The CRUD alternative as the web service a team would build with it: Flask + SQLAlchemy 2 +
SQLAlchemy-Continuum (the models of `bench.crud_models`), served by gunicorn with the same
settings as ours, answering the same requests our service answers for needs:

- `GET /api/v1/needs` — the caller's municipality's needs, a page of 50 (id order, cursor);
- `GET /api/v1/needs/<id>` — one need with its SWOT items, `ETag` its version; with `?as_of=`
  its state at that moment (Continuum's own as-of: the last transaction issued at or before it,
  `version_at`, the versioned items);
- `GET /api/v1/needs/<id>/history` — its versions in order (Continuum's history table), a page
  of 50;
- `POST /api/v1/needs/<id>/swot`, `DELETE /api/v1/needs/<id>/swot/<item>`,
  `PATCH /api/v1/needs/<id>` — the command mix, each with `If-Match` (428 without, 412 when
  stale), answering `{id, version}` as ours do.

Every request is authenticated by a bearer token looked up by its SHA-256 (one query, as a team
would write it), and only the caller's municipality's needs are reachable. One engine per
process, a session per request.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import datetime
from typing import Any

PAGE = 50


def crud_app() -> Any:
    import sqlalchemy as sa
    from flask import Flask, g, jsonify, request
    from sqlalchemy.orm import Session, selectinload

    from bench.crud import crud_as_of, engine_for
    from bench.crud_models import CrudNeed, CrudSwotItem, CrudToken, NeedVersion

    engine = engine_for(os.environ["INNOLEDGER_BENCH_CRUD_URL"])
    app = Flask("crud")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    def problem(status: int, detail: str) -> Any:
        response = jsonify({"status": status, "detail": detail})
        response.status_code = status
        return response

    @app.before_request
    def authenticate() -> Any:
        if not request.path.startswith("/api/"):
            return None
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secret:
            return problem(401, "send a bearer token")
        digest = hashlib.sha256(secret.strip().encode()).hexdigest()
        g.session = Session(engine)
        token = g.session.get(CrudToken, digest)
        if token is None or token.revoked_at is not None or token.expires_at <= datetime.now():
            return problem(401, "unknown token")
        g.user, g.owner = token.user_id, token.owner
        return None

    @app.teardown_request
    def close(_error: BaseException | None) -> None:
        session = g.pop("session", None)
        if session is not None:
            session.close()

    def need_json(need: Any, items: list[Any]) -> dict[str, Any]:
        return {
            "id": need.id, "version": need.version, "owner": need.owner, "title": need.title,
            "problem_statement": need.problem_statement,
            "innovation_area_id": need.innovation_area_id, "status": need.status,
            "visibility": need.visibility, "updated_by": need.updated_by,
            "updated_at": need.updated_at.isoformat(),
            "swot": [
                {"id": i.id, "quadrant": i.quadrant, "text": i.text, "author": i.author}
                for i in items
            ],
        }  # fmt: skip

    def own_need(need_id: str) -> Any:
        need = g.session.get(CrudNeed, need_id, options=[selectinload(CrudNeed.swot_items)])
        if need is None or need.owner != g.owner:
            return None
        return need

    def expected() -> int | None:
        header = request.headers.get("If-Match", "").strip()
        if len(header) < 3 or not header.startswith('"') or not header[1:-1].isdigit():
            return None
        return int(header[1:-1])

    def command(need_id: str, change: Any, status: int = 200) -> Any:
        version = expected()
        if version is None:
            return problem(428, 'send If-Match: "<version>"')
        need = own_need(need_id)
        if need is None:
            return problem(404, "no such need")
        if need.version != version:
            return problem(412, f"the need is at version {need.version}")
        created = change(need)
        need.updated_at = datetime.now()
        need.updated_by = g.user
        g.session.commit()
        body: dict[str, Any] = {"id": need.id, "version": need.version}
        if created:
            body["created"] = created
        response = jsonify(body)
        response.status_code = status
        response.headers["ETag"] = f'"{need.version}"'
        return response

    @app.get("/livez")
    def livez() -> Any:
        return jsonify({"status": "ok"})

    @app.get("/api/v1/needs")
    def needs() -> Any:
        query = sa.select(CrudNeed).where(CrudNeed.owner == g.owner)
        after = request.args.get("cursor")
        if after:
            query = query.where(CrudNeed.id > after)
        rows = g.session.scalars(
            query.order_by(CrudNeed.id).limit(PAGE + 1).options(selectinload(CrudNeed.swot_items))
        ).all()
        page = rows[:PAGE]
        return jsonify(
            {
                "items": [need_json(n, n.swot_items) for n in page],
                "next_cursor": page[-1].id if len(rows) > PAGE else None,
            }
        )

    @app.get("/api/v1/needs/<need_id>")
    def need(need_id: str) -> Any:
        current = own_need(need_id)
        if current is None:
            return problem(404, "no such need")
        as_of = request.args.get("as_of")
        if as_of is None:
            response = jsonify(need_json(current, current.swot_items))
            response.headers["ETag"] = f'"{current.version}"'
            return response
        moment = datetime.fromisoformat(as_of).replace(tzinfo=None)
        version, items = crud_as_of(g.session, need_id, moment)
        if version is None:
            return problem(404, "the need did not exist then")
        return jsonify(need_json(version, items))

    @app.get("/api/v1/needs/<need_id>/history")
    def history(need_id: str) -> Any:
        if own_need(need_id) is None:
            return problem(404, "no such need")
        after = int(request.args.get("cursor", "0"))
        versions = g.session.scalars(
            sa.select(NeedVersion)
            .where(NeedVersion.id == need_id, NeedVersion.transaction_id > after)
            .order_by(NeedVersion.transaction_id)
            .limit(PAGE + 1)
        ).all()
        page = versions[:PAGE]
        return jsonify(
            {
                "aggregate_id": need_id,
                "entries": [
                    {
                        "version": v.version, "transaction_id": v.transaction_id,
                        "issued_at": v.transaction.issued_at.isoformat(),
                        "operation_type": v.operation_type, "title": v.title,
                        "status": v.status, "updated_by": v.updated_by,
                    }
                    for v in page
                ],
                "next_cursor": page[-1].transaction_id if len(versions) > PAGE else None,
            }
        )  # fmt: skip

    @app.post("/api/v1/needs/<need_id>/swot")
    def add_swot(need_id: str) -> Any:
        body = request.get_json(force=True)
        if body.get("quadrant") not in ("strength", "weakness", "opportunity", "threat"):
            return problem(422, "quadrant")

        def change(need: Any) -> dict[str, str]:
            item = CrudSwotItem(
                id=str(uuid.uuid4()), quadrant=body["quadrant"], text=str(body.get("text", "")),
                author=g.user,
            )  # fmt: skip
            need.swot_items.append(item)
            return {"item_id": item.id}

        return command(need_id, change, 201)

    @app.delete("/api/v1/needs/<need_id>/swot/<item_id>")
    def remove_swot(need_id: str, item_id: str) -> Any:
        def change(need: Any) -> None:
            need.swot_items = [i for i in need.swot_items if i.id != item_id]

        return command(need_id, change)

    @app.patch("/api/v1/needs/<need_id>")
    def edit(need_id: str) -> Any:
        body = request.get_json(force=True)

        def change(need: Any) -> None:
            need.title = str(body.get("title", need.title))[:200]

        return command(need_id, change)

    return app
