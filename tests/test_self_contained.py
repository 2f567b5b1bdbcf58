"""The repository holds everything it reads: nothing in it reaches a file outside the clone.

CI runs `make test` on a fresh clone with nothing beside it, so a test, script or Makefile rule that
reads a folder next to the repository passes on a developer's machine and fails there (or, worse,
skips). These checks find such references in the project's own files:

- a relative path that climbs out of the directory it is used from (`../shared/...`, `".."`);
- a path computed from `__file__` (`Path(__file__).resolve().parents[n]`, `.parent` chains, and
  names bound to them, e.g. `ROOT.parent`) that ends above the repository's root;
- a user's home directory written into the project (`~/…`, `/home/…`, `/Users/…`).

Standard system locations (`/usr/lib/postgresql/*/bin`, `/dev/null`, `/tmp`) are fine: they are the
machine's, not a neighbour's files.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Generated or third-party trees inside the working copy that the project does not author.
SKIPPED_DIRS = {
    ".git",
    ".venv",
    "var",
    "node_modules",
    # Third-party assets committed as published (minified bundles), not the project's code.
    "vendor",
    "build",
    "dist",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
}
CODE_SUFFIXES = {".py", ".sh", ".toml", ".cfg", ".ini", ".yml", ".yaml", ".js", ".html", ".conf"}
CODE_NAMES = {"Makefile", "Dockerfile"}

# `../x` or `..` as a whole path, starting a token (quote, space, `=`, `(`, `:` or line start), so
# that `/api/v1/needs/../../etc/passwd` (a URL that hostile-input tests send) is not a path here.
RELATIVE_ESCAPE = re.compile(r"""(?:^|[\s"'=(:,])(\.\.(?:/[^\s"')]*)?)(?=$|[\s"'),])""")
HOME_PATH = re.compile(r"""(?:^|[\s"'=(:])(~/|/home/|/Users/)""")
# A shell script's own folder's parent is the repository root only for scripts one level down.
SCRIPT_DIR_PARENT = re.compile(r"""\$\(dirname\s+"?\$(?:0|\{BASH_SOURCE\[0\]\})"?\)((?:/\.\.)+)""")


def project_files() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT)
        if any(part in SKIPPED_DIRS or part.endswith(".egg-info") for part in relative.parts):
            continue
        if not path.is_file():
            continue
        is_script = relative.parts[0] in {"scripts", ".ci"}
        if path.suffix in CODE_SUFFIXES or path.name in CODE_NAMES or is_script:
            yield path


def _code_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        # Comments say why; they read nothing.
        if not stripped.startswith(("#", "//")):
            yield number, line


def textual_escapes(relative: Path, text: str) -> list[str]:
    found = []
    for number, line in _code_lines(text):
        for match in RELATIVE_ESCAPE.finditer(line):
            found.append(f"{relative}:{number}: relative path {match.group(1)!r} climbs out")
        for match in HOME_PATH.finditer(line):
            found.append(f"{relative}:{number}: home directory path {match.group(1)!r}")
        for match in SCRIPT_DIR_PARENT.finditer(line):
            if match.group(1).count("..") > len(relative.parts) - 1:
                found.append(
                    f"{relative}:{number}: $(dirname $0){match.group(1)} is above the root"
                )
    return found


class _Anchored(ast.NodeVisitor):
    """Finds paths computed from `__file__` that end above the repository's root.

    A value is tracked as "the directory `up` levels above this file's own" (the file itself
    is -1); names assigned such a value at module level keep it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.names: dict[str, int] = {}
        self.found: list[str] = []
        # How many levels above the file's folder the repository root is.
        self.root_level = len(path.relative_to(ROOT).parts) - 1

    def level(self, node: ast.AST) -> int | None:
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return -1
            return self.names.get(node.id)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in {"Path", "PurePath"} and node.args:
                return self.level(node.args[0])
            if isinstance(func, ast.Attribute):
                if func.attr in {"resolve", "absolute", "expanduser"}:
                    return self.level(func.value)
                if func.attr in {"dirname"} and node.args:  # os.path.dirname(x)
                    inner = self.level(node.args[0])
                    return None if inner is None else inner + 1
                if func.attr in {"abspath", "realpath", "normpath"} and node.args:
                    return self.level(node.args[0])
            return None
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            inner = self.level(node.value)
            return None if inner is None else inner + 1
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "parents"
            and isinstance(node.slice, ast.Constant)
        ):
            inner = self.level(node.value.value)
            index = node.slice.value
            if inner is None or not isinstance(index, int):
                return None
            return inner + index + 1
        return None

    def check(self, node: ast.AST) -> None:
        level = self.level(node)
        if level is not None and level > self.root_level:
            relative = self.path.relative_to(ROOT)
            self.found.append(
                f"{relative}:{getattr(node, 'lineno', '?')}: path from __file__ goes "
                f"{level - self.root_level} level(s) above the repository root"
            )

    def visit_Assign(self, node: ast.Assign) -> None:
        level = self.level(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name) and level is not None:
                self.names[target.id] = level
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == "parent":
            self.check(node)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.check(node)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute) and node.func.attr == "dirname":
            self.check(node)
        self.generic_visit(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        # An f-string's literal parts are text ("leaves {a}..{b}"), not paths.
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                self.visit(value)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, str) and (value == ".." or value.startswith("../")):
            relative = self.path.relative_to(ROOT)
            self.found.append(f"{relative}:{node.lineno}: relative path {value!r} climbs out")
        if isinstance(value, str) and value.startswith(("~/", "/home/", "/Users/")):
            relative = self.path.relative_to(ROOT)
            self.found.append(f"{relative}:{node.lineno}: home directory path {value!r}")


def python_escapes(path: Path) -> list[str]:
    visitor = _Anchored(path)
    visitor.visit(ast.parse(path.read_text("utf-8"), filename=str(path)))
    return visitor.found


def test_nothing_in_the_project_reaches_outside_the_repository() -> None:
    files = list(project_files())
    assert any(f.name == "Makefile" for f in files) and any(f.suffix == ".py" for f in files)
    found: list[str] = []
    for path in files:
        if path == Path(__file__).resolve():
            continue  # its examples of escapes are data
        if path.suffix == ".py":
            # Python is read as code: its string constants, not its prose ("0001 .. 9999").
            found += python_escapes(path)
        else:
            found += textual_escapes(path.relative_to(ROOT), path.read_text("utf-8", "replace"))
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("name", "source", "expected"),
    [
        ("tests/ocds/conftest.py", 'D = Path(__file__).resolve().parents[2].parent / "shared"', 1),
        (
            "tests/ocds/conftest.py",
            "REPO = Path(__file__).resolve().parents[2]\nX = REPO.parent",
            1,
        ),
        (
            "tests/x.py",
            "import os\nX = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))",
            1,
        ),
        ("tests/x.py", 'open("../shared/ocds-1.1.5/release-schema.json")', 1),
        ("tests/ocds/conftest.py", "REPO = Path(__file__).resolve().parents[2]", 0),
        ("service/cli/serve.py", "ROOT = Path(__file__).resolve().parent.parent.parent", 0),
        ("tests/x.py", 'client.get("/api/v1/needs/../../etc/passwd")', 0),
        ("service/x.py", 'f"leaves {first}..{last}"', 0),
    ],
)
def test_the_check_finds_escapes_and_only_those(name: str, source: str, expected: int) -> None:
    path = ROOT / name
    visitor = _Anchored(path)
    visitor.visit(ast.parse(source))
    assert len(visitor.found) == expected, visitor.found


@pytest.mark.parametrize(
    ("name", "line", "expected"),
    [
        ("Makefile", "\tcp ../shared/ocds-1.1.5/*.json service/ocds/schema/", 1),
        ("scripts/run-local", 'cd "$(dirname "$0")/.."', 0),
        ("scripts/run-local", 'cd "$(dirname "$0")/../.."', 1),
        ("scripts/run-local", "export DATA=~/ocds", 1),
        ("scripts/run-local", "# a comment may say ../shared", 0),
        ("tests/x.py", 'URL = "/api/v1/needs/../../etc/passwd"', 0),
    ],
)
def test_the_text_check_finds_escapes_and_only_those(name: str, line: str, expected: int) -> None:
    found = textual_escapes(Path(name), line)
    assert len(found) == expected, found
