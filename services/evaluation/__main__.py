"""`python -m services.evaluation` runs the service."""

from services.evaluation.main import create_app
from services.evaluation.settings import EvaluationSettings
from shared.serve import serve

if __name__ == "__main__":
    settings = EvaluationSettings()
    serve(create_app(settings), settings)
