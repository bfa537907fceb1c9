"""Assignment's HTTP API."""
