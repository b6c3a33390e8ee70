"""The call before each transfer, in a long-lived process, against a hand-written read of the
same environment variable and the same JSON config file."""

from __future__ import annotations

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
    return rows
