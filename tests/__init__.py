"""The test suite, a package so that its helper modules import as ``tests._helpers`` etc.

That works under both of pytest's import modes (``prepend`` and ``importlib``).
"""
