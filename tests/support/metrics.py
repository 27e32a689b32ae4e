"""Reading a Prometheus text scrape in tests."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def sample(scrape: str, name: str, **labels: str) -> float | None:
    """The value of the sample ``name`` whose labels include ``labels``
    (summed over the rest); None when there is no such sample."""
    found = None
    for family in text_string_to_metric_families(scrape):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                found = (found or 0.0) + s.value
    return found
