"""workbench: a terminal decision workbench for cost-aware ML model selection."""

__version__ = "0.1.0"
