"""The question-understanding benchmark: execution accuracy of questions → SQL on the sample db.

Run it with ``python -m bench.understanding`` (see ``runner.py`` and ``README.md``).
"""
