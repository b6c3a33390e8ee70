"""POST /v1/report: exactly what the reporter sends is stored once; every other request gets its
status code and loses nothing already stored."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import uuid

import pytest
import requests
from collector_helpers import make_report

pytestmark = pytest.mark.slow  # a real collector in a thread or a subprocess, or many random examples

JSON = {"Content-Type": "application/json"}


def post(collector, body: bytes | str, headers: dict[str, str] | None = None) -> requests.Response:
    data = body.encode() if isinstance(body, str) else body
    return requests.post(f"{collector.url}/v1/report", data=data, headers=JSON if headers is None else headers,
                         timeout=30)


@pytest.mark.parametrize("version", [1, 2], ids=["v1-destination", "v2-destinations"])
def test_a_valid_report_is_stored_once_with_its_pairs(collector, version):
    """A report valid under its own released schema version is stored, with one pair per destination."""
    sent = make_report(version)
    answer = post(collector, json.dumps(sent))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "accepted", "session_id": sent["session_id"], "stored": True}
    assert collector.count("reports") == 1 and collector.count("report_pairs") == 1


REFUSALS = [
    # id, body, headers, status, reason
    ("not-json", b'{"schema_version": 2,', JSON, 400, "not_json"),
    ("nan", b'{"schema_version": NaN}', JSON, 400, "not_json"),
    ("key-twice", b'{"schema_version": 2, "schema_version": 1}', JSON, 400, "not_json"),
    ("nested-too-deeply", b"[" * 200_000 + b"]" * 200_000, JSON, 400, "not_json"),
    ("not-utf8", b'{"a": "\xff"}', JSON, 400, "not_json"),
    ("text-plain", json.dumps(make_report()).encode(), {"Content-Type": "text/plain"}, 415, "content_type"),
    ("form", b"a=1", {"Content-Type": "application/x-www-form-urlencoded"}, 415, "content_type"),
    ("not-an-object", b"[1, 2]", JSON, 422, "invalid"),
    ("unknown-version", json.dumps(make_report(schema_version=99)).encode(), JSON, 422, "invalid"),
    ("version-is-text", json.dumps(make_report(schema_version="2")).encode(), JSON, 422, "invalid"),
    ("extra-field", json.dumps(make_report(hostname="laptop")).encode(), JSON, 422, "invalid"),
    ("bad-value", json.dumps(make_report(os="plan9")).encode(), JSON, 422, "invalid"),
    ("v1-fields-under-v2", json.dumps(make_report(2, destination={"provider": "aws", "region": "x"})).encode(),
     JSON, 422, "invalid"),
    ("over-the-cap", json.dumps(make_report(tool_version="1" * 2_000_000)).encode(), JSON, 413, "too_large"),
]


@pytest.mark.parametrize(("body", "headers", "status", "reason"), [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_a_bad_request_is_refused_with_its_code_and_loses_nothing(collector, body, headers, status, reason):
    """Each kind of bad body gets its status and reason; the report stored before is still there."""
    assert post(collector, json.dumps(make_report())).status_code == 200
    answer = post(collector, body, headers)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == reason
    assert collector.count("reports") == 1
    metrics = requests.get(f"{collector.url}/metrics", timeout=10).text
    assert f'usage_collector_reports_refused_total{{reason="{reason}"}} 1' in metrics


def test_a_refused_report_lists_every_problem(collector):
    """422 names each field that breaks the schema (the server-side allowlist)."""
    answer = post(collector, json.dumps(make_report(hostname="laptop", os="plan9", command="rm")))
    assert answer.status_code == 422
    problems = answer.json()["problems"]
    assert len(problems) == 3 and any("hostname" in p for p in problems)
    assert any(p.startswith("os:") for p in problems) and any(p.startswith("command:") for p in problems)


def test_a_huge_body_is_cut_at_the_cap_while_it_streams(start_collector):
    """A chunked body without a length is refused once it passes --max-body: the sender cannot
    push much more than the cap before the collector answers or closes."""
    collector = start_collector(max_body=64 * 1024)
    host, port = collector.url.removeprefix("http://").split(":")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /v1/report HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (65536, b"[" * 65536)
        try:
            while sent < 1 << 30:
                sock.sendall(chunk)
                sent += 65536
        except OSError:
            pass  # the collector answered 413 and closed: the rest of the gigabyte never goes
        answer = b""
        with contextlib.suppress(OSError):
            answer = sock.recv(1000)
    assert sent < 64 << 20, f"{sent} bytes were accepted before the cap cut the body"
    assert answer == b"" or answer.startswith(b"HTTP/1.1 413")
    assert collector.count("reports") == 0


def test_a_declared_length_over_the_cap_is_refused_before_the_body(start_collector):
    """Content-Length over --max-body: 413 at once."""
    collector = start_collector(max_body=1000)
    host, port = collector.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /v1/report HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1073741824\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 413")


def test_a_retry_is_answered_like_the_first_and_stores_nothing_twice(collector):
    """The same session_id again: 200, stored false, still one row."""
    body = json.dumps(make_report())
    first, second = post(collector, body), post(collector, body)
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["stored"] is True and second.json()["stored"] is False
    assert collector.count("reports") == 1 and collector.count("report_pairs") == 1


def test_a_burst_of_concurrent_duplicates_stores_one_row(collector):
    """Twenty simultaneous copies of one report: every answer is 200, exactly one is stored."""
    body = json.dumps(make_report(destinations=[{"provider": "gcp", "region": "us-west1"},
                                                {"provider": "azure", "region": "eastus"}]))
    answers: list[int] = []
    gate = threading.Barrier(20)

    def send() -> None:
        gate.wait()
        answers.append(post(collector, body).status_code)

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 20
    assert collector.count("reports") == 1 and collector.count("report_pairs") == 2


def test_a_session_id_of_another_client_is_refused(collector):
    """A session_id already stored for another client: 409, the first stays."""
    first = make_report()
    assert post(collector, json.dumps(first)).status_code == 200
    other = {**first, "client_id": str(uuid.uuid4())}
    answer = post(collector, json.dumps(other))
    assert answer.status_code == 409 and answer.json()["error"] == "session_conflict"
    assert collector.count("reports") == 1
