"""Load one YAML file as one schema model, with every error located (file, line, field path).

For the configuration files that stand beside the plant tree (historian, alarms, cameras): a
missing file means "use the defaults", a broken one raises ``ConfigError`` and loads nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from scada.config.errors import ConfigError, ConfigIssue
from scada.config.loader import display_path
from scada.config.schema import Model
from scada.config.validation import validate
from scada.config.where import Where
from scada.config.yaml_source import load_yaml

M = TypeVar("M", bound=Model)


def load_model_file(path: Path, cls: type[M]) -> M:
    """The model in ``path``, or the model's defaults when the file does not exist."""
    if not path.exists():
        return cls()
    issues: list[ConfigIssue] = []
    shown = display_path(path)
    raw = load_yaml(path, shown, issues)
    model = validate(cls, raw, issues, Where(shown, 1, "")) if not issues else None
    if model is None:
        raise ConfigError(issues or [ConfigIssue(Where(shown, 1, ""), "invalid file")])
    return model
