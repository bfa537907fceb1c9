"""Intake's HTTP API: thin routes, auth → domain → store → schema."""

from services.intake.api import directory, opinions, public, suggestions

routers = [directory.router, suggestions.router, opinions.router, public.router]

__all__ = ["routers"]
