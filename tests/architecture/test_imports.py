"""The one-way flow, checked on the source: no import circle, no stage reaching upstream or into the CLI.

The graph counts run-time imports only (``imports.py``): one under ``if TYPE_CHECKING:`` is an
annotation and never runs. At package level each stage (``govqa.ingest``, ``govqa.index``,
``govqa.qa``, ``govqa.web``, ``govqa.eval``) is one node, except its ``settings`` module: settings are
leaves (they import no stage code), composed by ``govqa.config``, so a stage that reads the whole
configuration does not close a circle through them.
"""

from __future__ import annotations

import pytest

from tests.architecture.imports import cycles, graph

STAGES = ("ingest", "index", "qa", "web", "eval")
# What each part may import (besides itself and leaves: govqa.errors, govqa.lazy, *.settings).
ALLOWED = {
    "govqa.ingest": set(),
    "govqa.index": {"govqa.ingest"},
    "govqa.qa": {"govqa.index", "govqa.ingest"},
    "govqa.runtime": {"govqa.config", "govqa.index", "govqa.ingest", "govqa.qa"},
    "govqa.web": {"govqa.config", "govqa.runtime", "govqa.index", "govqa.ingest", "govqa.qa"},
    "govqa.eval": {"govqa.config", "govqa.runtime", "govqa.index", "govqa.ingest", "govqa.qa"},
}
LEAVES = {"govqa", "govqa.errors", "govqa.lazy", "govqa.registry"}


def node(module: str) -> str:
    """The package-level node of a module: its stage, its stage's settings, or the root module itself."""
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in STAGES:
        return module if parts[2:3] == ["settings"] else ".".join(parts[:2])
    if len(parts) >= 2 and parts[1] in ("cli", "commands"):
        return "govqa.cli"
    return module


@pytest.fixture(scope="module")
def edges() -> dict[str, set[str]]:
    return graph()


def package_edges(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = {}
    for source, targets in edges.items():
        packages.setdefault(node(source), set()).update(node(t) for t in targets if node(t) != node(source))
    return packages


def test_the_graph_sees_every_package(edges) -> None:
    # Guards the test itself: a broken reader would find no circle in an empty graph.
    assert {node(m) for m in edges} >= {"govqa.cli", "govqa.config", "govqa.runtime", *(f"govqa.{s}" for s in STAGES)}
    assert "govqa.qa.searcher" in edges["govqa.runtime"] or "govqa.qa" in edges["govqa.runtime"]


def test_no_circle_between_modules(edges) -> None:
    assert cycles(edges) == []


def test_no_circle_between_packages(edges) -> None:
    assert cycles(package_edges(edges)) == []


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_each_part_imports_only_downstream_of_it(edges, part: str) -> None:
    reached = package_edges(edges).get(part, set())
    extra = {t for t in reached if t not in ALLOWED[part] and t not in LEAVES and not t.endswith(".settings")}
    assert extra == set(), f"{part} imports {sorted(extra)}: the flow is ingest → index → qa → web/eval"


def test_leaves_import_no_stage(edges) -> None:
    for module, targets in edges.items():
        if module in LEAVES or module.endswith(".settings"):
            others = {t for t in targets if t not in LEAVES and not t.endswith(".settings")}
            assert others == set(), f"{module} is a leaf but imports {sorted(others)}"
        if module == "govqa.config":
            assert all(t in LEAVES or t.endswith(".settings") for t in targets), sorted(targets)


def test_the_error_root_imports_nothing_of_govqa(edges) -> None:
    assert edges["govqa.errors"] == set()
