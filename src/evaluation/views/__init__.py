"""The Voilà dashboard pages, as Python objects the notebooks only display.

One module per page (``aarsevaluering``, ``udforsk``, ``moedenoter``); shared widgets,
formatting and the database reader in ``common``; the Årsevaluering sections in
``plan_sections`` (questions 1–4, on the base in ``sections``) and ``experience``
(question 5); the page's background worker in ``worker``. Each page is a class that can be
built against any database file, which is how tests and the benchmark drive them without
Jupyter.
"""
