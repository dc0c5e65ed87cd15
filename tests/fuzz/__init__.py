"""Property-based fuzzing of every loader and source (hypothesis).

``targets.TARGETS`` holds one entry per loader: a strategy of inputs (random structures and
mutations of the shipped and fixture files) and a check that runs the loader on one input.
``tests/test_fuzz.py`` runs each under the short profile of ``make test``; ``make fuzz``
(``python -m fuzz`` from tests/) runs the long one and prints a table of counts. A new loader
(the kubectl dump, an export) is one more entry in ``TARGETS``.
"""
