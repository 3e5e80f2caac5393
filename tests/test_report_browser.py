"""The HTML report a reader opens (issue 18): headline first, contents, figures beside their
numbers, windows as columns with stars; rendered in headless Chromium, it loads with no console
message, every image resolves and the screenshot is not blank.

The browser tests skip with a reason only where no Chromium is installed (``.ci/run`` installs
Debian's ``chromium``)."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import eventstudy as es
from eventstudy.exceptions import EventsDroppedWarning
from eventstudy.report import document as report
from eventstudy.report.tables import format_number

FIRMS = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF"]
WINDOWS = [(0, 0), (-1, 1), (0, 3)]
CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def res() -> es.EventStudyResults:
    rng = np.random.default_rng(7)
    dates = pd.bdate_range("2024-01-01", periods=320)
    market = rng.normal(0.0005, 0.01, len(dates))
    cols = {"SPY": market}
    for i, ticker in enumerate(FIRMS):
        cols[ticker] = 0.0002 + (0.7 + 0.1 * i) * market + rng.normal(0, 0.015, len(dates))
    returns = pd.DataFrame(cols, index=pd.DatetimeIndex(dates, name="date"))
    returns.loc[dates[300], FIRMS] -= 0.04
    events = pd.DataFrame({"ticker": [*FIRMS, "ZZZ"], "date": dates[300], "group": list("xxyyyzx")})
    study = es.EventStudy(
        events,
        returns,
        model=es.MarketModel("SPY"),
        estimation_window=(-200, -11),
        event_window=(-5, 5),
        calendar=None,
        min_estimation_obs=50,
    )
    with pytest.warns(EventsDroppedWarning):
        return study.fit()


@pytest.fixture(scope="module")
def written(res: es.EventStudyResults, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    figures = report.study_figures(res, ["caar", "car_bars", "ar_paths", "fit"], window=(0, 0))
    report.export(res, folder, formats=("html",), windows=WINDOWS, figures=figures, title="T & Co")
    return folder / "report.html"


# ----------------------------------------------------------------------------- the layout
def test_headline_comes_first_with_the_main_caar_its_test_and_interval(
    res: es.EventStudyResults, written: Path
) -> None:
    text = written.read_text(encoding="utf-8")
    body = text.split("<body>", 1)[1]
    # headline (question, CAAR, figure) before the contents, the contents before any section
    order = [
        body.index('class="question"'),
        body.index('class="kpi"'),
        body.index('id="figure-caar"'),
        body.index('<nav class="toc">'),
        body.index('<section id="caar-by-window">'),
    ]
    assert order == sorted(order)
    caar = report.caar_table(res, WINDOWS)
    tests = report.tests_table(res, WINDOWS)
    row = caar.iloc[0]
    match = tests[(tests["test"] == row["test"]) & (tests["window"] == row["window"])].iloc[0]
    # the interval, computed here from the test's own estimate, statistic and reference law
    se = abs(row["caar"] / row["statistic"])
    q = stats.t.ppf(0.975, match["df"]) if match["distribution"] == "t" else stats.norm.ppf(0.975)
    low, high = row["caar"] - q * se, row["caar"] + q * se
    kpi = re.search(r'<p class="kpi">(.*?)</p>', body, flags=re.S).group(1)  # type: ignore[union-attr]
    assert f"{100 * row['caar']:+.2f}%" in kpi
    assert f"[{100 * low:+.2f}%, {100 * high:+.2f}%]" in kpi
    assert (row["p_value"] < 0.05) == (high < 0 or low > 0)
    assert f"{row['test']}: statistic {format_number(row['statistic'], 3)}" in body


def test_sections_are_listed_in_the_contents_and_figures_sit_beside_their_numbers(
    written: Path,
) -> None:
    body = written.read_text(encoding="utf-8").split("<body>", 1)[1]
    toc = re.search(r'<nav class="toc">(.*?)</nav>', body, flags=re.S).group(1)  # type: ignore[union-attr]
    targets = re.findall(r'href="#([^"]+)"', toc)
    assert targets == re.findall(r'<section id="([^"]+)"', body)
    assert {"caar-by-window", "tests", "car-by-firm", "events", "provenance"} <= set(targets)
    sections = dict(re.findall(r'<section id="([^"]+)">(.*?)</section>', body, flags=re.S))
    assert 'id="figure-car_bars"' in sections["car-by-firm"]
    assert 'id="figure-ar_paths"' in sections["car-by-firm"]
    assert 'id="figure-fit"' in sections["events"]
    assert body.count("<img ") == 4  # each figure once


def test_tables_put_windows_in_columns_with_stars(res: es.EventStudyResults, written: Path) -> None:
    body = written.read_text(encoding="utf-8")
    section = body.split('<section id="caar-by-window">', 1)[1].split("</section>", 1)[0]
    header = re.findall(r"<th>([^<]*)</th>", section.split("</thead>", 1)[0])
    assert header[1:] == [html.escape(w) for w in ("[0, 0]", "[-1, 1]", "[0, 3]")]
    caar = report.caar_table(res, WINDOWS)
    first_row = re.search(r"<tr><th[^>]*>CAAR</th>(.*?)</tr>", section).group(1)  # type: ignore[union-attr]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", first_row)
    for cell, value, p in zip(cells, caar["caar"], caar["p_value"], strict=True):
        stars = "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.10 else ""
        assert cell == format_number(value, 4) + stars
    tests = body.split('<section id="tests">', 1)[1].split("</section>", 1)[0]
    assert re.findall(r"<th>([^<]*)</th>", tests.split("</thead>", 1)[0])[1:] == header[1:]


# ----------------------------------------------------------------------------- the browser
def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("http_", "https_"))}
    return subprocess.run(
        [CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120, env=env
    )


IMAGE_PROBE = (
    "<script>window.addEventListener('load', () => { const imgs = [...document.images];"
    " const bad = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length;"
    " document.documentElement.setAttribute('data-images', imgs.length + ':' + bad); });"
    "</script>"
)


def console_messages(page: Path, profile: Path) -> list[str]:
    """Messages the page writes to the browser console while it loads."""
    done = _chromium(
        "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri(), profile=profile
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "</html>" in done.stdout
    return [line for line in done.stderr.splitlines() if ":CONSOLE" in line]


def image_counts(page: Path, tmp: Path, profile: Path) -> tuple[int, int]:
    """(images, images that did not load) of ``page``, probed on a copy of it."""
    probe = tmp / f"probe-{page.name}"
    text = page.read_text(encoding="utf-8")
    probe.write_text(text.replace("</body>", IMAGE_PROBE + "</body>"), encoding="utf-8")
    done = _chromium("--virtual-time-budget=10000", "--dump-dom", probe.as_uri(), profile=profile)
    found = re.search(r'data-images="(\d+):(\d+)"', done.stdout)
    assert found, done.stdout[:500] + done.stderr[-2000:]
    return int(found.group(1)), int(found.group(2))


def screenshot(page: Path, out: Path, profile: Path) -> np.ndarray:
    done = _chromium(
        "--window-size=1280,1600",
        f"--screenshot={out}",
        "--hide-scrollbars",
        page.as_uri(),
        profile=profile,
    )
    assert out.exists(), done.stderr[-2000:]
    import matplotlib.image

    return np.asarray(matplotlib.image.imread(out))


@needs_chromium
def test_the_checks_catch_a_broken_page(tmp_path: Path) -> None:
    """The browser checks can fail: a script error, a missing image and an empty page."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><body><img src="missing.png" alt="x">'
        "<script>console.error('broken')</script></body></html>",
        encoding="utf-8",
    )
    assert any("broken" in m for m in console_messages(bad, tmp_path / "p1"))
    assert image_counts(bad, tmp_path, tmp_path / "p2") == (1, 1)
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
    pixels = screenshot(blank, tmp_path / "blank.png", tmp_path / "p3")
    assert float(pixels[..., :3].std()) == 0.0


@needs_chromium
def test_report_renders_in_a_headless_browser(written: Path, tmp_path: Path) -> None:
    assert console_messages(written, tmp_path / "p1") == []
    images, broken = image_counts(written, tmp_path, tmp_path / "p2")
    assert (images, broken) == (4, 0)
    pixels = screenshot(written, tmp_path / "report.png", tmp_path / "p3")[..., :3]
    assert pixels.shape[:2] == (1600, 1280)
    ink = (pixels < 0.9).any(axis=-1).mean()  # share of pixels that are not (near) white
    assert pixels.std() > 0.05 and ink > 0.02, (pixels.std(), ink)
