"""Review sessions: edits of numbers with who, when and why, decisions on risks and measures,
stored in SQLite with transactions.

May import ``simulate`` and everything below it.
"""
