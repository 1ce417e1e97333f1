"""The one home of each study option's documentation (``mktnews.spec.OPTION_DOCS``):
``event_study``'s numpydoc Parameters are composed from it, and ``mktnews study --help``
shows the same summaries. Expected entries are written out by hand."""

from __future__ import annotations

import argparse
import inspect
import pydoc
import re

import pytest

import mktnews
from mktnews import cli
from mktnews.spec import DEFAULT_OPTIONS, OPTION_DOCS, document_options

SIGNATURE = list(inspect.signature(mktnews.event_study).parameters)


def _parameters_section(doc: str) -> list[tuple[str, str, list[str]]]:
    """(name, type, description lines) of each entry of a numpydoc Parameters section,
    read with a plain loop over the lines."""
    lines = inspect.cleandoc(doc).splitlines()
    start = lines.index("Parameters") + 2
    assert lines[start - 1] == "-" * len("Parameters")
    entries: list[tuple[str, str, list[str]]] = []
    for line in lines[start:]:
        if line and not line.startswith(" "):
            if line == "Returns" or line == "Notes":
                break
            name, _, kind = line.partition(" : ")
            entries.append((name, kind, []))
        elif line.strip():
            assert line.startswith("    "), line
            entries[-1][2].append(line.strip())
    return entries


def test_every_parameter_of_the_signature_is_documented_in_order() -> None:
    doc = mktnews.event_study.__doc__
    assert doc is not None and "{options}" not in doc
    entries = _parameters_section(doc)
    assert [name for name, _, _ in entries] == SIGNATURE
    assert all(desc for _, _, desc in entries)
    assert set(OPTION_DOCS) == set(DEFAULT_OPTIONS)
    assert set(SIGNATURE) == {"corpus_or_events", "source", *DEFAULT_OPTIONS}


def test_composed_entries_by_hand() -> None:
    entries = {name: (kind, " ".join(desc)) for name, kind, desc in _parameters_section(mktnews.event_study.__doc__ or "")}
    assert entries["windows"][0] == "pair or sequence of pairs, default ((-1, 1),)"
    assert entries["estimation"] == (
        "pair, default (-250, -11)",
        "Estimation window, inclusive relative days. It must end before the earliest event window starts.",
    )
    assert entries["returns"] == ('{"simple", "log"}, default "simple"', "Close-to-close returns, simple or log.")
    assert entries["collapse"][0] == "bool, default True"
    assert entries["benchmark"][0] == "str, Series, DataFrame or mapping, optional"
    assert entries["min_estimation"][0] == "int, default 120"
    assert entries["interval"][0] == '{"1d", "1m", "2m", "5m", "15m", "30m", "60m", "90m", "1h"}, default "1d"'
    assert entries["seed"] == ("int or numpy Generator, optional", "Seed of the placebo draws.")
    assert entries["source"] == ("PriceSource, optional", "Where prices come from (default :func:`mktnews.default_source`).")
    for model in ("constant_mean", "market_model", "ff3", "scholes_williams", "time_of_day"):
        assert f'``"{model}"``' in entries["model"][1]


def test_help_shows_the_full_text() -> None:
    text = pydoc.render_doc(mktnews.event_study, renderer=pydoc.plaintext)
    assert 'placebo_stat : str or list of str, default "caar"' in text
    assert "volatility_model : {\"garch\", \"garch_arch\", \"squared_ar\"}, default \"garch\"" in text
    assert "Placebo test: each draw moves the events" in text  # the Notes
    assert "EventStudyResults" in text


def test_numpydoc_parses_the_composed_docstring() -> None:
    docscrape = pytest.importorskip("numpydoc.docscrape")
    parsed = docscrape.FunctionDoc(mktnews.event_study)
    params = parsed["Parameters"]
    assert [p.name for p in params] == SIGNATURE
    assert all(p.desc for p in params)
    by_name = {p.name: p for p in params}
    assert by_name["placebo"].type == "int, default 0"
    assert by_name["measure"].type == 'str, default "returns"'
    assert parsed["Returns"][0].type == "EventStudyResults"
    assert parsed["Notes"]


def _study_actions() -> dict[str, argparse.Action]:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    study = sub.choices["study"]
    return {a.dest: a for a in study._actions}


#: Options whose ``--help`` begins with the API's summary (the CLI adds its syntax/default).
SHARED_HELP = (
    "estimation", "model", "returns", "measure", "volatility_model", "benchmark", "group_by",
    "placebo", "seed", "tests", "sign_col", "placebo_stat", "interval", "min_estimation",
    "estimation_days",
)


def test_cli_help_of_shared_options_is_the_same_text() -> None:
    actions = _study_actions()
    for name in SHARED_HELP:
        summary = OPTION_DOCS[name].summary.rstrip(".")
        help_text = actions[name].help or ""
        assert help_text.startswith(summary), name
        assert summary in " ".join((mktnews.event_study.__doc__ or "").split()), name
    assert actions["model"].help == "Normal-return model (default constant_mean)"
    assert actions["seed"].help == "Seed of the placebo draws"
    assert actions["min_estimation"].help == "Fewest usable estimation returns an event needs (default 120)"
    # argparse formats the help of every option without error (no stray % in the texts)
    rendered = re.sub(r"\s+", " ", sub_help())
    assert "Close-to-close returns, simple or log (default simple)" in rendered


def sub_help() -> str:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["study"].format_help()


def test_document_options_fills_a_user_function() -> None:
    @document_options
    def run(data: object, *, placebo: int = 0, seed: int | None = None) -> None:
        """Run.

        Parameters
        ----------
        data : object
            The input.
        {options}
        """

    entries = _parameters_section(run.__doc__ or "")
    assert [(n, k) for n, k, _ in entries] == [
        ("data", "object"),
        ("placebo", "int, default 0"),
        ("seed", "int or numpy Generator, optional"),
    ]

    def bare(x: int) -> None:
        pass

    assert document_options(bare) is bare and bare.__doc__ is None  # python -OO
