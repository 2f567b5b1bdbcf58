"""The pages through the test client: sign-in, security of every form and answer, the
officer's needs, refusals in Swedish next to their field, and conflicts told as such."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask

from service.demo.scenario import DemoResult
from tests.web.visitor import NEED_LINK, Visitor, signed_in


def test_pages_carry_a_strict_content_security_policy(visitor: Visitor) -> None:
    for path in ("/logga-in", "/logga-in/demo", "/tillganglighet", "/api/docs", "/finns-inte"):
        response = visitor.get(path)
        policy = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in response.headers  # plain http here


def test_pages_have_no_inline_script_or_style(visitor: Visitor, officer: Visitor) -> None:
    pages = [visitor.get("/logga-in"), visitor.get("/api/docs"), officer.get("/behov")]
    for response in pages:
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert " style=" not in html and "<style" not in html
        assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers


def test_hsts_and_a_secure_session_cookie_behind_tls(app: Flask) -> None:
    client = app.test_client()
    response = client.get(
        "/logga-in", base_url="https://innoledger.example", headers={"Accept": "text/html"}
    )
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_httponly_and_samesite_over_plain_http(visitor: Visitor) -> None:
    cookie = visitor.get("/logga-in").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_api_docs_use_the_service_s_own_swagger_ui(visitor: Visitor) -> None:
    html = visitor.text("/api/docs")
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        assert visitor.get(source).status_code == 200, source


def test_every_asset_a_page_names_is_served_by_the_service(officer: Visitor) -> None:
    html = officer.text("/behov")
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', html)
    assert any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert officer.get(asset).status_code == 200, asset
    css = officer.text("/assets/css/app.css")
    for font in re.findall(r'url\("\.\./(vendor/[^"]+)"\)', css):
        assert officer.get(f"/assets/{font}").status_code == 200, font


def test_pages_speak_swedish_first_and_english_on_request(officer: Visitor) -> None:
    html = officer.text("/behov")
    assert '<html lang="sv"' in html and "Registrera ett behov" in html
    officer.post("/sprak", {"lang": "en", "next": "/behov"})
    html = officer.text("/behov")
    assert '<html lang="en"' in html and "Identify a need" in html


def test_a_form_without_the_csrf_token_is_refused(visitor: Visitor) -> None:
    response = visitor.post("/logga-in/demo", {"user_id": "ystad-officer"}, csrf=False)
    assert response.status_code == 400
    assert "Formuläret hade gått ut" in response.get_data(as_text=True)
    wrong = visitor.post("/logga-in/demo", {"user_id": "ystad-officer", "csrf_token": "x"})
    assert wrong.status_code == 400
    assert visitor.get("/behov").status_code == 302  # not signed in


def test_every_form_on_the_pages_carries_the_csrf_token(officer: Visitor, demo: DemoResult) -> None:
    need_id = demo.needs["Lärprocess för AI"]
    for path in ("/behov", "/behov/nytt", f"/behov/{need_id}", "/logga-in/demo"):
        html = officer.text(path)
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, re.S)
        assert forms, path
        for form in forms:
            assert 'name="csrf_token"' in form, (path, form[:200])


def test_pages_need_sign_in_and_come_back_after_it(visitor: Visitor) -> None:
    response = visitor.get("/behov")
    assert response.status_code == 302 and "/logga-in?next=/behov" in response.headers["Location"]
    signed = visitor.post("/logga-in/demo", {"user_id": "ystad-officer", "next": "/behov"})
    assert signed.headers["Location"] == "/behov"


def test_sign_in_never_redirects_to_another_site(visitor: Visitor) -> None:
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = visitor.post("/logga-in/demo", {"user_id": "ystad-officer", "next": target})
        assert response.headers["Location"] == "/", target


def test_demo_sign_in_exists_only_where_the_demo_is_enabled(tmp_path) -> None:
    from service.api import create_app
    from service.settings import Settings

    app = create_app(Settings(var_dir=tmp_path, testing=True))
    try:
        visitor = Visitor(app.test_client())
        assert visitor.get("/logga-in/demo").status_code == 404
        assert visitor.post("/logga-in/demo", {"user_id": "ystad-officer"}).status_code == 404
        assert "demo" not in visitor.text("/logga-in").lower()
    finally:
        app.extensions["innoledger"].close()


def test_the_demo_says_so_on_every_page(visitor: Visitor, officer: Visitor) -> None:
    for page in (visitor.text("/logga-in"), officer.text("/behov")):
        assert "demo-banner" in page and "påhittade personer" in page


def test_sign_out_ends_the_session(officer: Visitor) -> None:
    assert officer.get("/behov").status_code == 200
    response = officer.post("/logga-ut")
    assert response.status_code == 302
    assert officer.get("/behov").status_code == 302
    assert "Du är utloggad" in officer.text("/logga-in")


def test_sign_out_needs_the_csrf_token(officer: Visitor) -> None:
    assert officer.post("/logga-ut", csrf=False).status_code == 400
    assert officer.get("/behov").status_code == 200


def test_an_idle_session_ends(app: Flask, officer: Visitor) -> None:
    assert officer.get("/behov").status_code == 200
    officer.age_session(idle=timedelta(minutes=31))
    assert officer.get("/behov").status_code == 302
    assert "inaktivitet" in officer.text("/logga-in")


def test_a_session_ends_at_its_lifetime_however_busy(app: Flask, officer: Visitor) -> None:
    officer.age_session(started=timedelta(hours=13))
    assert officer.get("/behov").status_code == 302
    assert "Din session har upphört" in officer.text("/logga-in")


def test_a_member_without_roles_has_no_access(app: Flask, demo: DemoResult) -> None:
    visitor = signed_in(app, "burlov-viewer")
    assert visitor.get("/behov").status_code == 200
    admin = demo.tokens["burlov"]["tenant_admin"]
    api = app.test_client()
    etag = api.get(
        "/api/v1/municipalities/burlov", headers={"Authorization": f"Bearer {admin}"}
    ).headers["ETag"]
    revoked = api.delete(
        "/api/v1/municipalities/burlov/members/burlov-viewer/roles/viewer",
        headers={"Authorization": f"Bearer {admin}", "If-Match": etag},
    )
    assert revoked.status_code == 200, revoked.get_data(as_text=True)
    assert visitor.get("/behov").status_code == 302
    assert "din behörighet har ändrats eller återkallats" in visitor.text("/logga-in")
    # Nor can they sign in again: the demo offers only people who hold a role.
    assert visitor.post("/logga-in/demo", {"user_id": "burlov-viewer"}).status_code == 400
    assert visitor.get("/behov").status_code == 302


def test_officer_sees_own_needs_by_state(officer: Visitor, demo: DemoResult) -> None:
    html = officer.text("/behov")
    assert "Lärprocess för AI" in html  # Ystad's
    assert "Rena och torra golv i förskolan" not in html  # Skurup's


def test_another_municipality_s_private_need_is_not_found(app: Flask, officer: Visitor) -> None:
    skurup = signed_in(app, "skurup-officer")
    created = skurup.post("/behov/nytt", _need_form(app, "skurup", "Privat behov i Skurup"))
    need_id = created.headers["Location"].rsplit("/", 1)[-1]
    assert skurup.get(f"/behov/{need_id}").status_code == 200
    assert officer.get(f"/behov/{need_id}").status_code == 404


def _need_form(app: Flask, slug: str, title: str) -> dict[str, str]:
    with app.app_context():
        municipality = app.extensions["innoledger"].innoledger.require_registered(slug)
        area = municipality.areas_to_file_under()[0]
    return {
        "title": title,
        "problem_statement": "Ett lösningsneutralt problem som många delar.",
        "innovation_area_id": area["id"],
        "affected_end_users": "elever, lärare",
        "competences": "IT\nupphandling",
    }


def test_identify_a_need_and_work_its_swot(app: Flask, officer: Visitor) -> None:
    created = officer.post("/behov/nytt", _need_form(app, "ystad", "Tysta klassrum"))
    assert created.status_code == 302
    path = created.headers["Location"]
    html = officer.text(path)
    assert "Tysta klassrum" in html and "Behovet är registrerat" in html
    assert "elever, lärare" in html
    for version, quadrant in enumerate(("strength", "weakness", "opportunity", "threat"), 1):
        added = officer.post(
            f"{path}/swot", {"quadrant": quadrant, "text": f"Punkt {quadrant}", "version": version}
        )
        assert added.status_code == 302, added.get_data(as_text=True)
    html = officer.text(path)
    for quadrant in ("Styrkor", "Svagheter", "Möjligheter", "Hot"):
        assert quadrant in html
    assert "Punkt threat" in html


def test_a_refusal_is_shown_next_to_its_field_in_swedish(app: Flask, officer: Visitor) -> None:
    form = _need_form(app, "ystad", "")
    response = officer.post("/behov/nytt", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="error-title"' in html and 'aria-invalid="true"' in html
    assert "Värdet är inte giltigt" in html


def test_someone_else_s_change_is_shown_as_a_conflict(app: Flask, officer: Visitor) -> None:
    created = officer.post("/behov/nytt", _need_form(app, "ystad", "Delad skolgård"))
    path = created.headers["Location"]
    colleague = signed_in(app, "ystad-officer")
    assert (
        colleague.post(
            f"{path}/swot", {"quadrant": "strength", "text": "Kollegans punkt", "version": 1}
        ).status_code
        == 302
    )
    stale = officer.post(f"{path}/swot", {"quadrant": "threat", "text": "Min punkt", "version": 1})
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Någon annan ändrade detta medan du arbetade med det" in html
    assert "Det här har ändrats sedan du öppnade sidan" in html and "Kollegans punkt" in html
    assert "Min punkt" not in officer.text(path)


def test_a_viewer_sees_needs_but_no_forms_and_is_refused_commands(app: Flask) -> None:
    viewer = signed_in(app, "ystad-viewer")
    html = viewer.text("/behov")
    assert "Registrera ett behov" not in html
    need_id = NEED_LINK.search(html).group(1)  # type: ignore[union-attr]
    assert "/swot" not in viewer.text(f"/behov/{need_id}")
    refused = viewer.post(
        f"/behov/{need_id}/swot", {"quadrant": "threat", "text": "x", "version": 99}
    )
    assert refused.status_code == 403
    assert "Dina roller tillåter inte detta" in refused.get_data(as_text=True)
