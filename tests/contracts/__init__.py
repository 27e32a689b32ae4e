"""Contract suites: one class of tests per port, subclassed once per adapter.

A subclass in ``tests/unit`` provides the in-process adapter as a fixture; a
subclass in ``tests/integration`` provides the PostgreSQL or Redis one. Both
run the same assertions, so no adapter can quietly drift from the port.
"""
