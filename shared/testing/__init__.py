"""Test support: real servers for every test (environment, testcontainers, or local processes)."""
