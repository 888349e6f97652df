"""The package's shape: dependencies point down its layers, no import cycles (imports inside functions
included); tests never import bench/."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "geoapp"


def modules() -> dict[str, Path]:
    """Every module of the package by its dotted name (packages by their ``__init__``)."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules that ``name`` imports anywhere in its code.

    ``from P import n`` depends on the module ``P.n`` when there is one, else on ``P`` itself (a
    name defined in ``P``); importing a submodule runs its parent packages first, which is no cycle.
    """
    is_package = path.name == "__init__.py"
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    known = modules()
    graph = {name: imported(name, path, known) & set(known) for name, path in known.items()}
    assert cycles(graph) == []


def test_the_checker_sees_a_cycle_through_a_function_level_import(tmp_path):
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_every_module_says_its_job():
    missing = [name for name, path in modules().items()
               if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))]
    assert missing == []


# DESIGN's layers, top to bottom: a module may import its own layer and those below, never one above.
LAYERS = [
    {"geoapp", "cli"},                    # the app factory and the command line put everything together
    {"web", "api"},                       # pages and JSON blueprints
    {"http"},                             # Flask glue
    {"answers", "maps"},                  # answers as plain dicts; maps drawn from the data
    {"data", "network", "safety",         # the loaded dataset, the road graph, the risk model,
     "i18n.gazetteer"},                   # and the place names built with the dataset
    {"store", "io", "layers", "validate", "extent", "errors", "settings", "extras", "shipped", "i18n",
     "links", "schedule"},                # cross-layer checks and the schedule grammar of connections,
]


def layer_of(module: str) -> int:
    """A module's layer: its own entry (``i18n.gazetteer``) if it has one, else its package's."""
    parts = module.split(".")[1:] or [module]
    for key in (".".join(parts[:2]), parts[0]):
        for rank, names in enumerate(LAYERS):
            if key in names:
                return rank
    raise KeyError(module)


def test_dependencies_point_down_the_layers():
    known = modules()
    upward = sorted(f"{name} -> {target}" for name, path in known.items()
                    for target in imported(name, path, known) & set(known)
                    if layer_of(target) < layer_of(name))
    assert upward == []


def test_every_package_has_a_layer():
    parts = {name.split(".")[1] for name in modules() if "." in name}
    assert parts <= set().union(*LAYERS)


def test_flask_stays_in_the_http_layers():
    """The domain answers without a web framework: Flask only in http/, api/, web/ and the app factory."""
    flask_users = set()
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            roots = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            if any(root.split(".")[0] in {"flask", "werkzeug", "flask_babel"} for root in roots):
                flask_users.add(name)
    assert {name for name in flask_users if layer_of(name) > 2} == set()


def test_no_test_module_imports_the_benchmarks():
    """Tests run the bench scripts as a user does (``python bench/run.py``); they never import ``bench``."""
    tests = Path(__file__).resolve().parent
    importers = []
    for path in sorted(tests.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            if any(name == "bench" or name.startswith("bench.") for name in names):
                importers.append(f"{path.relative_to(tests)}:{node.lineno}")
    assert importers == []
