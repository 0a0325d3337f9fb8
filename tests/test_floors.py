"""The three floors, checked by reading the imports: the model, the rules, the shell.

    sheets_schema/   floor 0: imports nothing of ours
    jobs/            floor 1: imports floor 0 only
    automation/      floor 2: imports anything

Every import counts, lazy ones inside functions and `if TYPE_CHECKING:` blocks
included: a cycle or an upward edge hidden in a function is still a cycle.
Modules of one floor may import each other, but never round in a circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOORS = {"sheets_schema": 0, "jobs": 1, "automation": 2}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(module: str, source: str, *, is_package: bool) -> set[str]:
    """Every module of ours that `source` imports, at the top or anywhere inside."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                names = [".".join([*base, *([node.module] if node.module else [])])]
            else:
                names = [node.module or ""]
            # `from jobs import crisis` imports the module jobs.crisis too
            names += [f"{names[0]}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(n for n in names if n.split(".")[0] in FLOORS)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports (only names that are real modules)."""
    sources: dict[str, tuple[str, bool]] = {}
    for package in FLOORS:
        for path in sorted((root / package).rglob("*.py")):
            sources[module_name(path, root)] = (
                path.read_text(encoding="utf-8"),
                path.name == "__init__.py",
            )
    graph: dict[str, set[str]] = {}
    for module, (source, is_package) in sources.items():
        graph[module] = {
            n for n in imports_of(module, source, is_package=is_package) if n in sources
        }
    return graph


def floor_of(module: str) -> int:
    return FLOORS[module.split(".")[0]]


def upward_edges(graph: Mapping[str, set[str]]) -> list[str]:
    """Imports from a lower floor to a higher one, as 'a -> b' lines."""
    return sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        for target in targets
        if floor_of(target) > floor_of(module)
    )


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The import cycles (each found once), by depth-first search; a package's
    own `__init__` importing its submodules is not a cycle of its submodules' making."""

    def edges(module: str) -> Iterator[str]:
        for target in sorted(graph.get(module, ())):
            # a submodule importing its own package's __init__ is not an edge back
            if module.startswith(target + "."):
                continue
            yield target

    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in edges(module):
            if state.get(target) == 1:
                loop = stack[stack.index(target) :]
                if frozenset(loop) not in seen:
                    seen.add(frozenset(loop))
                    found.append([*loop, target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def test_no_floor_imports_a_floor_above_it() -> None:
    assert upward_edges(import_graph(ROOT)) == []


def test_no_module_imports_itself_round_a_circle() -> None:
    assert [" -> ".join(loop) for loop in cycles(import_graph(ROOT))] == []


def test_the_check_catches_one_upward_import_in_a_made_up_module(tmp_path: Path) -> None:
    for package in FLOORS:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text('"""A floor."""\n')
    (tmp_path / "automation" / "runner.py").write_text("from jobs.brief import plan\n")
    (tmp_path / "jobs" / "brief.py").write_text(
        "def plan():\n    from automation.runner import run_job  # lazy, still counts\n"
    )
    graph = import_graph(tmp_path)
    assert upward_edges(graph) == ["jobs.brief -> automation.runner"]
    assert cycles(graph) == [["automation.runner", "jobs.brief", "automation.runner"]]


def test_the_check_catches_a_type_checking_import_of_the_shell(tmp_path: Path) -> None:
    for package in FLOORS:
        (tmp_path / package).mkdir()
    (tmp_path / "automation" / "workspace.py").write_text("WORKSPACE = 1\n")
    (tmp_path / "sheets_schema" / "records.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from automation.workspace import WORKSPACE\n"
    )
    assert upward_edges(import_graph(tmp_path)) == ["sheets_schema.records -> automation.workspace"]
