"""Cross-sectional regressions of abnormal returns on firm characteristics.

The second table of most event-study papers (MacKinlay 1997, section 8; Kothari & Warner 2007):
regress each event's CAR (or BHAR, or standardised CAR) on characteristics of the firm and of the
event, ``CAR_i = x_i' gamma + eta_i``, and test the coefficients. The regression is fitted with
the statsmodels formula API, and the statsmodels results are returned unchanged, so
``summary()``, ``conf_int()``, ``t_test()`` and ``wald_test()`` work as users know them.

The frame the formula sees (:func:`cross_section_frame`) holds, one row per used event:

* the outcomes ``car``, ``var_car``, ``se_car``, ``scar`` (``car / se_car``), ``bhar``;
* the event's ``event_id``, ``ticker``, ``group``, ``day0`` (event date, the default cluster);
* characteristics estimated by the study: every model parameter (``alpha``, ``beta``, factor
  loadings; names made formula-safe), ``r2``, ``sigma`` (estimation-window residual standard
  deviation), ``nobs`` and, when market values were given, ``market_value`` and ``log_mv``;
* every extra column of the events frame given to :class:`~eventstudy.EventStudy`;
* the columns of ``data``: a frame keyed by ``ticker`` or by ``ticker`` and ``date`` (the date
  the event was announced, or its day 0).

Rows lacking a variable of the formula (or the weight or cluster variable) are dropped, and
the drop is never silent: it is counted in ``result.es_n_dropped``, listed in
``result.es_dropped`` and announced by an :class:`~eventstudy.exceptions.EventStudyWarning`.
"""

from __future__ import annotations

import keyword
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..exceptions import (
    DataError,
    EventStudyWarning,
    InsufficientDataError,
    SpecError,
    user_stacklevel,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..results import EventStudyResults

__all__ = [
    "COVARIANCES",
    "OUTCOMES",
    "cross_section",
    "cross_section_frame",
    "formula_variables",
]

#: Outcomes a cross-sectional formula may have on its left-hand side.
OUTCOMES: tuple[str, ...] = ("car", "bhar", "scar")

#: Columns of an events frame that the engine itself reads (not characteristics).
_EVENT_COLUMNS = frozenset(
    {"ticker", "date", "timestamp", "event_id", "timing", "benchmark", "group"}
)

#: Names a formula may use that are not columns: patsy's functions and contrasts, numpy.
_FORMULA_FUNCTIONS = frozenset(
    {
        "C",
        "I",
        "Q",
        "np",
        "numpy",
        "center",
        "standardize",
        "scale",
        "Treatment",
        "Sum",
        "Diff",
        "Poly",
        "Helmert",
        "log",
        "exp",
        "sqrt",
        "abs",
        "bs",
        "cr",
        "cc",
        "te",
        "levels",
        "reference",
        "Intercept",
    }
)


@dataclass(frozen=True)
class _Covariance:
    """One covariance estimator: how statsmodels' ``fit`` is called for it."""

    description: str
    fit_kwargs: Callable[[pd.DataFrame, str | None], dict[str, Any]]


def _fixed(cov_type: str) -> Callable[[pd.DataFrame, str | None], dict[str, Any]]:
    return lambda frame, cluster: {"cov_type": cov_type}


def _clustered(frame: pd.DataFrame, cluster: str | None) -> dict[str, Any]:
    assert cluster is not None
    codes = pd.factorize(frame[cluster], sort=True)[0]
    return {"cov_type": "cluster", "cov_kwds": {"groups": codes}}


#: Covariance estimators of the coefficients (a registry: name -> statsmodels ``fit`` options).
COVARIANCES: dict[str, _Covariance] = {
    "nonrobust": _Covariance("classical OLS/WLS standard errors", _fixed("nonrobust")),
    "HC0": _Covariance("White (1980) heteroskedasticity-robust", _fixed("HC0")),
    "HC1": _Covariance("White with the n/(n-k) correction (MacKinnon & White 1985)", _fixed("HC1")),
    "HC2": _Covariance("MacKinnon & White (1985) HC2", _fixed("HC2")),
    "HC3": _Covariance("MacKinnon & White (1985) HC3 (jackknife-like; default)", _fixed("HC3")),
    "cluster": _Covariance(
        "cluster-robust (Liang & Zeger 1986), clusters = `cluster` column (default: day0)",
        _clustered,
    ),
}


# ----------------------------------------------------------------------------- the frame
def _safe_name(name: str) -> str:
    """A formula-safe column name: ``Mkt-RF`` -> ``Mkt_RF``."""
    out = re.sub(r"\W", "_", str(name))
    if not out or out[0].isdigit() or keyword.iskeyword(out):
        out = "p_" + out
    return out


def _study_columns(res: EventStudyResults) -> dict[str, Any]:
    """Characteristics the study itself estimated, per used event."""
    p = res.panel
    cols: dict[str, Any] = {}
    if p.params is not None:
        for j, name in enumerate(p.param_names):
            cols[_safe_name(name)] = p.params[:, j]
        lowered = [str(n).lower() for n in p.param_names]
        if "beta" not in cols:  # the market loading of factor models, as `beta`
            hit = [j for j, n in enumerate(lowered) if "mkt" in n or "market" in n]
            if hit:
                cols["beta"] = p.params[:, hit[0]]
    if p.r2 is not None:
        cols["r2"] = np.asarray(p.r2, dtype=np.float64)
    cols["sigma"] = np.sqrt(np.asarray(p.sigma2, dtype=np.float64))
    cols["nobs"] = np.asarray(p.nobs, dtype=np.int64)
    if p.market_value is not None:
        mv = np.asarray(p.market_value, dtype=np.float64)
        cols["market_value"] = mv
        with np.errstate(divide="ignore", invalid="ignore"):
            cols["log_mv"] = np.where(mv > 0, np.log(mv), np.nan)
    return cols


def _events_extras(res: EventStudyResults) -> pd.DataFrame | None:
    """Extra columns of the events frame the study was given, indexed by ``event_id``
    (``res.meta["event_columns"]``, recorded by the engine)."""
    columns = res.meta.get("event_columns")
    if not isinstance(columns, pd.DataFrame) or not len(columns.columns):
        return None
    out = columns.copy()
    out.columns = [str(c) for c in out.columns]
    return out[[c for c in out.columns if c not in _EVENT_COLUMNS]]


def _event_dates(res: EventStudyResults) -> pd.DataFrame:
    """``event_id -> announced date (local, tz-naive, midnight), day0``."""
    st = res.status
    announced = st["announced"]
    if isinstance(announced.dtype, pd.DatetimeTZDtype):
        announced = announced.dt.tz_localize(None)
    return pd.DataFrame(
        {
            "announced_date": pd.DatetimeIndex(pd.to_datetime(announced)).normalize().as_unit("ns"),
            "day0": pd.DatetimeIndex(st["day0"]).as_unit("ns"),
        },
        index=st["event_id"].astype(str).to_numpy(),
    )


def _merge_data(frame: pd.DataFrame, data: pd.DataFrame, res: EventStudyResults) -> pd.DataFrame:
    """Join a characteristics frame keyed by ``ticker`` or by ``(ticker, date)``."""
    if not isinstance(data, pd.DataFrame):
        raise SpecError(
            f"data must be a DataFrame of characteristics keyed by ticker (or ticker and date), "
            f"got {type(data).__name__}"
        )
    table = data.copy()
    if "ticker" not in table.columns:
        index_names = [n for n in table.index.names if n is not None]
        if "ticker" in index_names:
            table = table.reset_index()
        else:
            raise SpecError(
                "characteristics frame has no 'ticker' column (nor a 'ticker' index level); "
                f"it has columns {list(map(str, table.columns))[:20]}. Key it by ticker, e.g. "
                "data.rename(columns={'Symbol': 'ticker'}), optionally with a 'date' column for "
                "(ticker, date) keys"
            )
    table.columns = [str(c) for c in table.columns]
    table["ticker"] = table["ticker"].astype(str).str.strip()
    keyed_by_date = "date" in table.columns
    keys = ["ticker", "date"] if keyed_by_date else ["ticker"]
    if keyed_by_date:
        table["date"] = pd.DatetimeIndex(pd.to_datetime(table["date"])).normalize().as_unit("ns")
    dup = table.duplicated(keys, keep=False)
    if dup.any():
        first = table.loc[dup, keys].iloc[0].tolist()
        raise DataError(
            f"characteristics frame has {int(dup.sum())} rows with repeated keys {keys} "
            f"(e.g. {first}); keep one row per {' and '.join(keys)}"
        )
    clash = [c for c in table.columns if c not in keys and c in frame.columns]
    if clash:
        raise SpecError(
            f"characteristics column(s) {clash} clash with columns the study provides; "
            "rename them in the characteristics frame"
        )
    if not keyed_by_date:
        merged = frame.merge(table, on="ticker", how="left", validate="many_to_one")
        matched = frame["ticker"].isin(table["ticker"])
    else:
        dates = _event_dates(res).reindex(frame["event_id"].to_numpy())
        table_keys = pd.MultiIndex.from_frame(table[["ticker", "date"]])
        tickers = frame["ticker"].to_numpy()
        on_announced = pd.MultiIndex.from_arrays([tickers, dates["announced_date"]]).isin(
            table_keys
        )
        on_day0 = pd.MultiIndex.from_arrays([tickers, dates["day0"]]).isin(table_keys)
        key_date = np.where(
            on_announced, dates["announced_date"].to_numpy(), dates["day0"].to_numpy()
        )
        merged = (
            frame.assign(_key_date=key_date)
            .merge(
                table.rename(columns={"date": "_key_date"}), on=["ticker", "_key_date"], how="left"
            )
            .drop(columns="_key_date")
        )
        matched = pd.Series(on_announced | on_day0)
    if not matched.any():
        sample_events = sorted(frame["ticker"].unique())[:5]
        sample_data = sorted(table["ticker"].unique())[:5]
        what = "(ticker, date)" if keyed_by_date else "ticker"
        raise DataError(
            f"no event matches a row of the characteristics frame by {what}: events have "
            f"tickers {sample_events}..., the frame has {sample_data}...; check the ticker "
            "spelling (e.g. BRK.B vs BRK-B) and, for (ticker, date) keys, that 'date' is the "
            "announcement date or day 0 of each event"
        )
    return merged


def cross_section_frame(
    res: EventStudyResults,
    window: tuple[int, int] | None = None,
    data: pd.DataFrame | None = None,
    *,
    against: str = "model",
) -> pd.DataFrame:
    """The frame a cross-sectional formula is evaluated on: one row per used event.

    Parameters
    ----------
    res
        A fitted study.
    window
        Relative days ``(first, last)`` of the CAR / BHAR (default: the whole event window).
    data
        Optional characteristics keyed by ``ticker`` (a column or index level), or by ``ticker``
        and ``date`` (the event's announcement date, else its day 0).
    against
        Comparison of the BHAR (``"model"`` or ``"benchmark"``; see ``results.bhar``).

    Returns
    -------
    pandas.DataFrame
        ``event_id, ticker, group, day0, car, var_car, se_car, n_days, scar, bhar`` followed by
        the study's characteristics, the events' extra columns and ``data``'s columns.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> import pandas as pd
    >>> sectors = pd.DataFrame({"ticker": [f"F{i}" for i in range(6)], "sector": ["A", "B"] * 3})
    >>> from eventstudy.second_stage.crosssection import cross_section_frame
    >>> frame = cross_section_frame(res, (0, 1), data=sectors)  # one row per event, data joined
    >>> frame[["ticker", "car", "beta", "sector"]].head(3).round(4)
      ticker     car    beta sector
    0     F0  0.0097  0.9354      A
    1     F1 -0.0074  1.3630      B
    2     F2 -0.0105  0.5848      A
    """
    car = res.car(window)
    frame = car.copy()
    frame.insert(3, "day0", pd.DatetimeIndex(res.panel.day0).as_unit("ns"))
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["scar"] = frame["car"] / frame["se_car"]
    try:
        frame["bhar"] = res.bhar(window, against=against)["bhar"].to_numpy()  # type: ignore[arg-type]
    except SpecError:
        if against != "model":
            raise
        frame["bhar"] = np.nan
    for name, values in _study_columns(res).items():
        if name not in frame.columns:
            frame[name] = values
    extras = _events_extras(res)
    if extras is not None:
        keep = [c for c in extras.columns if c not in frame.columns]
        joined = extras[keep].reindex(frame["event_id"].to_numpy())
        for c in keep:
            frame[c] = joined[c].to_numpy()
    if data is not None:
        frame = _merge_data(frame, data, res)
    return frame


# ----------------------------------------------------------------------------- the formula
_QUOTED = re.compile(r"""Q\(\s*(['"])(.+?)\1\s*\)""")
_STRING = re.compile(r"'[^']*'|\"[^\"]*\"")
_NAME = re.compile(r"""(?<![\w.'"])([A-Za-z_]\w*)""")


def formula_variables(formula: str, columns: Any = ()) -> list[str]:
    """Column names a patsy formula reads (``Q("x y")`` included; functions and ``np.*`` not).

    A name that is also a patsy function (``scale``, ``center``, ...) counts as a column when it
    is one of ``columns`` and is not called.

    Examples
    --------
    >>> formula_variables("car ~ C(sector) + np.log(size) + scale", columns=["scale"])
    ['car', 'sector', 'size', 'scale']
    """
    names = [m.group(2) for m in _QUOTED.finditer(formula)]
    known = set(map(str, columns))
    # string literals are values (Treatment('not AI')), not columns: blank them out
    formula = _STRING.sub("''", _QUOTED.sub("", formula))
    for match in _NAME.finditer(formula):
        bare = match.group(1)
        if bare not in _FORMULA_FUNCTIONS or bare in known:
            end = match.end(1)
            rest = formula[end:].lstrip()
            if rest.startswith("(") or (rest.startswith("=") and not rest.startswith("==")):
                continue  # a function call such as log(...), or a keyword argument
            if match.start(1) > 0 and formula[match.start(1) - 1] == ".":
                continue  # an attribute (np.log)
            names.append(bare)
    return list(dict.fromkeys(names))


def _outcome(formula: str) -> str:
    if "~" not in formula:
        raise SpecError(
            f"formula {formula!r} has no '~': write it as 'car ~ C(sector) + beta' "
            f"(left-hand side one of {list(OUTCOMES)})"
        )
    lhs = formula.split("~", 1)[0].strip()
    if lhs not in OUTCOMES:
        raise SpecError(
            f"the formula's left-hand side {lhs!r} is not an outcome; use one of {list(OUTCOMES)}"
        )
    return lhs


def _check_variables(formula: str, frame: pd.DataFrame) -> list[str]:
    used = formula_variables(formula, frame.columns)
    absent = [v for v in used if v not in frame.columns]
    if absent:
        from ..exceptions import suggest

        hints = "".join(suggest(v, list(map(str, frame.columns))) for v in absent)
        raise SpecError(
            f"the formula names column(s) {absent} that the cross-section frame lacks;{hints} "
            f"available: {list(map(str, frame.columns))}. Add the characteristic to the events "
            "frame or pass it in data= (a frame keyed by ticker, or ticker and date)"
        )
    return used


def cross_section(
    res: EventStudyResults,
    formula: str,
    *,
    window: tuple[int, int] | None = None,
    data: pd.DataFrame | None = None,
    cov: str = "HC3",
    cluster: str | None = None,
    weights: str | None = None,
    against: str = "model",
) -> Any:
    """Regress each event's CAR (or BHAR, SCAR) on characteristics (MacKinlay 1997, section 8).

    Parameters
    ----------
    res
        A fitted study.
    formula
        A patsy formula whose left-hand side is ``car``, ``bhar`` or ``scar``, e.g.
        ``"car ~ C(sector) + beta + log_mv"``. It is evaluated on
        :func:`cross_section_frame` (see the module docstring for its columns).
    window
        Relative days ``(first, last)`` of the outcome (default: the event window).
    data
        Characteristics keyed by ``ticker``, or by ``ticker`` and ``date``.
    cov
        Covariance of the coefficients, a key of :data:`COVARIANCES`: ``"HC3"`` (default),
        ``"HC0"``-``"HC2"``, ``"nonrobust"`` or ``"cluster"``.
    cluster
        Column whose values define the clusters when ``cov="cluster"`` (default ``"day0"``,
        the event date: events on one date share market-wide news).
    weights
        ``None`` (OLS), ``"inverse_variance"`` (WLS with weights ``1 / var_car``, for
        ``car`` only: the estimation-window variance of each CAR) or the name of a column of
        positive weights.
    against
        Comparison of the BHAR: ``"model"`` or ``"benchmark"``.

    Returns
    -------
    statsmodels.regression.linear_model.RegressionResultsWrapper
        The statsmodels results, with ``es_frame`` (the rows used), ``es_dropped`` (the rows
        dropped and the variables they lacked), ``es_n_dropped``, ``es_cov`` and
        ``es_weights`` added.

    Notes
    -----
    OLS: :math:`\\hat\\gamma = (X'X)^{-1}X'y` with :math:`y_i` the outcome of event *i*. WLS
    with weights :math:`w_i = 1/\\widehat{Var}(CAR_i)` (the Campbell, Lo & MacKinlay 1997
    prediction-error variance of each CAR) minimises :math:`\\sum_i w_i (y_i - x_i'\\gamma)^2`.
    HC3 (MacKinnon & White 1985):
    :math:`(X'X)^{-1} X' \\mathrm{diag}(e_i^2/(1-h_{ii})^2) X (X'X)^{-1}`. Cluster-robust
    (Liang & Zeger 1986) sums the scores within clusters with statsmodels' small-sample factor
    :math:`G/(G-1)\\cdot(n-1)/(n-k)`. Events sharing a date have cross-correlated CARs, which
    HC3 ignores: cluster by ``day0`` when dates cluster.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> import pandas as pd
    >>> sectors = pd.DataFrame({"ticker": [f"F{i}" for i in range(6)], "sector": ["A", "B"] * 3})
    >>> from eventstudy.second_stage.crosssection import cross_section
    >>> fit = cross_section(res, "car ~ C(sector) + beta", window=(0, 1), data=sectors)  # statsmodels, HC3
    >>> fit.params.round(4)
    Intercept         0.0106
    C(sector)[T.B]    0.0076
    beta             -0.0156
    dtype: float64
    >>> # the same fit: res.cross_section("car ~ C(sector) + beta", window=(0, 1), data=sectors)
    """
    if not isinstance(formula, str):
        raise SpecError(f"formula must be a string such as 'car ~ beta', got {formula!r}")
    outcome = _outcome(formula)
    if cov not in COVARIANCES:
        from ..exceptions import suggest

        raise SpecError(
            f"cov={cov!r} is not valid;{suggest(str(cov), COVARIANCES)} valid: {list(COVARIANCES)}"
        )
    frame = cross_section_frame(res, window, data, against=against)
    used = _check_variables(formula, frame)
    needed = list(used)
    if cov == "cluster":
        cluster = cluster or "day0"
        if cluster not in frame.columns:
            raise SpecError(
                f"cluster={cluster!r} is not a column of the cross-section frame; use e.g. "
                f"'day0' (event date), 'ticker' or a characteristic; available: "
                f"{list(map(str, frame.columns))}"
            )
        needed.append(cluster)
    elif cluster is not None:
        raise SpecError(f"cluster={cluster!r} needs cov='cluster' (got cov={cov!r})")
    weight_col = _weight_column(frame, weights, outcome)
    if weight_col is not None:
        needed.append(weight_col)
    needed = list(dict.fromkeys(needed))
    missing = frame[needed].isna()
    bad = missing.any(axis=1).to_numpy()
    dropped = frame.loc[bad, ["event_id", "ticker"]].copy()
    dropped["missing"] = [", ".join(c for c in needed if missing.at[i, c]) for i in dropped.index]
    sample = frame.loc[~bad].reset_index(drop=True)
    if bad.any():
        warnings.warn(
            f"cross_section: {int(bad.sum())} of {len(frame)} events dropped for missing "
            f"variables ({_count_text(dropped)}); see result.es_dropped",
            EventStudyWarning,
            stacklevel=user_stacklevel(),
        )
    model = _model(formula, sample, weight_col)
    # a formula term can make a value missing itself (np.log of a non-positive value): patsy
    # drops those rows, so they are counted and listed here too - never silently
    kept = pd.Index(np.asarray(model.data.row_labels))
    lost = sample.index.difference(kept)
    if len(lost):
        by_formula = sample.loc[lost, ["event_id", "ticker"]].assign(
            missing="a formula term (e.g. np.log of a value <= 0)"
        )
        dropped = pd.concat([dropped, by_formula], ignore_index=True)
        bad = np.concatenate([bad, np.ones(len(lost), dtype=bool)])
        warnings.warn(
            f"cross_section: {len(lost)} of {len(frame)} events dropped because a term of the "
            f"formula is missing for them (e.g. np.log of a value <= 0); see result.es_dropped",
            EventStudyWarning,
            stacklevel=user_stacklevel(),
        )
        sample = sample.loc[kept].reset_index(drop=True)
        model = _model(formula, sample, weight_col)
    _check_finite(model, sample)
    n, k = model.exog.shape
    rank = int(np.linalg.matrix_rank(model.exog)) if n else 0
    if n <= k or rank < k:
        raise InsufficientDataError(
            f"cross_section: {n} usable events for {k} regressors ({model.exog_names}) "
            + (
                "- no more observations than regressors"
                if n <= k
                else "- the regressors are collinear"
            )
            + ": drop regressors (e.g. merge small sectors) or add events"
            + (f"; {int(bad.sum())} events were dropped for missing variables" if bad.any() else "")
        )
    _warn_fragile_covariance(model, sample, cov, cluster)
    fitted = model.fit(**COVARIANCES[cov].fit_kwargs(sample, cluster))
    fitted.es_frame = sample
    fitted.es_dropped = dropped.reset_index(drop=True)
    fitted.es_n_dropped = int(bad.sum())
    fitted.es_cov = cov if cov != "cluster" else f"cluster({cluster})"
    fitted.es_weights = weights
    fitted.es_window = window
    return fitted


#: fewer clusters than this make cluster-robust standard errors unreliable (Cameron & Miller
#: 2015, "A practitioner's guide to cluster-robust inference", JHR 50, 317-372)
MIN_CLUSTERS = 10


def _warn_fragile_covariance(model: Any, sample: pd.DataFrame, cov: str, cluster: Any) -> None:
    """Warn where the chosen standard errors cannot be trusted: cluster-robust with few
    clusters, or HC2/HC3 with an event of leverage 1 (a category holding one event), whose
    ``1 / (1 - h_ii)`` is infinite."""
    if cov == "cluster":
        groups = int(pd.Series(sample[cluster]).nunique())
        if groups < MIN_CLUSTERS:
            warnings.warn(
                f"cross_section: cluster-robust standard errors with only {groups} clusters of "
                f"{cluster!r} are unreliable (fewer than {MIN_CLUSTERS}; Cameron & Miller 2015) - "
                "prefer cov='HC3' or cluster on a finer column",
                EventStudyWarning,
                stacklevel=user_stacklevel(),
            )
    if cov in ("HC2", "HC3"):
        x = np.asarray(model.exog, dtype=float)
        leverage = np.einsum("ij,ji->i", x, np.linalg.pinv(x))
        full = leverage > 1 - 1e-8
        if full.any():
            ids = list(sample.loc[full, "event_id"].astype(str)[:5])
            warnings.warn(
                f"cross_section: events {ids} have leverage 1 (each alone in a category of the "
                f"formula), so their {cov} weight 1/(1 - h) is infinite and the standard errors "
                "are not finite; merge small categories or use cov='HC1'",
                EventStudyWarning,
                stacklevel=user_stacklevel(),
            )


def _model(formula: str, sample: pd.DataFrame, weight_col: str | None) -> Any:
    """The statsmodels OLS (or WLS with ``weight_col``) model of ``formula`` on ``sample``."""
    import statsmodels.formula.api as smf
    from patsy import PatsyError

    try:
        # a term's NaN or inf (np.log of a value <= 0) is counted or refused by the caller
        with np.errstate(invalid="ignore", divide="ignore"):
            if weight_col is None:
                return smf.ols(formula, data=sample)
            return smf.wls(formula, data=sample, weights=sample[weight_col].to_numpy(float))
    except PatsyError as exc:
        raise SpecError(f"formula {formula!r} cannot be evaluated: {exc}") from None


def _check_finite(model: Any, sample: pd.DataFrame) -> None:
    """An infinite value in the outcome or a regressor (np.log(0)) is an error naming the
    events and terms, not a least-squares failure reported as collinearity."""
    exog_bad = ~np.isfinite(np.asarray(model.exog, dtype=float))
    rows = exog_bad.any(axis=1) | ~np.isfinite(np.asarray(model.endog, dtype=float))
    if rows.any():
        terms = [n for n, hit in zip(model.exog_names, exog_bad.any(axis=0), strict=True) if hit]
        ids = list(sample.loc[rows, "event_id"].astype(str)[:5])
        raise DataError(
            f"cross_section: infinite values for events {ids}"
            + (f" in {terms}" if terms else " in the outcome")
            + " (e.g. np.log(0)); transform the characteristic so it is finite or drop those "
            "events"
        )


def _weight_column(frame: pd.DataFrame, weights: str | None, outcome: str) -> str | None:
    if weights is None:
        return None
    if weights == "inverse_variance":
        if outcome != "car":
            raise SpecError(
                f"weights='inverse_variance' uses 1/var_car and applies to 'car' only, not "
                f"{outcome!r} (the SCAR has unit variance by construction; BHARs have no model "
                "variance): use weights=None or a column of weights"
            )
        with np.errstate(divide="ignore"):
            var = frame["var_car"].to_numpy(dtype=np.float64)
            frame["_inverse_variance"] = np.where(var > 0, 1.0 / var, np.nan)
        return "_inverse_variance"
    if not isinstance(weights, str) or weights not in frame.columns:
        raise SpecError(
            f"weights={weights!r}: use None, 'inverse_variance' or the name of a column of the "
            f"cross-section frame ({list(map(str, frame.columns))})"
        )
    w = pd.to_numeric(frame[weights], errors="coerce")
    text = w.isna() & frame[weights].notna()
    if text.any():
        raise DataError(
            f"weights column {weights!r} has non-numeric values (e.g. "
            f"{frame.loc[text, weights].iloc[0]!r}); WLS weights must be positive numbers"
        )
    frame[weights] = w
    if (w <= 0).any():
        raise DataError(f"weights column {weights!r} has values <= 0; WLS weights must be > 0")
    return weights


def _count_text(dropped: pd.DataFrame) -> str:
    counts = dropped["missing"].str.split(", ").explode().value_counts()
    return ", ".join(f"{n} lack {c}" for c, n in counts.items())
