"""The pipeline fixtures (Prefect harness, throwaway MLflow and Bento stores) from tests/flows."""

from tests.flows.conftest import bento_store, mlflow_store, prefect_harness, tiny_dataset

__all__ = ["bento_store", "mlflow_store", "prefect_harness", "tiny_dataset"]
