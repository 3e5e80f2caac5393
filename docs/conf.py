"""Sphinx configuration of the pyeventstudy documentation site.

Build (as CI does): ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
Generated pages (API reference, methods pages, spec reference, notebook gallery) are written to
``docs/generated/`` at build time by ``docs/_ext/eventstudy_docs.py``; nothing there is edited by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

from eventstudy import __version__  # noqa: E402

project = "pyeventstudy"
author = "pyeventstudy developers"
copyright = "2026, pyeventstudy developers"  # noqa: A001
release = __version__
version = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "eventstudy_docs",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "figures/README.md"]
root_doc = "index"

# Markdown (MyST) pages and the committed notebooks; notebooks are never executed here: the
# gallery shows the outputs committed in notebooks/*.ipynb (pytest re-executes them).
nb_execution_mode = "off"
nb_output_stderr = "remove"
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# API reference from docstrings
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters sections state the types
autodoc_default_options = {"member-order": "bysource"}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "pydata_sphinx_theme"
html_title = f"pyeventstudy {version}"
html_theme_options = {
    "github_url": "https://github.com/pyeventstudy/pyeventstudy",
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path: list[str] = []
