"""Evaluation's HTTP API."""
