"""MLflow models-from-code entry point of every model: logged beside each model, run when MLflow loads it.

The logged model config names the spec's `PythonModel` class (`ModelSpec.python_model`); this file
instantiates it. Logging the wrapper as code rather than as a pickled object keeps arbitrary pickled code
out of the registry, and one entry file serves every model.
"""

from typing import Any

import mlflow.models

from ml.spec import PYTHON_MODEL_CONFIG_KEY, import_object

config: Any = mlflow.models.ModelConfig()  # the config logged with the model (MLflow sets it on load)
mlflow.models.set_model(import_object(config.get(PYTHON_MODEL_CONFIG_KEY))())
