"""Handling and supervision (办 + 督): the ledger of every assigned case."""
