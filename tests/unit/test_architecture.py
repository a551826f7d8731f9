"""The rules of docs/architecture.md that import-linter (`.importlinter`) cannot express:
no import cycle between any two modules, no private name imported across modules, the edge
never touches the session or commits, and services never read `current_app`."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "webgis"

#: Modules of the edge: parse the input, call one service, serialise the answer.
EDGE = ("webgis/api", "webgis/web", "webgis/cli.py", "webgis/commands.py",
        "webgis/cli_sheet.py", "webgis/cli_screen.py", "webgis/cli_options.py",
        "webgis/auth.py", "webgis/ogc.py",
        "webgis/errors_http.py", "webgis/limits.py", "webgis/edge.py")

#: Declared exceptions, each with its reason (none today). `hydro.transport` names
#: `hydro.transfer.Transfer` only under `if TYPE_CHECKING:`, which never runs.
ALLOWED_CYCLES: list[set[str]] = []
#: (importing module, imported module, private name), each with its reason. None today: the
#: four that issue 13 names became public names of the hydro.transport package.
ALLOWED_PRIVATE: set[tuple[str, str, str]] = set()


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _python_files(*roots: str) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        p = ROOT / root
        files.extend(sorted(p.rglob("*.py")) if p.is_dir() else [p])
    return [f for f in files if f.exists()]


def _cycles(graph: grimp.ImportGraph) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(
                        graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def test_no_import_cycles_between_modules():
    """Every import that runs counts, also one inside a function (a package's `__init__`
    included)."""
    sys.path.insert(0, str(ROOT))
    try:
        # imports under `if TYPE_CHECKING:` never run (as in .importlinter)
        graph = grimp.build_graph("webgis", cache_dir=None, exclude_type_checking_imports=True)
    finally:
        sys.path.remove(str(ROOT))
    cycles = [c for c in _cycles(graph) if c not in ALLOWED_CYCLES]
    assert not cycles, f"import cycles: {[sorted(c) for c in cycles]}"


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for name in ("p", "p.a", "p.b", "p.c"):
        graph.add_module(name)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.a")
    graph.add_import(importer="p.b", imported="p.c")
    assert _cycles(graph) == [{"p.a", "p.b"}]


def _private_imports(path: Path) -> list[tuple[str, str, str]]:
    """(this module, other module, name) for every `_name` this module takes from another
    webgis module: `from webgis.x import _name` or `x._name` on an imported module."""
    here = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: dict[str, str] = {}  # local alias -> webgis module
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("webgis"):
                    modules[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("webgis"):
            source = node.module or ""
            for alias in node.names:
                name = alias.name
                if name.startswith("_") and not name.startswith("__"):
                    if source != here:
                        found.append((here, source, name))
                elif (PACKAGE.parent / (source.replace(".", "/") + f"/{name}.py")).exists() or (
                        PACKAGE.parent / (source.replace(".", "/") + f"/{name}")).is_dir():
                    modules[alias.asname or name] = f"{source}.{name}"
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in modules and node.attr.startswith("_")
                and not node.attr.startswith("__") and modules[node.value.id] != here):
            found.append((here, modules[node.value.id], node.attr))
    return found


def test_no_private_name_crosses_modules():
    """A name starting with `_` is its module's own business (issue 13)."""
    crossing = [hit for path in _python_files("webgis") for hit in _private_imports(path)
                if hit not in ALLOWED_PRIVATE]
    assert not crossing, f"private names imported across modules: {crossing}"


def test_the_private_name_check_sees_both_forms(tmp_path, monkeypatch):
    pkg = tmp_path / "webgis"
    pkg.mkdir()
    (pkg / "a.py").write_text("from webgis.b import _hidden\nfrom webgis import b\nb._other\n")
    (pkg / "b.py").write_text("_hidden = 1\n_other = 2\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", pkg)
    assert sorted(_private_imports(pkg / "a.py")) == [
        ("webgis.a", "webgis.b", "_hidden"), ("webgis.a", "webgis.b", "_other")]


def _calls_and_names(path: Path) -> tuple[list[str], list[str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = [node.func.attr for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)]
    names = [node.id for node in ast.walk(tree) if isinstance(node, ast.Name)]
    names += [f"{node.module}:{a.name}" for node in ast.walk(tree)
              if isinstance(node, ast.ImportFrom) for a in node.names]
    return calls, names


@pytest.mark.parametrize("path", _python_files(*EDGE), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_edge_never_commits_nor_touches_the_session(path):
    """Transactions belong to the services (`webgis.services.uow`): the edge neither
    commits, rolls back nor reaches for `db`."""
    calls, names = _calls_and_names(path)
    assert not {"commit", "rollback", "flush"} & set(calls), path
    assert "webgis.extensions:db" not in names, path


@pytest.mark.parametrize("path", _python_files("webgis/services"),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_services_take_settings_not_current_app(path):
    """Settings come as arguments (`webgis.config.Settings`), never from `current_app`."""
    _, names = _calls_and_names(path)
    assert "current_app" not in names and "flask:current_app" not in names, path
