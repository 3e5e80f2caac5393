"""Architecture (issue 12): the package's imports form no cycle.

The intra-package import graph is read from the source with :mod:`ast` - top-level imports,
imports inside functions and ``TYPE_CHECKING`` imports alike - and searched for strongly
connected components (Tarjan). ``lint-imports`` (pyproject's ``[tool.importlinter]``, run by
``.ci/run``) checks the finer layer order; this test needs no tool and says which modules
form a cycle.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def module_files(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file of the package at ``root``."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _targets(module: str, node: ast.Import | ast.ImportFrom, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".")
        if not is_package:
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join([*base, *([node.module] if node.module else [])])
    else:
        target = node.module or ""
    # ``from pkg import name``: an edge to the submodule when ``name`` is one
    return [f"{target}.{alias.name}" for alias in node.names] + [target]


#: The one documented exception: the results' convenience methods (``summary``, ``to_html``,
#: ``export``, ``plot_*``, the second-stage shortcuts) import the layers above them inside
#: the method, as statsmodels' ``summary()`` does. Those function-level imports are skipped
#: (in the package and each of its modules).
LAZY_CONVENIENCE = frozenset({"eventstudy.results"})


def _in(module: str, packages: frozenset[str]) -> bool:
    """Whether ``module`` is one of ``packages`` or a module inside one of them."""
    return any(module == p or module.startswith(p + ".") for p in packages)


def _is_type_checking_block(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:`` (imports for type checkers only; import-linter skips them too)."""
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Name | ast.Attribute)
        and ast.unparse(node.test).endswith("TYPE_CHECKING")
    )


def _imports(tree: ast.Module, skip_functions: bool) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement of ``tree`` that runs (top level and in functions; not those of
    ``if TYPE_CHECKING:`` blocks), or without those inside functions when ``skip_functions``."""
    found: list[ast.Import | ast.ImportFrom] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        for child in ast.iter_child_nodes(node):
            if skip_functions and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if _is_type_checking_block(child):
                continue  # annotations only: never executed, so no import cycle at run time
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.append(child)
            todo.append(child)
    return found


def import_graph(root: Path, lazy_convenience: frozenset[str] = frozenset()) -> dict[str, set[str]]:
    """Module -> the package modules it imports (anywhere in its source; in the modules of
    ``lazy_convenience``, imports inside functions are left out)."""
    files = module_files(root)
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        deps: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _imports(tree, _in(module, lazy_convenience)):
            for target in _targets(module, node, path.name == "__init__.py"):
                if target in files and target != module:
                    deps.add(target)
        # ``from pkg import name`` where name is a submodule also imports pkg: keep the
        # submodule edge only (the package's own __init__ is lazy)
        graph[module] = {d for d in deps if not any(o.startswith(d + ".") for o in deps)}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for v in sorted(graph):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return found


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph(SRC / "eventstudy", LAZY_CONVENIENCE)
    assert "eventstudy.study" in graph and "eventstudy.inference._core" in graph
    assert cycles(graph) == [], "import cycles (each list imports itself through the others)"


def test_the_two_cycles_of_the_review_are_gone() -> None:
    graph = import_graph(SRC / "eventstudy")
    # the executors know the engine-level API, not EventStudy
    assert "eventstudy.study" not in graph["eventstudy.engine.executors"]
    assert "eventstudy.engine.executors" in graph["eventstudy.study"]
    # the clustering remedies import the leaf helpers, not the test context
    assert "eventstudy.inference._core" not in graph["eventstudy.inference.remedies"]
    assert graph["eventstudy.inference._stats"] <= {
        "eventstudy.exceptions",
        "eventstudy.inference.conventions",
    }


def test_the_scan_finds_a_cycle_hidden_in_functions_not_in_type_checking(tmp_path: Path) -> None:
    pkg = tmp_path / "toy"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .sub import b\n")
    (pkg / "sub" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..d import D\n"
        "def g():\n    from ..c import C\n"
    )
    (pkg / "c.py").write_text("def f():\n    from . import a\n")
    (pkg / "d.py").write_text("import toy.c\n")
    graph = import_graph(pkg)
    assert graph["toy.a"] == {"toy.sub.b"} and graph["toy.d"] == {"toy.c"}
    assert graph["toy.sub.b"] == {"toy.c"}  # the TYPE_CHECKING import of d runs never
    assert cycles(graph) == [["toy.a", "toy.c", "toy.sub.b"]]
    # the documented exception: a convenience method's lazy import is not an edge
    assert cycles(import_graph(pkg, frozenset({"toy.c"}))) == []
    assert cycles(import_graph(pkg, frozenset({"toy.a"}))) != []


def test_the_import_linter_contract_names_the_layers_and_its_one_exception() -> None:
    config = tomllib.loads((SRC.parent / "pyproject.toml").read_text(encoding="utf-8"))
    contract, *inner = config["tool"]["importlinter"]["contracts"]
    assert contract["type"] == "layers"
    # the packages of a stage stack one way inside too (no exception there)
    assert {c["name"].split(":")[0] for c in inner} == {"models", "engine", "results", "report"}
    assert all(c["type"] == "layers" and "ignore_imports" not in c for c in inner)
    layers = [layer.replace("(", "").replace(")", "") for layer in contract["layers"]]
    flat = [name.strip() for layer in layers for name in layer.split("|")]
    order = {name: i for i, name in enumerate(flat)}
    # top to bottom: cli above study above presentation above results above inference ...
    chain = [
        "cli",
        "study",
        "report",
        "results",
        "inference",
        "engine",
        "models",
        "data",
        "exceptions",
    ]
    positions = [order[f"eventstudy.{m}"] for m in chain]
    assert positions == sorted(positions)
    # the lazy convenience imports of the results' modules are the only exceptions
    assert {rule.split(" -> ")[0] for rule in contract["ignore_imports"]} == {
        "eventstudy.results.*"
    }
    assert "import-linter" in " ".join(config["project"]["optional-dependencies"]["dev"])
    ci = (SRC.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.index("lint-imports") > ci.index("mypy src")


def test_no_submodule_is_shadowed_by_a_name_of_its_package() -> None:
    """``import eventstudy.inference.remedies`` is the module, ``inference.clustering`` the
    diagnostic function: no package re-exports a name that is also one of its submodules."""
    import importlib
    import pkgutil
    import types

    import eventstudy.inference

    assert callable(eventstudy.inference.clustering)
    assert importlib.import_module("eventstudy.inference.remedies").clustering is (
        eventstudy.inference.clustering
    )
    for pkg_name in ("eventstudy.inference", "eventstudy.engine", "eventstudy.models"):
        pkg = importlib.import_module(pkg_name)
        for info in pkgutil.iter_modules(pkg.__path__):
            value = getattr(pkg, info.name, None)
            assert value is None or isinstance(value, types.ModuleType), (pkg_name, info.name)


def test_the_layout_shows_the_pipeline() -> None:
    """The stages with more than one module are packages (models, engine, inference, report,
    data, scan, second stage), and the engine never reaches up to the results, the report or
    the study (its executors know the study through a protocol)."""
    pkg = SRC / "eventstudy"
    for stage in ("data", "models", "engine", "inference", "report", "scan", "second_stage"):
        assert (pkg / stage / "__init__.py").is_file(), stage
    for gone in ("estimation", "panel", "abnormal", "parallel", "tables", "plotting", "summary"):
        assert not (pkg / f"{gone}.py").exists(), f"{gone}.py belongs in a stage package"
    graph = import_graph(pkg)
    above = ("eventstudy.results", "eventstudy.report", "eventstudy.study", "eventstudy.spec")
    for module, targets in graph.items():
        if module.startswith("eventstudy.engine"):
            assert not {t for t in targets if t.startswith(above)}, module


RESULTS_MODULES = sorted(m for m in module_files(SRC / "eventstudy") if _in(m, LAZY_CONVENIENCE))


@pytest.mark.parametrize("module", RESULTS_MODULES)
def test_presentation_imports_of_the_results_are_lazy(module: str) -> None:
    """The documented exception: results import report/plotting only inside methods (in
    every module of the results package)."""
    path = module_files(SRC / "eventstudy")[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    graph = import_graph(SRC / "eventstudy", LAZY_CONVENIENCE)
    above = ("eventstudy.report", "eventstudy.second_stage", "eventstudy.study")
    assert not {t for t in graph[module] if t.startswith(above)}, module
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    names = {alias.name for n in top for alias in n.names} | {
        n.module or "" for n in top if isinstance(n, ast.ImportFrom)
    }
    assert not names & {"report", "plotting", "tables"}


def test_the_results_are_a_package_of_cohesive_modules() -> None:
    """Issue 12's layout: ``results/`` is a package; the class in ``base`` lists its methods,
    which live in the modules by what they do (each a function of that module)."""
    from eventstudy.results import EventStudyResults, base, frames, presentation, significance

    assert "eventstudy.results.base" in RESULTS_MODULES and len(RESULTS_MODULES) > 5
    assert EventStudyResults is base.EventStudyResults
    assert EventStudyResults.car is frames.car and EventStudyResults.tests is significance.tests
    assert EventStudyResults.summary is presentation.summary
    assert EventStudyResults.ar.func is frames.ar  # a cached_property of the frames function


# Where ``**`` is the API itself, not a pass-through: ``Conventions.replace(**changes)`` is
# :func:`dataclasses.replace`; ``with_second_stage(**items)`` takes named sections; the data
# sources forward reader options named in their docstrings (the data layer's own signatures).
KEYWORD_CATCHALLS = {
    "Conventions.replace",
    "EventStudyResults.with_second_stage",
    "FrameSource.__init__",
    "LocalSource.__init__",
}


def _public_callables() -> list[tuple[str, object]]:
    import inspect

    import eventstudy as es

    out: list[tuple[str, object]] = []
    for name in es.__all__:
        obj = getattr(es, name)
        if inspect.isclass(obj):
            if getattr(obj, "_is_protocol", False):
                continue  # a typing.Protocol's synthesised __init__
            for attr, value in vars(obj).items():
                if (attr.startswith("_") and attr != "__init__") or not callable(value):
                    continue
                out.append((f"{name}.{attr}", getattr(obj, attr)))
        elif callable(obj):
            out.append((name, obj))
    return out


def test_the_public_api_has_no_keyword_pass_throughs() -> None:
    """Issue 12: ``help()`` shows every option - no public function or method of the package's
    namespace forwards ``**kwargs`` to another one."""
    import inspect

    found = []
    for name, obj in _public_callables():
        try:
            params = inspect.signature(obj).parameters.values()  # type: ignore[arg-type]
        except (TypeError, ValueError):  # builtins without a signature
            continue
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
            found.append(name)
    assert sorted(set(found) - KEYWORD_CATCHALLS) == []
    assert len(_public_callables()) > 100  # the scan reached the results' methods


def test_one_panel_builds_one_inference_context_per_conventions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 12: the tests, the variance diagnostic, the KP band and the single-firm and
    resampling tests of one panel share its one context (``Context.of``), not one each."""
    import eventstudy as es
    from eventstudy.inference import _core, bootstrap_caar, guidance, single_firm_t
    from eventstudy.testing import simulated_study

    built: list[object] = []
    init = _core.Context.__init__

    def counting_init(self: _core.Context, *args: object) -> None:
        built.append(args[0])
        init(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(_core.Context, "__init__", counting_init)
    sim = simulated_study(es.MarketModel("MKT"))
    res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    res.tests(["patell", "kolari_pynnonen"], windows=[(0, 1)])
    guidance.event_induced_variance(res.panel)
    guidance.kp_band_inflation(res.panel, [0, 1], 0)
    single_firm_t(res.panel, windows=[(0, 0)], daily=False)
    bootstrap_caar(res.panel, [(0, 1)], n_boot=100, seed=1)
    assert built == [res.panel]


def _calls_of(tree: ast.Module, name: str) -> list[int]:
    """Lines where ``name(...)`` or ``<module>.name(...)`` is called."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == name)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
        )
    ]


def test_one_event_panel_constructor() -> None:
    """Issue 12: ``EventPanel`` is built in one place, :func:`eventstudy.engine.panel.build_panel`
    (its defaults: the variance denominator from ``k``, no group when no event has one, the
    regression arrays only when ``k > 0``, dates from positions, the meta records); every
    engine (single-machine, chunked/Dask merge, simulation builder) calls it."""
    files = module_files(SRC / "eventstudy")
    found = {
        module: lines
        for module, path in files.items()
        if (lines := _calls_of(ast.parse(path.read_text(encoding="utf-8")), "EventPanel"))
    }
    assert list(found) == ["eventstudy.engine.panel"], found
    assert len(found["eventstudy.engine.panel"]) == 1  # inside build_panel only
    # the scan sees a call: the builders use the factory
    callers = {
        module
        for module, path in files.items()
        if _calls_of(ast.parse(path.read_text(encoding="utf-8")), "build_panel")
    }
    assert {
        "eventstudy.engine.block",
        "eventstudy.engine.executors",
        "eventstudy.inference._build",
    } <= callers


#: Imports of another package's underscore (private) modules still in ``src``, each with its
#: reason; everything else outside a package uses the package's public modules
#: (``eventstudy.inference.registry``, ``.conventions``, ``.variance``, ...).
PRIVATE_IMPORT_EXCEPTIONS = {
    ("eventstudy.cli", "eventstudy.scan._cli"): (
        "the scan subcommand's argument parser and runner: the scanner's command-line adapter, "
        "private so that eventstudy.scan exposes only the user API; the CLI is its one caller"
    ),
}


def _package_of_private(target: str) -> str | None:
    """The package whose underscore module ``target`` is (or is inside), else None
    (``__init__``/``__main__`` are not private modules)."""
    parts = target.split(".")
    for i, part in enumerate(parts[1:], start=1):
        if part.startswith("_") and not part.endswith("__"):
            return ".".join(parts[:i])
    return None


def private_imports(root: Path) -> set[tuple[str, str]]:
    """``(importer, private module)`` for every import - top level, in functions and under
    ``TYPE_CHECKING`` alike - of an underscore module by a module outside its package."""
    files = module_files(root)
    found: set[tuple[str, str]] = set()
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _targets(module, node, path.name == "__init__.py"):
                package = _package_of_private(target) if target in files else None
                if package is not None and not _in(module, frozenset({package})):
                    found.add((module, target))
    return found


def test_no_module_reaches_into_another_packages_private_modules() -> None:
    """Issue 12: a package's underscore modules are its own; code outside it (the results,
    the report, ``eventstudy.testing``, the second stage) uses its public modules."""
    found = private_imports(SRC / "eventstudy")
    assert found <= set(PRIVATE_IMPORT_EXCEPTIONS), sorted(found - set(PRIVATE_IMPORT_EXCEPTIONS))
    # an exception that no longer happens is removed from the list
    assert set(PRIVATE_IMPORT_EXCEPTIONS) <= found, set(PRIVATE_IMPORT_EXCEPTIONS) - found


def test_the_private_import_scan_finds_every_form(tmp_path: Path) -> None:
    pkg = tmp_path / "toy"
    (pkg / "inner").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from ._top import x\n")  # the package's own: allowed
    (pkg / "_top.py").write_text("x = 1\n")
    (pkg / "inner" / "__init__.py").write_text("from ._impl import f\n")
    (pkg / "inner" / "_impl.py").write_text("from .. import _top\ndef f(): pass\n")
    (pkg / "a.py").write_text("from .inner._impl import f\n")
    (pkg / "b.py").write_text("def g():\n    from .inner import _impl\n")
    (pkg / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import toy.inner._impl\n"
    )
    # the public package, and the root package's own underscore module: both allowed
    (pkg / "d.py").write_text("from .inner import f\nfrom . import _top\n")
    assert private_imports(pkg) == {
        ("toy.a", "toy.inner._impl"),
        ("toy.b", "toy.inner._impl"),
        ("toy.c", "toy.inner._impl"),
    }
