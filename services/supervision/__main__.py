"""`python -m services.supervision` runs the service."""

from services.supervision.main import create_app
from services.supervision.settings import SupervisionSettings
from shared.serve import serve

if __name__ == "__main__":
    settings = SupervisionSettings()
    serve(create_app(settings), settings)
