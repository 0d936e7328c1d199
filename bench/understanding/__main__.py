"""``python -m bench.understanding``: run the question-understanding benchmark."""

from bench.understanding.runner import main

raise SystemExit(main())
