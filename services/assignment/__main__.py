"""`python -m services.assignment` runs the service."""

from services.assignment.main import create_app
from services.assignment.settings import AssignmentSettings
from shared.serve import serve

if __name__ == "__main__":
    settings = AssignmentSettings()
    serve(create_app(settings), settings)
