"""Every public function, class and method has a numpydoc docstring with an ``Examples`` section.

"Public" is every callable named in ``__all__`` of ``eventstudy`` and of its submodules (the
API reference documents these), and the public methods and properties of those classes.
Exceptions and warnings are documented by the troubleshooting catalogue instead.

Every one has both (there is no exception list): a public callable without them fails, so
nothing new lands without its docstring and example. The examples are run too (doctest, with
the module's names), so they stay true; ``# doctest: +SKIP`` marks the lines that need data or
a cluster. The scanner's examples share one scan and run in ``tests/test_scan.py``.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import eventstudy

#: Run by tests/test_scan.py, whose examples share the objects the ShockScan example builds.
SHARED_EXAMPLES = ("eventstudy.scan.",)


def _members(cls: type) -> Iterator[tuple[str, Any]]:
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(value, property):
            value = value.fget
        elif isinstance(value, staticmethod | classmethod):
            value = value.__func__
        if callable(value):
            yield f"{cls.__module__}.{cls.__qualname__}.{name}", value


def public_callables() -> dict[str, Any]:
    """``dotted name -> object`` of every public callable defined in the package."""
    modules = ["eventstudy", *(f"eventstudy.{m}" for m in sorted(eventstudy._SUBMODULES))]
    found: dict[str, Any] = {}
    for module_name in modules:
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


def gaps() -> dict[str, str]:
    """``dotted name -> "docstring" | "Examples"``: what each public callable lacks."""
    out: dict[str, str] = {}
    for name, obj in public_callables().items():
        doc = inspect.getdoc(obj) or ""
        if not doc.strip():
            out[name] = "docstring"
        elif "Examples\n--------" not in doc:
            out[name] = "Examples"
    return out


def test_the_scan_finds_the_public_api() -> None:
    names = public_callables()
    assert "eventstudy.study.EventStudy" in names or any(n.endswith(".EventStudy") for n in names)
    assert any(n.endswith("EventStudyResults.car") for n in names)
    assert not any(n.endswith("Error") for n in names)


def test_every_public_callable_has_a_docstring_with_examples() -> None:
    problems = gaps()
    assert not problems, (
        "public callables without a numpydoc docstring / an Examples section (add them):\n"
        + "\n".join(f"  {name}: no {kind}" for name, kind in sorted(problems.items()))
    )


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


if __name__ == "__main__":  # pragma: no cover
    for name, kind in sorted(gaps().items()):
        print(f"{name}: no {kind}")
