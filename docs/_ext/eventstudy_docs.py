"""Sphinx extension: the pages generated from the code, written to ``docs/generated/``.

* ``generated/api.md``: the API reference, one ``autosummary`` table per module, listing every
  public name of ``eventstudy.__all__`` (so a new public name appears without editing the docs);
* ``generated/methods/``: a page per normal-return model (from the spec's model registry) and per
  test (from ``eventstudy.inference.TEST_NAMES``), each showing the docstring that states the
  formula, the paper and the conventions;
* ``generated/spec.md``: the study-spec reference, read from ``eventstudy.spec``'s own schema
  (its tables and keys, the valid values of each choice, the models, the tests);
* ``generated/gallery/``: the committed notebooks (copied; myst-nb shows their saved outputs).

Everything runs at ``config-inited``, before Sphinx looks for source files. A model or test whose
documentation cannot be found is a Sphinx warning, so the ``-W`` build of CI fails on it.
"""

from __future__ import annotations

import importlib
import inspect
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
OUT = DOCS / "generated"

# spec test name -> the public function documenting it, where the two names differ
TEST_FUNCTIONS = {"bmp": "boehmer_musumeci_poulsen", "sign": "sign_test"}


# ----------------------------------------------------------------------------- helpers
def _write(path: Path, text: str) -> None:
    """Write only when the text changed (keeps Sphinx's incremental builds incremental)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _summary_line(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0].rstrip(".") if doc.strip() else ""


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


# ----------------------------------------------------------------------------- API reference
def api_page() -> str:
    import eventstudy

    by_module: dict[str, list[str]] = {}
    for name in eventstudy.__all__:
        if name.startswith("_"):
            continue
        obj = getattr(eventstudy, name)
        module = getattr(obj, "__module__", "eventstudy") or "eventstudy"
        stage = module.removeprefix("eventstudy.").split(".")[0]
        by_module.setdefault(stage, []).append(name)
    lines = [
        "# API reference",
        "",
        "Generated from the docstrings. Every name below is importable from the top-level package",
        "(`import eventstudy as es; es.load_prices(...)`); they are grouped by the pipeline stage",
        "(module) that defines them.",
        "",
    ]
    for stage in sorted(by_module, key=_stage_order):
        module = importlib.import_module(f"eventstudy.{stage}")
        lines += [
            f"## `eventstudy.{stage}`",
            "",
            _summary_line(module) + ".",
            "",
            "```{eval-rst}",
            ".. currentmodule:: eventstudy",
            "",
            ".. autosummary::",
            "   :toctree: api",
            "",
            *[f"   {name}" for name in sorted(by_module[stage])],
            "```",
            "",
        ]
    lines += _submodule_sections()
    return "\n".join(lines)


STAGES = (
    "exceptions data returns calendar events models estimation abnormal panel study "
    "results tables plotting report inference spec cli workflow"
).split()


def _stage_order(stage: str) -> tuple[int, str]:
    return (STAGES.index(stage) if stage in STAGES else len(STAGES), stage)


def _submodule_sections() -> list[str]:
    """The public names of every submodule's ``__all__`` beyond the top-level ones (the names
    ``tests/test_docstrings.py`` holds to a docstring with an example), in pipeline order."""
    import eventstudy

    top = set(eventstudy.__all__)
    lines: list[str] = []
    for stage in sorted(eventstudy._SUBMODULES, key=_stage_order):
        module = importlib.import_module(f"eventstudy.{stage}")
        names = [  # defined in this module (not a re-export, not a typing alias)
            n
            for n in getattr(module, "__all__", [])
            if n not in top
            and callable(getattr(module, n, None))
            and str(getattr(getattr(module, n), "__module__", "")).startswith(module.__name__)
        ]
        if not names:
            continue
        lines += [
            f"## More of `eventstudy.{stage}`",
            "",
            "```{eval-rst}",
            f".. currentmodule:: eventstudy.{stage}",
            "",
            ".. autosummary::",
            "   :toctree: api",
            "",
            *[f"   {name}" for name in sorted(names)],
            "```",
            "",
        ]
    return lines


# ----------------------------------------------------------------------------- methods pages
def model_registry() -> dict[str, type]:
    """Spec model key -> model class, from whichever registry the code declares."""
    import eventstudy.models as models_module
    from eventstudy import spec

    registry = getattr(models_module, "MODELS", None) or spec.MODELS
    out: dict[str, type] = {}
    for key, value in registry.items():
        target = value
        if isinstance(value, tuple):
            target = value[0]
        elif not isinstance(value, type | str):
            target = getattr(value, "cls", getattr(value, "model", value))
        if isinstance(target, str):
            target = getattr(models_module, target)
        out[str(key)] = target
    return out


def test_documentation(name: str) -> str | None:
    """Dotted path of the public object whose docstring documents the test ``name``."""
    import eventstudy.inference as inference

    for candidate in (name, TEST_FUNCTIONS.get(name)):
        if candidate and callable(getattr(inference, candidate, None)):
            return f"eventstudy.inference.{candidate}"
    return None


def methods_pages() -> dict[str, str]:
    from eventstudy.inference import TEST_NAMES

    pages: dict[str, str] = {}
    models = model_registry()
    for key, cls in models.items():
        title = _summary_line(cls) or cls.__name__
        pages[f"methods/models/{key}.md"] = "\n".join(
            [
                f"# {_md_escape(title)}",
                "",
                f'Spec key `[model] name = "{key}"`; Python class '
                f"{{py:class}}`eventstudy.{cls.__name__}` (in `{cls.__module__}`).",
                "",
                "```{eval-rst}",
                f".. autoclass:: eventstudy.{cls.__name__}",
                "   :no-index:",
                "```",
                "",
                "See also: {doc}`/user_guide/models` for choosing a model, and "
                "{doc}`/user_guide/tests` for the conventions every test states.",
                "",
            ]
        )
    tests: list[str] = []
    for name in TEST_NAMES:
        target = test_documentation(name)
        if target is None:
            logger.warning(
                "eventstudy_docs: test %r has no public function in eventstudy.inference to "
                "document it; add one or map it in TEST_FUNCTIONS",
                name,
            )
            continue
        obj = _resolve(target)
        tests.append(name)
        pages[f"methods/tests/{name}.md"] = "\n".join(
            [
                f"# {_md_escape(_summary_line(obj) or name)}",
                "",
                f'Test name `{name}` (in `res.tests(tests=["{name}"])`, '
                f'`run_tests(..., tests=["{name}"])` and a spec\'s `[tests] names`); '
                f"function {{py:func}}`{target}`.",
                "",
                "```{eval-rst}",
                f".. autofunction:: {target}",
                "   :no-index:",
                "```",
                "",
                "Conventions on which published implementations differ are fields of "
                "{py:class}`eventstudy.Conventions`; see {doc}`/user_guide/tests`.",
                "",
            ]
        )
    pages["methods/index.md"] = "\n".join(
        [
            "# Methods",
            "",
            "One page per normal-return model and per test: the formula, the paper it comes from and",
            "the conventions, taken from the docstring of the code that computes it (one place per",
            "formula). The pages are generated from the model registry and the test registry, so every",
            "model and test the library offers has one.",
            "",
            "## Normal-return models",
            "",
            "```{toctree}",
            ":maxdepth: 1",
            "",
            *[f"models/{key}" for key in models],
            "```",
            "",
            "## Tests",
            "",
            "```{toctree}",
            ":maxdepth: 1",
            "",
            *[f"tests/{name}" for name in tests],
            "```",
            "",
        ]
    )
    return pages


def _resolve(dotted: str) -> Any:
    module, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module), attr)


# ----------------------------------------------------------------------------- spec reference
_LAYOUT_KEY = re.compile(r"^\s{4}(\w+)\s*=\s*(.*?)(?:\s+#\s*(.*))?$")
_LAYOUT_TABLE = re.compile(r"^\s{4}\[([\w.]+)\]\s*(?:#\s*(.*))?$")


def layout_comments(doc: str) -> dict[tuple[str, str], tuple[str, str]]:
    """``(table, key) -> (example value, comment)`` from the layout block of the spec module's
    docstring (the commented example spec)."""
    found: dict[tuple[str, str], tuple[str, str]] = {}
    table = ""
    for line in doc.splitlines():
        if m := _LAYOUT_TABLE.match(line):
            table = m.group(1).split(".")[0]
            continue
        if table and (m := _LAYOUT_KEY.match(line)):
            found.setdefault((table, m.group(1)), (m.group(2), (m.group(3) or "").strip()))
    return found


def _choices(spec: Any) -> dict[tuple[str, str], Iterable[str]]:
    """Valid values of the keys that are a choice, read from the spec module's constants."""
    from eventstudy.spec import available_tests

    out: dict[tuple[str, str], Iterable[str]] = {
        ("model", "name"): model_registry().keys(),
        ("tests", "names"): available_tests(),
        ("tests", "primary"): available_tests(),
    }
    for (table, key), constant in {
        ("output", "formats"): "FORMATS",
        ("output", "figures"): "FIGURES",
        ("data", "return_kind"): "RETURN_KINDS",
        ("events", "timing"): "TIMINGS",
        ("engine", "name"): "ENGINES",
    }.items():
        if hasattr(spec, constant):
            out[(table, key)] = getattr(spec, constant)
    return out


def spec_page() -> str:
    from eventstudy import spec

    tables: dict[str, tuple[str, ...]] = spec._TABLES
    doc = spec.__doc__ or ""
    comments = layout_comments(doc)
    choices = _choices(spec)
    lines = [
        "# Study spec reference",
        "",
        "`eventstudy run STUDY.toml` reads a TOML study spec. This page is generated from the",
        "spec's own schema in `eventstudy.spec` (its tables, keys and valid values) when the",
        "documentation is built, so it lists exactly what the parser accepts. An unknown table or",
        "key, or a bad value, is a `SpecError` that names the field and lists the valid ones.",
        "",
    ]
    for table, keys in tables.items():
        lines += [f"## `[{table}]`", ""]
        if table == "events":
            lines += ["The only required table.", ""]
        lines += ["| key | example | meaning | valid values |", "|---|---|---|---|"]
        for key in keys:
            example, comment = comments.get((table, key), ("", ""))
            valid = ", ".join(f"`{v}`" for v in choices.get((table, key), ()))
            example_cell = f"`{_md_escape(example)}`" if example else ""
            lines.append(f"| `{key}` | {example_cell} | {_md_escape(comment)} | {valid} |")
        lines.append("")
    lines += ["## Models", "", "| `[model] name` | class | required keys |", "|---|---|---|"]
    requirements = getattr(spec, "MODELS", {})
    for key, cls in model_registry().items():
        entry = requirements.get(key)
        required = entry[1] if isinstance(entry, tuple) and len(entry) > 1 else ()
        lines.append(
            f"| [`{key}`](methods/models/{key}.md) | {{py:class}}`eventstudy.{cls.__name__}` | "
            f"{', '.join(f'`{r}`' for r in required)} |"
        )
    lines += [
        "",
        "## A complete example",
        "",
        "The commented layout from `eventstudy.spec`'s docstring:",
        "",
        "```toml",
        *_layout_block(doc),
        "```",
        "",
        "The shipped examples (`eventstudy example NAME --out DIR` writes one to a folder):",
        "",
    ]
    from eventstudy.example_specs import example_names, example_text

    for name in example_names():
        lines += [f"### `{name}`", "", "```toml", example_text(name).rstrip(), "```", ""]
    return "\n".join(lines)


def _layout_block(doc: str) -> list[str]:
    """The indented example spec of the module docstring, dedented."""
    out: list[str] = []
    inside = False
    for line in doc.splitlines():
        if line.rstrip().endswith("::"):
            inside = True
            continue
        if inside:
            if line.strip() and not line.startswith("    "):
                break
            out.append(line[4:])
    while out and not out[-1].strip():
        out.pop()
    while out and not out[0].strip():
        out.pop(0)
    return out


# ----------------------------------------------------------------------------- gallery
def gallery_pages() -> list[str]:
    """Copy the committed notebooks; return their names (the toctree of the gallery)."""
    names = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        target = OUT / "gallery" / nb.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_bytes() != nb.read_bytes():
            shutil.copyfile(nb, target)
        names.append(nb.stem)
    return names


def gallery_index(names: list[str]) -> str:
    return "\n".join(
        [
            "# Gallery",
            "",
            "The executed notebooks of `notebooks/`, shown with the outputs committed in the",
            "repository (`pytest` re-executes every one of them against the real data, so the printed",
            "numbers are checked). Each one is a complete study written with the public API only.",
            "",
            "```{toctree}",
            ":maxdepth: 1",
            "",
            *names,
            "```",
            "",
        ]
    )


# ----------------------------------------------------------------------------- hook
def _drop_stale_stubs(api: str) -> None:
    """Autosummary writes a stub per listed name and never removes one: delete the stubs of
    names the API page no longer lists (they would be pages outside every toctree)."""
    listed, module = set(), "eventstudy"
    for line in api.splitlines():
        if line.startswith(".. currentmodule:: "):
            module = line.split()[-1]
        elif line.startswith("   ") and not line.strip().startswith(":"):
            listed.add(f"{module}.{line.strip()}")
    for stub in (OUT / "api").glob("*.rst"):
        if stub.stem not in listed:
            stub.unlink()


def generate(app: Sphinx, config: Any) -> None:
    api = api_page()
    _drop_stale_stubs(api)
    _write(OUT / "api.md", api)
    _write(OUT / "spec.md", spec_page())
    for relative, text in methods_pages().items():
        _write(OUT / relative, text)
    _write(OUT / "gallery" / "index.md", gallery_index(gallery_pages()))


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", generate)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
