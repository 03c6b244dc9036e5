"""MLflow models-from-code entry point for the engagement model (the class lives in `ml.engagement`)."""

import mlflow.models

from ml.engagement import EngagementPyfunc

mlflow.models.set_model(EngagementPyfunc())
