"""The demo is in the store in full or not at all, its tokens are never lost, and they are renewed.

What a newcomer lives through: `make run` killed during its first start (Ctrl-C while the demo
loads), started again the next day; and weeks later, a `make run` on a demo whose tokens expired.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from service.api import create_app
from service.cli import main
from service.demo import install
from service.demo.install import (
    STAGING_DIR_NAME,
    DemoStateError,
    check_loaded_demo,
    load_demo_completely,
    renew_demo_tokens,
)
from service.demo.scenario import is_store_empty
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _settings(var_dir: Path) -> Settings:
    return Settings(var_dir=var_dir, testing=True)


def _demo(var_dir: Path, *args: str) -> Any:
    env = {"INNOLEDGER_VAR_DIR": str(var_dir)}
    tokens = str(var_dir / "demo-tokens.json")
    return CliRunner().invoke(main, ["demo", *args, "--tokens-file", tokens], env=env)


def _assert_whole_demo_with_working_tokens(var_dir: Path) -> dict[str, Any]:
    """Exactly one demo network in the store, and every token of the file works in it."""
    document = json.loads((var_dir / "demo-tokens.json").read_text("utf-8"))
    assert document["complete"] is True
    assert (var_dir / "demo-tokens.json").stat().st_mode & 0o077 == 0
    app = create_app(_settings(var_dir))
    try:
        client = app.test_client()

        def get(path: str, token: str) -> Any:
            answer = client.get(f"/api/v1/{path}", headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 200, (path, answer.get_json())
            return answer.get_json()

        for role, token in document["platform"].items():
            assert get("municipalities", token), role
        for slug, tokens in document["municipalities"].items():
            assert set(tokens) == {
                "tenant_admin", "officer", "decision_maker", "auditor", "viewer"
            }  # fmt: skip
            for token in tokens.values():
                assert get(f"municipalities/{slug}", token)["slug"] == slug
        listed = get("municipalities", document["platform"]["platform_admin"])
        slugs = sorted(m["slug"] for m in listed["items"])
        assert slugs == sorted(document["municipalities"])
        assert len(slugs) == 6
        for pid in document["procurements"].values():
            assert get(f"procurements/{pid}", document["platform"]["auditor"])["id"] == pid
        ai = get(f"procurements/{document['procurements']['ai']}", document["platform"]["auditor"])
        assert len(ai["participants"]) == 4  # the last step of the demo happened exactly once
    finally:
        app.extensions["innoledger"].close()
    assert not (var_dir / STAGING_DIR_NAME).exists()
    return document


def test_a_first_start_killed_while_the_demo_loads_leaves_an_empty_store_and_the_next_loads_it(
    tmp_path: Path,
) -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("INNOLEDGER_", "POSTGRES_"))
    }
    env.update(INNOLEDGER_VAR_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    tokens = tmp_path / "demo-tokens.json"
    command = ["demo", "--if-empty", "--tokens-file", str(tokens)]
    child = subprocess.Popen(
        [sys.executable, "-c", "from service.cli import main; main()", *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stderr is not None
    # Killed in the middle: municipalities registered, needs identified, a pilot under way.
    for line in child.stderr:
        if "pilot 1" in line:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=120)
    assert child.returncode == -signal.SIGKILL

    assert not tokens.exists()
    app = create_app(_settings(tmp_path))
    try:
        assert is_store_empty(app), "a half-loaded demo became visible"
    finally:
        app.extensions["innoledger"].close()

    again = _demo(tmp_path, "--if-empty")
    assert again.exit_code == 0, again.output
    assert "Demo network loaded" in again.output
    _assert_whole_demo_with_working_tokens(tmp_path)


def test_killed_between_writing_the_tokens_and_moving_the_store_in_the_next_start_loads_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _settings(tmp_path).sqlite_file.resolve()
    replace = os.replace

    def killed_at_the_store(source: Any, destination: Any) -> None:
        if Path(destination) == store:
            raise KeyboardInterrupt  # the moment a Ctrl-C could land
        replace(source, destination)

    monkeypatch.setattr(install.os, "replace", killed_at_the_store)
    with pytest.raises(KeyboardInterrupt):
        load_demo_completely(
            _settings(tmp_path), tmp_path / "demo-tokens.json", create_app=create_app
        )
    monkeypatch.setattr(install.os, "replace", replace)
    written_before = json.loads((tmp_path / "demo-tokens.json").read_text("utf-8"))

    again = _demo(tmp_path, "--if-empty")
    assert again.exit_code == 0, again.output
    document = _assert_whole_demo_with_working_tokens(tmp_path)
    assert document["municipalities"] != written_before["municipalities"]


def test_a_later_start_renews_expired_demo_tokens_and_says_so(tmp_path: Path) -> None:
    first = _demo(tmp_path, "--if-empty")
    assert first.exit_code == 0, first.output
    tokens_file = tmp_path / "demo-tokens.json"
    before = json.loads(tokens_file.read_text("utf-8"))

    # A start on the same day changes nothing.
    same_day = _demo(tmp_path, "--if-empty")
    assert same_day.exit_code == 0 and "tokens are in" in same_day.output, same_day.output
    assert json.loads(tokens_file.read_text("utf-8")) == before

    later = datetime.now(UTC) + timedelta(days=100)
    app = create_app(_settings(tmp_path))
    try:
        services = app.extensions["innoledger"]
        revoked_secret = before["municipalities"]["burlov"]["viewer"]
        services.tokens.revoke(revoked_secret.split("_")[1])
        old = before["municipalities"]["skurup"]["officer"]
        assert services.tokens.authenticate(old, now=later) is None  # expired by then

        renewal = renew_demo_tokens(app, tokens_file, now=later)

        assert renewal.revoked == ["burlov viewer"]
        assert len(renewal.renewed) == 2 + 6 * 5 - 1
        after = json.loads(tokens_file.read_text("utf-8"))
        assert after["municipalities"]["burlov"]["viewer"] == revoked_secret
        renewed = after["municipalities"]["skurup"]["officer"]
        assert renewed != old
        record = services.tokens.authenticate(renewed, now=later)
        assert record is not None
        assert (record.user_id, record.municipality) == ("skurup-officer", "skurup")
        platform = services.tokens.authenticate(after["platform"]["auditor"], now=later)
        assert platform is not None and platform.platform_roles == ("auditor",)
        assert after["procurements"] == before["procurements"]
    finally:
        app.extensions["innoledger"].close()


def test_a_store_with_events_but_no_demo_tokens_file_says_what_to_do(tmp_path: Path) -> None:
    first = _demo(tmp_path, "--if-empty")
    assert first.exit_code == 0, first.output
    (tmp_path / "demo-tokens.json").unlink()
    again = _demo(tmp_path, "--if-empty")
    assert again.exit_code == 0  # the service still starts: the store may hold real work
    assert "make clean" in again.output and "token create" in again.output


def test_an_interrupted_load_into_postgresql_is_recognised_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DemoStateError, match="empty the database"):
        check_loaded_demo({"complete": False, "municipalities": {}}, tmp_path / "t.json")
    check_loaded_demo({"complete": True, "municipalities": {}}, tmp_path / "t.json")
