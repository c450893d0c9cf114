"""voxhub: a self-hosted hub for large scientific datasets and their ISA metadata."""

__version__ = "0.1.0"
__all__ = ["__version__"]
