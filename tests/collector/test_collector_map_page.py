"""GET /map in a real headless Chromium (the OS package, driven by Playwright): the matrix and the
table show the pairs of /v1/map, and the page loads nothing from outside the collector."""

from __future__ import annotations

import json

import pytest
import requests
from collector_helpers import make_report

pytestmark = pytest.mark.slow  # a real collector in a thread or a subprocess, or many random examples

ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PAIRS = [({"provider": "gcp", "region": "us-central1"}, 2.0), ({"provider": "azure", "region": "westus"}, 5.0)]


def test_the_map_page_draws_the_matrix_and_the_table(start_collector, chromium):
    """Two pairs: two table rows with their figures, a coloured matrix cell per pair, and every
    request the page made went to the collector itself."""
    from playwright.sync_api import sync_playwright

    collector = start_collector(min_clients=1)
    for destination, speed in PAIRS:
        report = make_report(destinations=[destination], stats={"throughput_gbits": speed})
        answer = requests.post(f"{collector.url}/v1/report", data=json.dumps(report),
                               headers={"Content-Type": "application/json"}, timeout=30)
        assert answer.status_code == 200
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.goto(f"{collector.url}/map")
            page.wait_for_selector("#status[data-state=loaded]", timeout=20_000)
            rows = page.locator("#pairs tbody tr").all_inner_texts()
            cell = page.locator('#matrix td[data-pair="aws:us-east-1 azure:westus"]')
            cell_text, background = cell.inner_text(), cell.evaluate("c => c.style.background")
            empty = page.locator("#matrix td.empty").count()
            status = page.locator("#status").inner_text()
        finally:
            browser.close()
    assert [row.split("\t") for row in rows] == [
        ["aws:us-east-1", "azure:westus", "1", "1", "5.00", "5.00"],
        ["aws:us-east-1", "gcp:us-central1", "1", "1", "2.00", "2.00"]]
    assert cell_text == "5.00" and background.startswith("rgb(")
    assert empty == 0 and status.startswith("2 pair(s) over 30 days")
    assert requested and all(url.startswith(collector.url) for url in requested), requested
