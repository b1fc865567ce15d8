"""The evaluation suite: datasets, metrics, the tutorial baseline, runs, reports, benchmarks.

``rag eval`` and ``rag bench`` are its command-line entry points.
"""
