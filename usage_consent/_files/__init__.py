"""Shared file helpers: bounded locks and atomic replaces (``atomic``), tolerant reads of regular
files and JSON objects (``jsonfile``), and folders opened safely under the temporary root
(``tempdirs``). Importing this package loads none of them."""

__all__: list[str] = []
