"""GET /v1/map: per source -> destination, transfers, distinct clients, median and p90 throughput,
only for pairs seen from at least k distinct clients, over a window of days."""

from __future__ import annotations

import json
import uuid

import pytest
import requests
from collector_helpers import make_report

pytestmark = pytest.mark.slow  # a real collector in a thread or a subprocess, or many random examples

JSON = {"Content-Type": "application/json"}
EAST, CENTRAL, WEST = ({"provider": "aws", "region": "us-east-1"}, {"provider": "gcp", "region": "us-central1"},
                       {"provider": "azure", "region": "westus"})


def post(collector, report) -> None:
    answer = requests.post(f"{collector.url}/v1/report", data=json.dumps(report), headers=JSON, timeout=30)
    assert answer.status_code == 200, answer.text


def open_map(collector, **query) -> dict:
    answer = requests.get(f"{collector.url}/v1/map", params=query, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_pair_appears_once_k_distinct_clients_sent_it(start_collector):
    """k = 3: two clients (one sending twice) show nothing; the third makes the pair public at once."""
    collector = start_collector(min_clients=3)
    first = str(uuid.uuid4())
    for client, speed in ((first, 1.0), (first, 2.0), (str(uuid.uuid4()), 3.0)):
        post(collector, make_report(client_id=client, stats={"throughput_gbits": speed}))
    assert open_map(collector) == {"min_clients": 3, "days": 30, "pairs": []}
    post(collector, make_report(stats={"throughput_gbits": 4.0}))
    assert open_map(collector)["pairs"] == [{
        "source": "aws:us-east-1", "destination": "gcp:us-central1", "transfers": 4, "clients": 3,
        "throughput_gbits_median": 2.5, "throughput_gbits_p90": 3.7}]


def test_several_destinations_count_once_per_pair_and_reports_without_stats_count_as_transfers(start_collector):
    """A v2 report to two regions counts in both pairs; one without stats adds a transfer, not a figure;
    v1 reports count in the same map."""
    collector = start_collector(min_clients=1)
    post(collector, make_report(destinations=[CENTRAL, WEST], stats={"throughput_gbits": 8.0}))
    post(collector, make_report(destinations=[WEST], stats=None))
    post(collector, make_report(1, stats={"throughput_gbits": 6.0, "runtime_s": 1.0, "bytes_transferred": 1,
                                          "objects_transferred": 1}))
    pairs = {(p["source"], p["destination"]): p for p in open_map(collector)["pairs"]}
    assert pairs[("aws:us-east-1", "azure:westus")] == {
        "source": "aws:us-east-1", "destination": "azure:westus", "transfers": 2, "clients": 2,
        "throughput_gbits_median": 8.0, "throughput_gbits_p90": 8.0}
    assert pairs[("aws:us-east-1", "gcp:us-central1")]["transfers"] == 2
    assert pairs[("aws:us-east-1", "gcp:us-central1")]["throughput_gbits_median"] == 7.0


def test_a_pair_without_any_throughput_shows_no_figure(start_collector):
    """Transfers that all failed early: the pair is shown with null throughput."""
    collector = start_collector(min_clients=1)
    post(collector, make_report(stats=None, source=EAST))
    (pair,) = open_map(collector)["pairs"]
    assert pair["throughput_gbits_median"] is None and pair["throughput_gbits_p90"] is None


def test_the_window_counts_reports_received_within_days(start_collector):
    """A report received 40 days ago is outside ?days=30 and inside ?days=60."""
    from sqlalchemy import text

    collector = start_collector(min_clients=1)
    post(collector, make_report())
    db = collector.database()
    with db.write() as conn:
        conn.execute(text("UPDATE report_pairs SET received_ms = received_ms - :ago"), {"ago": 40 * 86_400_000})
    db.dispose()
    assert open_map(collector, days=30)["pairs"] == []
    assert open_map(collector, days=60)["pairs"][0]["transfers"] == 1


@pytest.mark.parametrize("days", ["0", "-1", "x", "366"], ids=["zero", "negative", "text", "beyond-retention"])
def test_a_bad_window_is_refused(collector, days):
    """?days= must be a whole number of days within the retention."""
    assert requests.get(f"{collector.url}/v1/map", params={"days": days}, timeout=30).status_code == 422
