"""The reliability risk workbench for Kubernetes, as a library.

One package per concept, from the vocabulary up: ``model`` → ``files`` and ``sources`` (and
``generate``) → ``engine`` → ``plan`` → ``analytics`` → ``simulate`` → ``review`` → ``report``
→ ``cli``. A
package imports only packages to its left (and ``errors``, which everything uses); nothing
here imports Streamlit. ``tests/test_layering.py`` keeps this true.
"""
