"""Import-direction rules: search/ is the core, indexer/ writes, web/ reads (STYLE.md §1)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "search": {
        "indexer",
        "web",
        "flask",
        "bs4",
        "chardet",
        "httpx",
        "requests",
        "trafilatura",
        "click",
    },
    "indexer": {"web", "flask"},
    "web": {"indexer", "bs4", "chardet", "httpx", "trafilatura"},
}


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """Top-level module names imported, with line and whether inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        for name in names:
            found.append((name.split(".")[0], node.lineno, node.col_offset > 0))
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_import_only_downstream(package: str) -> None:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name, line, nested in imports(path):
            if name not in FORBIDDEN[package]:
                continue
            if path.parent.name == "cli" and path.name == "serve.py" and name == "web" and nested:
                continue  # `docsift serve` imports the web app lazily, by design
            bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not bad, "\n".join(bad)


def test_whoosh_is_imported_only_inside_search() -> None:
    bad = [
        f"{p.relative_to(ROOT)}:{line}"
        for package in ("indexer", "web")
        for p in (ROOT / package).rglob("*.py")
        for name, line, _ in imports(p)
        if name == "whoosh"
    ]
    assert not bad, bad
