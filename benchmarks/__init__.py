"""Benchmarks of usage-consent, each figure beside a baseline measured in the same run.

Run ``python -m benchmarks`` (``--quick`` for a few iterations, as CI does).
"""
