"""Automatic differentiation: GradientTape, custom gradients."""
from .tape import GradientTape, UnconnectedGradients  # noqa: F401
from .custom_gradient import custom_gradient  # noqa: F401
