"""Helpers the test modules share (tests/README.md, "Helpers"): not tests, and not fixtures.

A test module imports helpers from here (or from tests/fakediscord, tests/standins and the
data builders beside its tests), never from another test module or from a conftest.py.
"""
