"""`python -m services.intake` runs the service."""

from services.intake.main import create_app
from services.intake.settings import IntakeSettings
from shared.serve import serve

if __name__ == "__main__":
    settings = IntakeSettings()
    serve(create_app(settings), settings)
