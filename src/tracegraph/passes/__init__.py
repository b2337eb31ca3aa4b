"""Graph -> Graph optimization passes and the default pipeline."""
from .pipeline import DEFAULT_PIPELINE, optimize, optimize_stages  # noqa: F401
