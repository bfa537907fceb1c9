"""Supervision's HTTP API."""
