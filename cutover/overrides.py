"""CLI flags that override cutover.toml, validated by the same pydantic models as the file, so
`--max-attempts 0` is refused exactly as `max_attempts = 0` would be."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from tools.errors import ConfigError

# context field -> (flag, config table, key in that table)
_FLAGS = {
    "max_attempts": ("--max-attempts", "run", "max_attempts"),
    "llm_mode": ("--llm", "llm", "mode"),
}


def validate(**values: Any) -> dict[str, Any]:
    """Check each given (non-None) override against its config field; return them unchanged."""
    from cutover.config import ProjectConfig

    checked: dict[str, Any] = {}
    for field, value in values.items():
        if value is None:
            continue
        flag, table, key = _FLAGS[field]
        # the table's model, found through the file's model wherever that is defined
        section: type[BaseModel] = ProjectConfig.model_fields[table].annotation  # type: ignore[assignment]
        try:
            # validate the one field alone; the section's other fields keep their defaults
            section.__pydantic_validator__.validate_assignment(section.model_construct(),
                                                               key, value)
        except ValidationError as exc:
            detail = exc.errors()[0]["msg"]
            raise ConfigError(f"{flag} {value}: {detail} (the same rule as {key} in the "
                              f"file's [{table}] table)") from None
        checked[field] = value
    return checked
