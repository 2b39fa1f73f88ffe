"""Local infrastructure for development and tests: embedded PostgreSQL, the Tansu broker, an SMTP sink."""
