"""DELETE /v1/clients/{client_id}: every row of the client goes, a salted-hash tombstone stays,
and the client's late reports are refused."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
import requests
from collector_helpers import make_report

pytestmark = pytest.mark.slow  # a real collector in a thread or a subprocess, or many random examples

JSON = {"Content-Type": "application/json"}


def post(collector, report) -> requests.Response:
    return requests.post(f"{collector.url}/v1/report", data=json.dumps(report), headers=JSON, timeout=30)


def delete(collector, client_id: str) -> requests.Response:
    return requests.delete(f"{collector.url}/v1/clients/{client_id}", timeout=30)


def test_deletion_removes_every_row_and_the_id_is_in_no_table(collector):
    """Three reports of one client and one of another: 200 {"deleted": 3}; the id is nowhere, the other stays."""
    gone, kept = str(uuid.uuid4()), str(uuid.uuid4())
    for _ in range(3):
        assert post(collector, make_report(client_id=gone)).status_code == 200
    assert post(collector, make_report(client_id=kept)).status_code == 200
    answer = delete(collector, gone)
    assert answer.status_code == 200 and answer.json() == {"deleted": 3}
    everything = collector.every_value()
    assert gone not in everything and kept in everything
    assert collector.count("reports") == 1 and collector.count("tombstones") == 1
    assert hashlib.sha256(gone.encode()).hexdigest() not in everything  # salted: not the plain hash either


def test_a_deleted_clients_late_report_is_refused(collector):
    """After deletion, a retry or a new report under that id: 410, nothing stored."""
    client = str(uuid.uuid4())
    late = make_report(client_id=client)
    assert delete(collector, client).json() == {"deleted": 0}
    answer = post(collector, late)
    assert answer.status_code == 410 and answer.json()["error"] == "deleted_client"
    assert collector.count("reports") == 0 and client not in collector.every_value()


@pytest.mark.parametrize("times", [1, 2], ids=["never-seen", "deleted-twice"])
def test_deleting_an_unknown_or_deleted_id_answers_zero(collector, times):
    """An id never seen, or already deleted: 200 {"deleted": 0}, one tombstone."""
    client = str(uuid.uuid4())
    answers = [delete(collector, client) for _ in range(times)]
    assert [a.json() for a in answers] == [{"deleted": 0}] * times
    assert collector.count("tombstones") == 1


@pytest.mark.parametrize("client_id", ["not-an-id", "11111111-1111-1111-8111-111111111111", "A" * 36],
                         ids=["text", "uuid1", "upper"])
def test_an_id_that_is_not_a_uuid4_is_refused(collector, client_id):
    """Only a UUID4 can be a client id: 422, no tombstone."""
    answer = delete(collector, client_id)
    assert answer.status_code == 422 and answer.json()["error"] == "invalid"
    assert collector.count("tombstones") == 0


def test_the_salt_is_made_once_and_kept(start_collector):
    """A restarted collector on the same database refuses the deleted client too (same salt)."""
    first = start_collector()
    client = str(uuid.uuid4())
    assert delete(first, client).status_code == 200
    first.stop()
    second = start_collector()
    assert post(second, make_report(client_id=client)).status_code == 410
