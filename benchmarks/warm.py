"""The call before each transfer, in a long-lived process, against a hand-written read of the
same environment variable and the same JSON config file."""

from __future__ import annotations

import itertools
import json
import os

from benchmarks.common import Row, interleaved, mark_notice_shown, temp_home, write_config


def _floor(path: str):
    def read() -> object:
        os.environ.get("SKYPLANE_USAGE_STATS_ENABLED")
        with open(path) as handle:
            return json.load(handle)

    return read


CASES = [
    ("decide(), 1-key config + notice state", {"usage_stats": True}, None),
    ("decide(), 40-key config + notice state",
     {**{f"setting_{i}": ({"nested": [i, str(i)]} if i % 5 == 0 else f"value-{i}") for i in range(39)},
      "usage_stats": True}, None),
    ("decide(), env variable set", {"usage_stats": True}, "0"),
]


ON = [" " * n + "1" for n in range(100)]
# on and off in turn: each miss changes the decision (its precedence and trace are made again)
ON_OFF = [" " * n + ("1" if n % 2 else "0") for n in range(100)]


def _changing(function, variable: str = "SKYPLANE_USAGE_STATS_ENABLED", values: list[str] = ON):
    """``function`` after the variable changes (among 100 spellings, more than any cache keeps):
    each call is a cache miss, resolved again through pydantic-settings."""
    spellings = itertools.cycle(values)

    def call() -> object:
        os.environ[variable] = next(spellings)
        return function()

    return call


def _miss(quick: bool, values: list[str], name: str) -> Row:
    from usage_consent.policy import decide

    with temp_home() as home:
        path = write_config(home, {"usage_stats": True})
        mark_notice_shown(home)
        assert _changing(decide, values=values)().mode in ("on", "off")
        ours, floor = interleaved(_changing(decide, values=values), _changing(_floor(str(path)), values=values),
                                  rounds=5 if quick else 15, calls=20 if quick else 200)
    return Row(name, ours * 1e6, floor * 1e6, "us/call",
               target=2.5, note="baseline: the same change, then os.environ.get + json.load of the same file")


def run(quick: bool) -> list[Row]:
    from usage_consent.policy import decide

    rows = []
    for name, config, env in CASES:
        with temp_home() as home:
            path = write_config(home, config)
            mark_notice_shown(home)
            if env is not None:
                os.environ["SKYPLANE_USAGE_STATS_ENABLED"] = env
            assert decide().mode in ("on", "off")
            ours, floor = interleaved(decide, _floor(str(path)), rounds=5 if quick else 25,
                                      calls=200 if quick else 2000)
        rows.append(Row(name, ours * 1e6, floor * 1e6, "us/call", target=1.0,
                        note="baseline: os.environ.get + json.load of the same file"))
    rows.append(_miss(quick, ON, "decide(), cache miss (env variable changed before each call)"))
    rows.append(_miss(quick, ON_OFF, "decide(), cache miss that changes the answer (the variable on, then off)"))
    return rows
