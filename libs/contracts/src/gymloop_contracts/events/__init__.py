"""The v1 integration event catalogue, one module per owning service."""
