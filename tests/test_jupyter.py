"""Jupyter (issue 18): in a fresh kernel a returned figure is shown once, as an image, with or
without ``%matplotlib inline``; progress bars never warn when ipywidgets is absent.

The notebooks are executed by nbclient in a real kernel (no network: the data are simulated in
the first cell)."""

from __future__ import annotations

import importlib.util
import os
import warnings
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

SETUP = """
import numpy as np, pandas as pd
import eventstudy as es

rng = np.random.default_rng(0)
dates = pd.bdate_range("2024-01-01", periods=320)
market = rng.normal(0.0005, 0.01, len(dates))
cols = {"SPY": market}
for i, t in enumerate(["AAA", "BBB", "CCC"]):
    cols[t] = 0.0002 + (0.8 + 0.2 * i) * market + rng.normal(0, 0.015, len(dates))
returns = pd.DataFrame(cols, index=pd.DatetimeIndex(dates, name="date"))
events = pd.DataFrame({"ticker": ["AAA", "BBB", "CCC"], "date": dates[300]})
res = es.EventStudy(events, returns, model=es.MarketModel("SPY"), estimation_window=(-200, -11),
                    event_window=(-5, 5), calendar=None, min_estimation_obs=50).fit()
"""


def _run(cells: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Execute ``cells`` in a fresh kernel as a user would start it; return the cells."""
    # a user's kernel has no MPLBACKEND (ipykernel then selects the inline backend itself)
    monkeypatch.delenv("MPLBACKEND", raising=False)
    src = str(Path(__file__).resolve().parents[1] / "src")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    client = nbclient.NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # jupyter_client's own
        client.execute()
    return list(nb.cells)


def _images(cell: Any) -> int:
    return sum("image/png" in out.get("data", {}) for out in cell.outputs)


def _texts(cell: Any) -> list[str]:
    return [out["data"].get("text/plain", "") for out in cell.outputs if "data" in out]


def test_a_returned_figure_shows_once_in_a_fresh_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = _run(
        [
            SETUP,
            "res.plot_caar()",  # no %matplotlib magic, pyplot never imported
            "fig = res.plot_car_bars(window=(0, 0))\nfig",
            "res.plot_caar();",  # a trailing semicolon hides the value, as for any object
            "import matplotlib.pyplot as plt\n%matplotlib inline\nres.plot_caar()",
        ],
        tmp_path,
        monkeypatch,
    )
    setup, plain, named, hidden, inline = cells
    assert not [o for o in setup.outputs if o.get("name") == "stderr"], setup.outputs
    assert _images(plain) == 1, plain.outputs
    assert _images(named) == 1, named.outputs
    assert _images(hidden) == 0, hidden.outputs
    assert _images(inline) == 1, inline.outputs  # inline backend: still once, not twice
    for cell in (plain, named, inline):
        assert all(out.get("output_type") != "error" for out in cell.outputs)


def test_progress_bar_is_text_without_ipywidgets_and_never_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if importlib.util.find_spec("ipywidgets") is not None:
        pytest.skip("ipywidgets is installed: the notebook widget is drawn instead")
    cells = _run(
        [
            "import warnings\nwarnings.simplefilter('error')\n"
            "from eventstudy._notebook import progress_bar, in_notebook\n"
            "with progress_bar(total=3, desc='Yahoo') as bar:\n"
            "    bar.update(3)\n"
            "print(in_notebook(), type(bar).__module__)",
        ],
        tmp_path,
        monkeypatch,
    )
    (cell,) = cells
    streams: dict[str, str] = {}
    for out in cell.outputs:
        if "name" in out:
            streams[out["name"]] = streams.get(out["name"], "") + out.get("text", "")
    assert "True tqdm.std" in streams.get("stdout", ""), cell.outputs
    assert "TqdmWarning" not in streams.get("stderr", "")
    assert "3/3" in streams.get("stderr", "")  # the text bar was drawn
    assert not [o for o in cell.outputs if o.get("output_type") == "error"], cell.outputs


def test_outside_ipython_nothing_is_registered() -> None:
    from eventstudy._notebook import in_notebook, progress_bar, register_figure_display

    assert register_figure_display() is False
    assert in_notebook() is False
    with progress_bar(total=2, disable=True) as bar:
        assert type(bar).__module__ == "tqdm.std"
