"""Every public function, class and method has a numpydoc docstring with a runnable ``Examples``.

"Public" is every callable named in ``__all__`` of every public module of the package (each
module found by walking ``eventstudy`` with :mod:`pkgutil` whose dotted name has no part with
a leading underscore), and the public methods and properties of those classes. Exceptions and
warnings are documented by the troubleshooting catalogue instead.

Each one has a docstring with an ``Examples`` section holding at least one example, and the
examples run (doctest, with the defining module's names), so they stay true. An example whose
every line is ``# doctest: +SKIP`` (or a bare import) runs nothing: that is allowed only for the names in
:data:`SKIP_ALLOWED`, each with its reason (the network or a cluster). The scanner's examples
share one scan and run in ``tests/test_scan.py``.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import sys
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import Any

import pytest

import eventstudy

#: Run by tests/test_scan.py, whose examples share the objects the ShockScan example builds.
SHARED_EXAMPLES = ("eventstudy.scan.",)

#: The only public callables whose examples may all be ``+SKIP``, and why.
SKIP_ALLOWED: dict[str, str] = {
    "eventstudy.data.sources.YahooSource": "downloads from Yahoo Finance (the network)",
    "eventstudy.data.sources.YahooSource.fetch": "downloads from Yahoo Finance (the network)",
    "eventstudy.data.yahoo.yf_download": "downloads from Yahoo Finance (the network)",
    "eventstudy.engine.executors.fit_dask": (
        "needs a dask.distributed cluster (an optional dependency; starting one is too heavy "
        "for a doctest; tests/test_parallel.py runs it)"
    ),
}


def public_modules() -> list[str]:
    """``eventstudy`` and every module under it whose dotted name has no ``_``-prefixed part."""
    found = ["eventstudy"]
    for info in pkgutil.walk_packages(eventstudy.__path__, "eventstudy."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            found.append(info.name)
    return found


def _members(cls: type) -> Iterator[tuple[str, Any]]:
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(value, property):
            value = value.fget
        elif isinstance(value, cached_property):  # res.ar, res.aar: documented as properties
            value = value.func
        elif isinstance(value, staticmethod | classmethod):
            value = value.__func__
        if callable(value):
            yield f"{cls.__module__}.{cls.__qualname__}.{name}", value


def public_callables(modules: Iterable[str] | None = None) -> dict[str, Any]:
    """``dotted name -> object`` of every public callable named in the modules' ``__all__``.

    The name is where the object is defined (``module.qualname``), so a function re-exported
    by a package counts once.
    """
    found: dict[str, Any] = {}
    for module_name in public_modules() if modules is None else modules:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if not callable(obj) or not str(getattr(obj, "__module__", "")).startswith(
                "eventstudy"
            ):
                continue
            if inspect.isclass(obj) and issubclass(obj, BaseException | Warning):
                continue
            key = f"{obj.__module__}.{obj.__qualname__}"
            if key in found:
                continue
            found[key] = obj
            if inspect.isclass(obj):
                for member, value in _members(obj):
                    found.setdefault(member, value)
    return found


def _examples(obj: Any) -> list[doctest.Example]:
    doc = inspect.getdoc(obj) or ""
    _, _, section = doc.partition("Examples\n--------")
    return doctest.DocTestParser().get_examples(section)


def _runs_something(examples: list[doctest.Example]) -> bool:
    """Whether an example that is neither ``+SKIP`` nor a bare import runs (an import alone
    shows nothing of the callable)."""
    return any(
        not e.options.get(doctest.SKIP) and not e.source.startswith(("import ", "from "))
        for e in examples
    )


def _gap(name: str, obj: Any) -> str | None:
    """What ``obj`` lacks: a docstring, an Examples section, an example, or one example that
    runs (not +SKIP, not only an import); ``None`` when nothing."""
    doc = inspect.getdoc(obj) or ""
    examples = _examples(obj)
    if not doc.strip():
        return "no docstring"
    if "Examples\n--------" not in doc:
        return "no Examples section"
    if not examples:
        return "no example (>>>) in its Examples section"
    if not _runs_something(examples) and name not in SKIP_ALLOWED:
        return "every example is +SKIP or an import (make one run, or add it to SKIP_ALLOWED)"
    return None


def gaps() -> dict[str, str]:
    """``dotted name -> what is missing`` for every checked public callable."""
    out: dict[str, str] = {}
    for name, obj in public_callables().items():
        gap = _gap(name, obj)
        if gap is not None:
            out[name] = gap
    return out


def test_the_scan_finds_the_public_api() -> None:
    modules = public_modules()
    assert "eventstudy.models.garch" in modules and "eventstudy.inference.parametric" in modules
    assert not any("._" in m for m in modules)
    names = public_callables()
    assert any(n.endswith(".EventStudy") for n in names)
    assert any(n.endswith("EventStudyResults.car") for n in names)
    assert any(n.endswith("EventStudyResults.ar") for n in names)  # a cached_property
    assert "eventstudy.inference.parametric.patell" in names
    assert not any(n.endswith("Error") for n in names)


def test_every_public_callable_has_a_docstring_with_examples() -> None:
    problems = gaps()
    assert not problems, "public callables to document (numpydoc, with Examples):\n" + "\n".join(
        f"  {name}: {kind}" for name, kind in sorted(problems.items())
    )


def test_the_skip_allow_list_is_current() -> None:
    checked = public_callables()
    stale = [n for n in SKIP_ALLOWED if n not in checked]
    runnable = [n for n in SKIP_ALLOWED if n in checked and _runs_something(_examples(checked[n]))]
    assert not stale and not runnable, f"remove from SKIP_ALLOWED: {stale + runnable}"


def _example_names() -> list[str]:
    return sorted(
        name
        for name, obj in public_callables().items()
        if not name.startswith(SHARED_EXAMPLES) and ">>>" in (inspect.getdoc(obj) or "")
    )


@pytest.mark.parametrize("name", _example_names())
def test_the_examples_run(name: str) -> None:
    obj = public_callables()[name]
    globs = dict(vars(sys.modules[obj.__module__]))
    test = doctest.DocTestParser().get_doctest(inspect.getdoc(obj) or "", globs, name, None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out: list[str] = []
    runner.run(test, out=out.append)
    assert runner.failures == 0, "".join(out)


def report() -> list[tuple[str, str]]:
    """``(name, status)`` of every public callable: ``ok``, ``some +SKIP``, ``all +SKIP``,
    ``no Examples`` or ``no docstring`` (``python tests/test_docstrings.py`` prints it)."""
    rows = []
    for name, obj in sorted(public_callables().items()):
        doc = inspect.getdoc(obj) or ""
        examples = _examples(obj)
        if not doc.strip():
            status = "no docstring"
        elif "Examples\n--------" not in doc or not examples:
            status = "no Examples"
        elif not _runs_something(examples):
            status = "all +SKIP"
        else:
            status = "some +SKIP" if any(e.options.get(doctest.SKIP) for e in examples) else "ok"
        rows.append((name, status))
    return rows


if __name__ == "__main__":  # pragma: no cover
    from collections import Counter

    rows = report()
    for name, status in rows:
        if status != "ok":
            print(f"{status:12s} {name}")
    print(dict(Counter(status for _, status in rows)))
