"""The LLM planner: a model reads the schema and writes the JSON plan; Python validates it,
sends the validator's messages back, and falls back to inference for what stays wrong.

``context`` reads what the model is told (schema, row counts, masked samples), ``prompt`` words
it, ``client`` asks an OpenAI-compatible Chat Completions server, ``repair`` runs the rounds.
"""
