"""Automatic differentiation: GradientTape, custom gradients."""
from .tape import GradientTape, UnconnectedGradients  # noqa: F401
