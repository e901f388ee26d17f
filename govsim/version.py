"""govsim's version: the one declaration (``pyproject.toml`` reads it; runs, manifests and
hashes record it)."""

__version__ = "0.1.0"
