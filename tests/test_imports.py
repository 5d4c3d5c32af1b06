"""Imports go one way: flows → review → models → checks (and data → checks), never back; the
spreadsheet writer (review/xlsx.py) imports nothing of the project, so the run's outputs and
the review app's exports share it.

Every module under flows/, checks/, models/, review/ and data/ is parsed (not
imported), with every import it makes — at the top, inside a function, or for type checking
only — as an edge of a graph. No cycle may run between the packages, ``checks`` and ``models``
import neither the flows nor the store, and no module of ``flows`` or ``review`` is in a cycle
with another (the store and its audit trail once imported each other).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
PACKAGES = ("flows", "checks", "models", "review", "data")
# what each package may import of the others (the direction of the arrows above)
ALLOWED = {
    "checks": set(),
    "models": {"checks"},
    "data": {"checks"},
    "review": {"checks", "models"},
    "flows": {"checks", "models", "review", "data"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for package in PACKAGES
            for path in sorted((PROJECT / package).rglob("*.py"))}


def _imported(name: str, path: Path, modules: Mapping[str, Path]) -> set[str]:
    """The project's modules ``name`` imports: ``from a import b`` is ``a.b`` where that is a
    module, else ``a``; an import of something inside a module is of the module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module → the project's modules it imports."""
    modules = _modules()
    return {name: _imported(name, path, modules) for name, path in modules.items()}


def package_graph(graph: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """Top-level package → the other top-level packages its modules import."""
    packages: dict[str, set[str]] = {}
    for module, targets in graph.items():
        own = module.split(".")[0]
        packages.setdefault(own, set()).update(
            target.split(".")[0] for target in targets if target.split(".")[0] != own)
    return packages


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The graph's cycles, as its strongly connected components of more than one node (and
    nodes that import themselves), each sorted (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


GRAPH = import_graph()


def test_the_cycle_finder_finds_cycles_and_only_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"a"}, "b": {"c"}, "c": {"b"}}) == [["a"], ["b", "c"]]
    assert package_graph({"review.store": {"flows.settings", "review.db"},
                          "flows.cli": {"review.store"}}) == {"review": {"flows"},
                                                             "flows": {"review"}}


def test_the_parser_sees_every_kind_of_import():
    """An import in a function or for type checking is an edge too: it is a dependency."""
    assert {"review.db", "review.decision_trail", "review.trail_anchor"} <= GRAPH[
        "review.audit_trail"]
    assert "review.digest" in GRAPH["flows.stages.record"]  # imported inside functions
    assert "review.store" in GRAPH["flows.stages.record"]


def test_no_cycle_runs_between_the_packages():
    assert cycles(package_graph(GRAPH)) == []


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_those_below_it(package):
    imported = package_graph(GRAPH).get(package, set())
    assert imported <= ALLOWED[package], (
        f"{package}/ imports {sorted(imported - ALLOWED[package])}: "
        + "; ".join(f"{module} → {target}" for module, targets in sorted(GRAPH.items())
                    if module.split(".")[0] == package
                    for target in sorted(targets)
                    if target.split(".")[0] in imported - ALLOWED[package]))


@pytest.mark.parametrize("package", ["flows", "review"])
def test_no_module_of_the_flows_or_the_store_is_in_a_cycle(package):
    inside = {module: {target for target in targets if target.split(".")[0] == package}
              for module, targets in GRAPH.items() if module.split(".")[0] == package}
    assert cycles(inside) == []


def test_the_store_engine_is_apart_from_its_queries():
    """review.db opens the store; the queries and the audit trail import it, never it them."""
    assert "review.store" not in GRAPH["review.audit_trail"]
    assert {"review.audit_trail", "review.db"} <= GRAPH["review.store"]
    assert GRAPH["review.db"] <= {"review.trail_anchor"}
