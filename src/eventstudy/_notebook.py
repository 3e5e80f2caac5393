"""Jupyter integration: progress bars without a widget warning, figures shown once.

* :func:`progress_bar` is ``tqdm.auto`` without its ``TqdmWarning``: in a Jupyter kernel it
  draws the notebook widget only when ipywidgets is installed, and a plain text bar otherwise.
* :func:`register_figure_display` lets a kernel display the figures the library returns. They
  are created without pyplot (so nothing is shown behind the user's back, and a figure is never
  shown twice), which means that, until pyplot's inline backend has been loaded, IPython only
  knows their ``repr`` (``<Figure size 700x400 with 1 Axes>``). This registers a PNG formatter
  for matplotlib figures in the running kernel when none is registered yet; outside IPython it
  does nothing.
"""

from __future__ import annotations

import importlib.util
import io
import sys
from typing import Any

__all__ = ["in_notebook", "progress_bar", "register_figure_display"]


def _ipython() -> Any:
    """The running IPython shell, or None (IPython is never imported here)."""
    module = sys.modules.get("IPython")
    get = getattr(module, "get_ipython", None)
    return get() if callable(get) else None


def in_notebook() -> bool:
    """Whether this runs in an IPython kernel (Jupyter), where stderr is not a terminal.

    Returns
    -------
    bool
        True inside a Jupyter kernel, False in a terminal IPython or plain Python.

    Examples
    --------
    >>> from eventstudy._notebook import in_notebook
    >>> in_notebook()
    False
    """
    shell = _ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def progress_bar(**kwargs: Any) -> Any:
    """A tqdm progress bar: the notebook widget in Jupyter with ipywidgets, text elsewhere.

    ``tqdm.auto`` picks the widget in any kernel and, when ipywidgets is absent, warns
    (``TqdmWarning: IProgress not found``) on every bar; this picks the text bar instead.

    Parameters
    ----------
    **kwargs
        Passed to ``tqdm`` (``total``, ``desc``, ``unit``, ``disable``, ...).

    Returns
    -------
    tqdm.std.tqdm
        The bar (a context manager).

    Examples
    --------
    >>> from eventstudy._notebook import progress_bar
    >>> with progress_bar(total=3, disable=True) as bar:
    ...     _ = bar.update(3)
    >>> type(bar).__module__  # outside Jupyter: the text bar
    'tqdm.std'
    """
    if in_notebook() and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.notebook import tqdm as notebook_tqdm

        return notebook_tqdm(**kwargs)
    from tqdm.std import tqdm as text_tqdm

    return text_tqdm(**kwargs)


def _figure_png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def register_figure_display() -> bool:
    """Make the running IPython kernel show returned matplotlib figures as PNG images.

    Does nothing outside IPython, or when a PNG formatter for figures already exists (pyplot's
    inline backend registers one, and so does ``%matplotlib inline``).

    Returns
    -------
    bool
        Whether a formatter was registered now.

    Examples
    --------
    >>> from eventstudy._notebook import register_figure_display
    >>> register_figure_display()  # plain Python: nothing to do
    False
    """
    shell = _ipython()
    formatters = getattr(getattr(shell, "display_formatter", None), "formatters", None)
    if not formatters or "image/png" not in formatters:
        return False
    from matplotlib.figure import Figure

    png = formatters["image/png"]
    try:
        png.lookup_by_type(Figure)
        return False  # already displayable (inline backend or a user's formatter)
    except KeyError:
        png.for_type(Figure, _figure_png)
        return True
