"""Pure rules of the members service: no I/O, no SQLAlchemy, no FastAPI."""
