"""Every public function, class and method has a numpydoc docstring with an ``Examples`` section.

"Public" is every callable named in ``__all__`` of ``eventstudy`` and of its submodules (the
API reference documents these), and the public methods and properties of those classes.
Exceptions and warnings are documented by the troubleshooting catalogue instead.

The callables that still lack one are listed in ``tests/docstring_gaps.txt`` (a ratchet): a
callable missing from that list fails this test, so nothing new lands without its docstring
and example; fixing a listed one needs no change here (regenerate the list with
``python tests/test_docstrings.py --write``).
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import eventstudy

GAPS_FILE = Path(__file__).with_name("docstring_gaps.txt")


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


def known_gaps() -> dict[str, str]:
    if not GAPS_FILE.exists():
        return {}
    rows = [line.split() for line in GAPS_FILE.read_text(encoding="utf-8").splitlines()]
    return {row[0]: row[1] for row in rows if row and not row[0].startswith("#")}


def test_the_scan_finds_the_public_api() -> None:
    names = public_callables()
    assert "eventstudy.study.EventStudy" in names or any(n.endswith(".EventStudy") for n in names)
    assert any(n.endswith("EventStudyResults.car") for n in names)
    assert not any(n.endswith("Error") for n in names)


def test_no_new_public_callable_without_docstring_and_example() -> None:
    current, known = gaps(), known_gaps()
    new = {n: kind for n, kind in current.items() if n not in known}
    # a listed "Examples" gap whose docstring vanished altogether is a regression too
    worse = {n: k for n, k in current.items() if k == "docstring" and known.get(n) == "Examples"}
    problems = {**new, **worse}
    assert not problems, (
        "public callables without a numpydoc docstring / an Examples section (add them; "
        "the known gaps are in tests/docstring_gaps.txt):\n"
        + "\n".join(f"  {name}: no {kind}" for name, kind in sorted(problems.items()))
    )


def _write() -> None:
    current = gaps()
    lines = [
        "# Public callables still without a docstring or an Examples section (tests/test_docstrings.py).",
        "# Regenerate with: python tests/test_docstrings.py --write",
        *(f"{name} {kind}" for name, kind in sorted(current.items())),
    ]
    GAPS_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    total = len(public_callables())
    print(f"{len(current)} of {total} public callables lack a docstring or an example")


if __name__ == "__main__":  # pragma: no cover
    if "--write" in sys.argv:
        _write()
    else:
        for name, kind in sorted(gaps().items()):
            print(f"{name}: no {kind}")
