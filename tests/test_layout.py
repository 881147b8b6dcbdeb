"""The library's layout: its module map, its import graph, lazy access to every module.

The module map is written once, in the docstring of ``li2lib/__init__.py``; these tests hold
the files, README.md and the API page to it.
"""

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import li2lib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(li2lib.__file__).parent
MAP_ENTRY = re.compile(r"^( *)- ``(li2lib(?:\.\w+)*)``: (.*(?:\n\1  \S.*)*)", re.M)


def all_modules() -> dict[str, Path]:
    """Every module and package of li2lib by dotted name, private ones included."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def public_modules() -> set[str]:
    return {name for name in all_modules() if name != "li2lib" and not any(p.startswith("_") for p in name.split("."))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The li2lib modules that module ``name`` imports anywhere in its file (inside functions
    too), relative imports resolved; ``from package import module`` is an import of the module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "li2lib"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                target = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "li2lib":
                continue
            submodules = {f"{target}.{a.name}" for a in node.names} & known
            out |= submodules
            if len(submodules) < len(node.names):
                out.add(target)
    return out - {name}


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: imports_of(name, path, set(modules)) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def module_map() -> list[tuple[int, str, str]]:
    """(depth, module, what it holds) for each entry of the package docstring's module map."""
    return [(len(indent) // 2, name, " ".join(text.split())) for indent, name, text in MAP_ENTRY.findall(li2lib.__doc__)]


def test_the_import_graph_has_no_cycle():
    graph = import_graph()
    assert graph["li2lib.book.widgets"] >= {"li2lib.book.plots", "li2lib.seeding"}  # the parser sees imports
    assert "li2lib.theory.stage1" in graph["li2lib.book.widgets"]  # ... inside functions too
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_module_map_names_every_module_once_and_only_modules():
    names = [name for _, name, _ in module_map()]
    assert len(names) == len(set(names)), "a module appears twice in the module map"
    assert set(names) == public_modules()


def test_module_map_nests_modules_under_their_package():
    parents = {}
    for depth, name, _ in module_map():
        parents[depth] = name
        if depth:
            assert name.rpartition(".")[0] == parents[depth - 1], name
        else:
            assert name.count(".") == 1, name


def readme_module_map() -> str:
    """The module map as README.md shows it (markdown: single backticks)."""
    return "\n".join(f"{'  ' * depth}- `{name}`: {text.replace('``', '`')}" for depth, name, text in module_map())


def test_readme_shows_the_module_map():
    readme = (ROOT / "README.md").read_text()
    start, end = "<!-- module map: li2lib/__init__.py -->\n", "\n<!-- end of module map -->"
    assert start in readme and end in readme
    shown = readme[readme.index(start) + len(start): readme.index(end)]
    assert shown == readme_module_map(), "README.md's module map is stale; it should read:\n" + readme_module_map()


def test_api_page_shows_the_module_map_and_documents_modules_that_exist():
    api = (ROOT / "chapters" / "api.md").read_text()
    assert re.search(r"^\.\. automodule:: li2lib$", api, re.M), "the API page should show li2lib's docstring"
    documented = re.findall(r"^\.\. auto(?:module|function|class|data|exception):: (li2lib[\w.]*)", api, re.M)
    assert documented
    for path in documented:
        module, _, attr = path.rpartition(".")
        try:
            importlib.import_module(path)
        except ImportError:
            assert hasattr(importlib.import_module(module), attr), path
    for _, name, _ in module_map():
        if name.startswith(("li2lib.model.", "li2lib.training.")) and name != "li2lib.training.reference":
            continue  # the parts of these two packages are documented through the package's names
        assert name in documented or any(d.startswith(name + ".") for d in documented), f"{name} is not on the API page"


def test_every_module_is_reachable_after_import_and_import_stays_light():
    names = sorted(public_modules())
    code = ("import sys, li2lib\n"
            "light = not {'matplotlib', 'ipywidgets'} & set(sys.modules)\n"
            f"names = {names!r}\n"
            "found = []\n"
            "for name in names:\n"
            "    obj = li2lib\n"
            "    for part in name.split('.')[1:]:\n"
            "        obj = getattr(obj, part)\n"
            "    found.append(obj.__name__ == name)\n"
            "print(light, all(found))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["True", "True"], out.stderr
    assert set(li2lib.SUBMODULES) == {name.split(".")[1] for name in public_modules()}
    with pytest.raises(AttributeError):
        li2lib.no_such_module
    with pytest.raises(AttributeError):
        li2lib.theory.no_such_module
