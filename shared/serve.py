"""Run a service app under uvicorn with its settings."""

from __future__ import annotations

import logging

import uvicorn
from fastapi import FastAPI

from shared.settings import ServiceSettings


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Serve until stopped (SIGTERM / Ctrl-C shut down gracefully)."""
    logging.basicConfig(
        level=logging.INFO, format=f"%(asctime)s {settings.service_name} %(levelname)s %(name)s: %(message)s"
    )
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_level="info", access_log=False)
