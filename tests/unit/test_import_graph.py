"""No import cycles inside `maicro`, not even ones hidden by imports inside functions.

A cycle makes the import order matter and is usually hidden by moving an import into a function
(as replication once did: monitor_log -> sync -> verify -> monitor_log). The graph is built from
the source with `ast`, so it sees every `import` statement wherever it stands, except under
`if TYPE_CHECKING:` (never executed).
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[2] / "include" / "maicro"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _executed_nodes(tree: ast.AST):
    """Every node except those under `if TYPE_CHECKING:`."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                stack.extend(child.orelse)
                continue
            stack.append(child)


def import_graph(root: Path) -> nx.DiGraph:
    """module -> every module of the same package it imports (absolute or relative imports)."""
    top = root.name
    modules = {module_name(p, root): p for p in root.rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _executed_nodes(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                if target.split(".")[0] == top and target in modules and target != name:
                    graph.add_edge(name, target)
    return graph


def cycles(root: Path) -> list[list[str]]:
    return sorted(sorted(c) for c in nx.simple_cycles(import_graph(root)))


def test_maicro_has_no_import_cycle():
    found = cycles(PACKAGE)
    assert found == [], "import cycles in maicro: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_check_finds_a_cycle_hidden_inside_a_function(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "a.py").write_text("from pkg.sub import b\n")
    (package / "sub" / "b.py").write_text("def f():\n    from . import c\n")
    (package / "sub" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.sub.b\n"
        "def g():\n    import pkg.sub.a\n"
    )
    (package / "d.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.e\n"
    )
    (package / "e.py").write_text("import pkg.d\n")
    assert cycles(package) == [["pkg.sub.a", "pkg.sub.b", "pkg.sub.c"]]
