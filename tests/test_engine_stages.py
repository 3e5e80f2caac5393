"""The engine's stages (issue 12): align, screening and block are modules of the engine that
the study composes; their examples run here (the package-level names also run in
tests/test_docstrings.py), so every documented call of a stage stays true."""

from __future__ import annotations

import doctest
import importlib

import pytest

STAGES = ["eventstudy.engine.align", "eventstudy.engine.screening", "eventstudy.engine.block"]


@pytest.mark.parametrize("module", STAGES)
def test_every_public_name_of_a_stage_has_a_running_example(module: str) -> None:
    mod = importlib.import_module(module)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out: list[str] = []
    with_examples = set()
    for test in finder.find(mod):
        if test.examples:
            with_examples.add(test.name.rsplit(".", 1)[-1])
            runner.run(test, out=out.append)
    assert runner.failures == 0, "".join(out)
    assert set(mod.__all__) - {"DEFAULT_MIN_ESTIMATION_OBS"} <= with_examples


def test_the_study_composes_the_stages_and_fits_nothing_itself() -> None:
    """study.py is the facade: alignment, screening and the block fit live in the engine."""
    import ast
    from pathlib import Path

    import eventstudy.study as study

    tree = ast.parse(Path(study.__file__).read_text(encoding="utf-8"))
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    gone = {"_clean_returns", "_grid", "_factors_on", "_pre_reasons", "_fit_chunk", "_panel"}
    assert not defined & gone
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    }
    assert {"engine.align", "engine.block"} <= imported
