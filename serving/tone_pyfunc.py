"""MLflow models-from-code entry point for the tone model: logged beside it, run when MLflow loads it.

Logging the wrapper as code rather than as a pickled object keeps arbitrary pickled code out of the
registry; the class itself lives in `serving.tone_model`.
"""

import mlflow.models

from serving.tone_model import TonePyfunc

mlflow.models.set_model(TonePyfunc())
