"""Helpers the tests and the benchmarks share: throwaway databases, fake LLM and platform servers, servers in
threads, throwaway MLflow stores and Bento stores, models published for a test. Not part of the product."""
