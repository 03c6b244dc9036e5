"""The ML layer: one registry, gate, Bento store and client path shared by every model.

A model is described once by a `ModelSpec` (see `ml.spec`) and registered in the one list `ml.catalog`;
`ml.registry` logs, registers and gates it, `ml.bento` brings its champion into the Bento store,
`ml.client` reaches it in-process or over HTTP and returns its results with the version that produced
them. Imports `models/` only; nothing here runs at import.
"""
