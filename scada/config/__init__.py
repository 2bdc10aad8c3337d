"""Configuration: YAML tree → validated, immutable ``Plant`` (or every error at once)."""

from scada.config.errors import ConfigError, ConfigIssue
from scada.config.loader import load_plant
from scada.config.plant import Plant, PointRef

__all__ = ["ConfigError", "ConfigIssue", "Plant", "PointRef", "load_plant"]
