"""`python -m services.notify` runs the service."""

from services.notify.main import create_app
from services.notify.settings import NotifySettings
from shared.serve import serve

if __name__ == "__main__":
    settings = NotifySettings()
    serve(create_app(settings), settings)
