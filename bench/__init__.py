"""Benchmarks and the question-understanding evaluation (not timed tests)."""
