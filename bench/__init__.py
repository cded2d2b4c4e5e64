"""voltricx benchmarks, run with ``python -m bench`` (``make bench``).

``bench.core`` holds the metric registry, timing loop and report;
``bench.metrics`` registers the metrics; ``bench.payloads`` builds
realistic payloads; ``bench.naive`` is the baseline track decoder.
"""
