"""Test tools a datastore can turn on; their modules are imported when one is."""

__all__ = ["DEFAULT_LOG_SIZE"]

DEFAULT_LOG_SIZE = 0
"""How many operations a datastore logs unless told otherwise.

Zero (no log): with a log, put and get cost more than 5% over a store
without one (the docs' performance page has the measurements).
"""
