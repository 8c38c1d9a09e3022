"""The daf_butler mode: `InMemoryButler` speaking daf_butler's own objects.

The only part of the package that imports ``lsst``; it is loaded when a
butler is built with a ``universe`` or the test-repository switch is on.
"""
