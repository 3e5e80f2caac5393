"""Packaging (issue 18): distribution name, single-source version, metadata, shipped examples,
``python -m eventstudy``, and explicit re-exports so ``mypy --strict`` user code is clean."""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import eventstudy as es
from eventstudy import cli
from eventstudy.example_specs import copy_example, example_names, example_text
from eventstudy.exceptions import OutputError, SpecError

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"

needs_repo = pytest.mark.skipif(
    not PYPROJECT.exists(), reason="needs the source tree (pyproject.toml), not an installed copy"
)


@pytest.fixture(scope="module")
def project() -> dict[str, object]:
    if not PYPROJECT.exists():
        pytest.skip("needs the source tree (pyproject.toml)")
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- metadata
def test_distribution_name_and_single_source_version(project: dict) -> None:
    meta = project["project"]
    assert meta["name"] == "pyeventstudy"
    assert "version" not in meta and "version" in meta["dynamic"]
    attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    module, name = attr.rsplit(".", 1)
    assert getattr(importlib.import_module(module), name) == es.__version__
    # the version is typed once: no other assignment of __version__ in the package
    assigned = [
        p.relative_to(ROOT / "src").as_posix()
        for p in (ROOT / "src" / "eventstudy").rglob("*.py")
        if re.search(r"^__version__\s*=", p.read_text(encoding="utf-8"), flags=re.M)
    ]
    assert assigned == ["eventstudy/_version.py"]


def test_build_backend_supports_the_licence_expression(project: dict) -> None:
    requires = project["build-system"]["requires"]
    floor = next(r for r in requires if r.startswith("setuptools"))
    major = int(re.search(r">=\s*(\d+)", floor).group(1))  # type: ignore[union-attr]
    assert major >= 77, "PEP 639 licence expressions (license = 'BSD-3-Clause') need setuptools 77"
    assert project["project"]["license"] == "BSD-3-Clause"


def test_classifiers_list_exactly_the_python_versions_ci_tests(project: dict) -> None:
    classifiers = project["project"]["classifiers"]
    listed = {
        c.rsplit("::", 1)[1].strip()
        for c in classifiers
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    }
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    tested = {"3.11"} | set(re.findall(r"PY_EXTRA_VERSIONS=\"?([\d. ]+)", ci)[0].split())
    assert listed == tested
    assert "Typing :: Typed" in classifiers
    assert (ROOT / "src" / "eventstudy" / "py.typed").exists()


def test_project_urls_are_real(project: dict) -> None:
    urls = project["project"]["urls"]
    assert {"Homepage", "Source", "Issues", "Documentation"} <= set(urls)
    assert all(u.startswith("https://") and "example.invalid" not in u for u in urls.values())


@needs_repo
def test_the_name_is_consistent_in_readme_citation_and_docs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install pyeventstudy" in readme
    assert "Lemaire" in readme  # how it differs from the older `eventstudy` on PyPI
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(r"^title: .*pyeventstudy", citation, flags=re.M)
    assert f'version: "{es.__version__}"' in citation
    conf = (ROOT / "docs" / "conf.py").read_text(encoding="utf-8")
    assert 'project = "pyeventstudy"' in conf


@needs_repo
def test_changelog_keeps_a_changelog_format() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog")
    assert "## [Unreleased]" in text
    assert re.search(r"^## \[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}$", text, flags=re.M)
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for topic in ("python -m sphinx -W", "## Deprecation policy", "## Versioning"):
        assert topic in contributing


# ----------------------------------------------------------------------------- examples
@needs_repo
def test_shipped_examples_are_the_repository_examples() -> None:
    repo = sorted(p.stem for p in (ROOT / "examples").glob("*.toml"))
    assert example_names() == repo
    for name in repo:
        assert example_text(name) == (ROOT / "examples" / f"{name}.toml").read_text("utf-8")


def test_every_shipped_example_is_a_valid_spec(tmp_path: Path) -> None:
    for name in example_names():
        spec = es.load_spec(copy_example(name, tmp_path))
        assert spec.name


def test_example_command_copies_lists_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["example"]) == 0
    assert capsys.readouterr().out.split() == example_names()
    out = tmp_path / "d"
    assert cli.main(["example", "deepseek_selloff", "--out", str(out), "-q"]) == 0
    written = out / "deepseek_selloff.toml"
    assert written.read_text("utf-8") == example_text("deepseek_selloff")
    # running it again is harmless (the file is the example) ...
    assert cli.main(["example", "deepseek_selloff", "--out", str(out), "-q"]) == 0
    # ... but a file the user changed is never replaced
    written.write_text("# mine\n", encoding="utf-8")
    assert cli.main(["example", "deepseek_selloff", "--out", str(out)]) == 4
    assert "not overwritten" in capsys.readouterr().err
    assert written.read_text("utf-8") == "# mine\n"
    with pytest.raises(OutputError, match="already exists"):
        copy_example("deepseek_selloff", out)
    assert cli.main(["example", "nope", "--out", str(out)]) == 2
    with pytest.raises(SpecError, match="deepseek_selloff"):
        example_text("nope")


def test_python_dash_m_eventstudy_runs_the_cli(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "eventstudy", "--version"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert done.stdout.strip() == f"eventstudy {es.__version__}"
    listed = subprocess.run(
        [sys.executable, "-m", "eventstudy", "example"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert listed.stdout.split() == example_names()


# ----------------------------------------------------------------------------- typing
def _type_checking_reexports() -> dict[str, tuple[str, str]]:
    """``name -> (module, alias)`` of every import in ``__init__``'s TYPE_CHECKING block."""
    tree = ast.parse(Path(es.__file__).read_text(encoding="utf-8"))
    found: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom)
                for alias in stmt.names:
                    found[alias.name] = (str(stmt.module), str(alias.asname))
    return found


def test_every_public_name_is_an_explicit_reexport() -> None:
    """``from .x import name as name`` is what mypy's ``--no-implicit-reexport`` (part of
    ``--strict``) accepts; the lazy table and the TYPE_CHECKING block list the same names."""
    reexports = _type_checking_reexports()
    lazy = dict(es._EXPORTS)
    assert set(reexports) == set(lazy)
    not_explicit = sorted(n for n, (_, asname) in reexports.items() if asname != n)
    assert not not_explicit, f"write `from .module import {not_explicit[0]} as ...`"
    wrong_module = {n: m for n, (m, _) in reexports.items() if m != lazy[n]}
    assert not wrong_module


@pytest.mark.skipif(
    shutil.which("mypy") is None and importlib.util.find_spec("mypy") is None,
    reason="mypy is not installed (pip install -e '.[dev]')",
)
def test_mypy_strict_user_script_is_clean(tmp_path: Path) -> None:
    names = [n for n in es.__all__ if not n.startswith("_")]
    script = tmp_path / "user_script.py"
    script.write_text(
        "import eventstudy as es\n"
        f"from eventstudy import {', '.join(names)}\n\n"
        + "".join(f"print({n})\n" for n in names)
        + "print(es.__version__, es.load_prices, es.EventStudy)\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success" in done.stdout
