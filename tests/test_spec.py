"""The study spec (mktnews.spec): one home of the defaults, validated once, kept by the results."""

from __future__ import annotations

import inspect
import pickle

import numpy as np
import pandas as pd
import pytest

import mktnews as mn
from mktnews.cli import DEFAULT_WINDOWS, build_parser
from mktnews.datasets import load_sample, sample_source
from mktnews.errors import InvalidOptionError


def test_every_default_lives_in_the_spec() -> None:
    sig = inspect.signature(mn.event_study)
    options = [p for p in sig.parameters.values() if p.kind is p.KEYWORD_ONLY and p.name != "source"]
    assert {p.name for p in options} == set(mn.DEFAULT_OPTIONS)
    for p in options:
        assert p.default is mn.DEFAULT_OPTIONS[p.name] or p.default == mn.DEFAULT_OPTIONS[p.name]
    # the CLI's defaults are the API's
    ns = build_parser().parse_args(["study", "--sample"])
    assert DEFAULT_WINDOWS == ((-1, 1),) == tuple(mn.DEFAULT_OPTIONS["windows"])
    assert ns.estimation == "-250:-11" and mn.DEFAULT_OPTIONS["estimation"] == (-250, -11)
    for name in ("model", "returns", "placebo", "seed", "interval", "min_estimation"):
        assert getattr(ns, name) == mn.DEFAULT_OPTIONS[name], name


def test_unknown_option_names_the_close_ones() -> None:
    with pytest.raises(InvalidOptionError, match=r"windwos.*did you mean 'windows'"):
        mn.validate_spec(windwos=[(0, 0)])
    with pytest.raises(InvalidOptionError, match="estimation"):
        mn.EventStudy(pd.DataFrame(), estimaton=(-100, -10))


def test_spec_is_frozen_and_kept_by_the_results() -> None:
    spec = mn.validate_spec(windows=[(0, 0), (-2, 2)], min_estimation=100)
    assert [w.as_tuple() for w in spec.windows] == [(0, 0), (-2, 2)]
    assert spec.estimation.as_tuple() == (-250, -11) and spec.model == "constant_mean"
    with pytest.raises(AttributeError):
        spec.model = "raw"  # type: ignore[misc]
    source = sample_source()
    res = mn.EventStudy(load_sample(), source=source, spec=spec).fit()
    assert res.spec is spec
    again = mn.EventStudy(load_sample(), source=source, spec=res.spec).fit()
    pd.testing.assert_frame_equal(res.car, again.car)
    # by hand: constant-mean CAR(0, 0) of the seed on the Euro STOXX 50
    closes = pd.read_csv(mn.datasets.sample_path("^STOXX50E.csv"), parse_dates=["Date"]).set_index("Date")["Close"]
    r = closes.pct_change()
    pos = closes.index.get_loc(pd.Timestamp("2024-11-27"))
    want = float(r.iloc[pos] - r.iloc[pos - 250 : pos - 10].mean())
    car = res.car
    got = car[(car["symbol"] == "^STOXX50E") & (car["window"] == (0, 0))]["car"].iloc[0]
    assert got == pytest.approx(want, abs=1e-12)
    back = pickle.loads(pickle.dumps(res))
    assert back.spec is not None and back.spec.windows == spec.windows
    with pytest.raises(mn.ConfigurationError, match="spec= and options"):
        mn.EventStudy(load_sample(), spec=spec, model="raw")
    assert np.isfinite(got)
