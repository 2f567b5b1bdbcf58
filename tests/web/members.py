"""Granting and revoking a member's role in Ystad through the JSON API, as its administrator:
what changes a signed-in person's live roles under a page."""

from __future__ import annotations

from typing import Any

from flask import Flask

from service.demo.scenario import DemoResult


def _admin(app: Flask, demo: DemoResult) -> tuple[Any, dict[str, str]]:
    admin = {"Authorization": f"Bearer {demo.tokens['ystad']['tenant_admin']}"}
    api = app.test_client()
    etag = api.get("/api/v1/municipalities/ystad", headers=admin).headers["ETag"]
    return api, {**admin, "If-Match": etag}


def grant(app: Flask, demo: DemoResult, user_id: str, role: str = "viewer") -> None:
    api, headers = _admin(app, demo)
    granted = api.post(
        "/api/v1/municipalities/ystad/members",
        json={"user_id": user_id, "role": role},
        headers=headers,
    )
    assert granted.status_code == 200, granted.get_data(as_text=True)


def revoke(app: Flask, demo: DemoResult, user_id: str, role: str) -> None:
    api, headers = _admin(app, demo)
    revoked = api.delete(
        f"/api/v1/municipalities/ystad/members/{user_id}/roles/{role}", headers=headers
    )
    assert revoked.status_code == 200, revoked.get_data(as_text=True)
