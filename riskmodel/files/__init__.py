"""Parsing at the edge: YAML read with ``safe_load`` and size limits, catalogs and scenarios
validated into the ``model`` types with errors that name the file, line and field, and the
scenario YAML writer.

May import ``model`` and ``errors``.
"""
