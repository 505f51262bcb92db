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


# -- no import cycles ------------------------------------------------------------------------

PACKAGES = ("indexer", "search", "web")
# none: add a pair here only with the reason it cannot be broken
KNOWN_CYCLES: set[frozenset[str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports, at the top or inside functions: an import
    hidden in a function is still a dependency, only a later crash."""
    modules = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                # `from pkg import module` names a module; `from module import name` does not
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
                    break
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each as a path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_two_modules_import_each_other_even_indirectly() -> None:
    graph = import_graph()
    assert "indexer.cli.group" in graph["indexer.cli.write"]  # the graph sees the project
    found = [c for c in cycles(graph) if frozenset(c) not in KNOWN_CYCLES]
    report = [
        " -> ".join(c)
        + "\n    "
        + "\n    ".join(f"{m} imports {sorted(graph[m] & set(c))}" for m in c)
        for c in found
    ]
    assert not found, "import cycles:\n" + "\n".join(report)
