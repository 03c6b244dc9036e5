"""Cross-cutting infrastructure: settings, database, errors, logging, security, rate limits."""
