"""The service runs on its runtime dependencies alone.

`make run` installs `pyproject.toml`'s `dependencies` only; the test, lint and benchmark tools are
extras. So every module the service imports — at the top or inside a function — must come from
the standard library, from the project itself, or from a distribution that the runtime
dependencies bring in (directly or through their own requirements). A module of the service that
imports `sqlalchemy` or `hypothesis` would break `make run` on a fresh clone; this test finds it.
"""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = {"domain", "eventstore", "service", "projections", "bench", "tests", "wsgi"}
# What `make run` runs: the packages, the WSGI entry point and gunicorn's configuration.
RUNTIME_SOURCES = ("domain", "eventstore", "service", "projections", "wsgi.py", "gunicorn.conf.py")


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", requirement).lower()


def pyproject() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def _marker_holds(marker: Marker | None, extras: set[str]) -> bool:
    if marker is None:
        return True
    return any(marker.evaluate({"extra": extra}) for extra in extras | {""})


def runtime_closure() -> set[str]:
    """Names of every distribution the runtime dependencies install, themselves included."""
    seen: set[str] = set()
    pending = [Requirement(text) for text in pyproject()["project"]["dependencies"]]
    pending_extras: dict[str, set[str]] = {}
    while pending:
        requirement = pending.pop()
        name = _name(requirement.name)
        extras = set(requirement.extras)
        if name in seen and extras <= pending_extras.get(name, set()):
            continue
        seen.add(name)
        pending_extras.setdefault(name, set()).update(extras)
        try:
            requires = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue  # e.g. a platform-specific requirement not installed here
        for text in requires:
            nested = Requirement(text)
            if _marker_holds(nested.marker, pending_extras[name]):
                pending.append(nested)
    return seen


def runtime_modules() -> Iterator[Path]:
    for source in RUNTIME_SOURCES:
        path = ROOT / source
        if path.is_file():
            yield path
        else:
            yield from sorted(path.rglob("*.py"))


def imported_top_levels(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_service_imports_only_what_its_runtime_dependencies_install() -> None:
    installed_by = metadata.packages_distributions()
    closure = runtime_closure()
    assert {"flask", "eventsourcing", "gunicorn", "psycopg-pool"} <= closure
    missing: list[str] = []
    for path in runtime_modules():
        relative = path.relative_to(ROOT)
        for module in sorted(imported_top_levels(path)):
            if module in sys.stdlib_module_names or module in PROJECT_PACKAGES:
                continue
            distributions = {_name(d) for d in installed_by.get(module, [])}
            if not distributions & closure:
                missing.append(f"{relative}: imports {module} ({', '.join(distributions) or '?'})")
    assert not missing, "not installed by `make run`:\n" + "\n".join(missing)


def test_test_lint_and_bench_tools_are_extras_not_runtime_dependencies() -> None:
    project = pyproject()["project"]
    runtime = {_name(Requirement(text).name) for text in project["dependencies"]}
    extras = project["optional-dependencies"]
    assert {"test", "lint", "bench", "dev"} <= set(extras)
    tools = {"pytest", "hypothesis", "schemathesis", "ruff", "mypy", "sqlalchemy", "pyinstrument"}
    assert not runtime & tools
    listed = {
        _name(Requirement(text).name) for name in ("test", "lint", "bench") for text in extras[name]
    }
    assert tools <= listed


def test_the_make_targets_install_only_their_own_extra() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    run_rule = re.search(r"^run: (\S+)", makefile, re.MULTILINE)
    assert run_rule and run_rule.group(1) == "$(STAMP_run)"
    assert re.search(r"^\$\(STAMP_run\):.*\n\t\$\(VENV_PY\) -m pip install -e \.\n", makefile, re.M)
    for target in ("test", "lint", "bench"):
        rule = re.search(rf"^{target}: (\S+)", makefile, re.MULTILINE)
        assert rule and rule.group(1) == f"$(STAMP_{target})", target
