"""MLflow models-from-code entry point for the tone model: logged beside it, run when MLflow loads it.

Logging the wrapper as code rather than as a pickled object keeps arbitrary pickled code out of the
registry; the class itself lives in `ml.tone`.
"""

import mlflow.models

from ml.tone import TonePyfunc

mlflow.models.set_model(TonePyfunc())
