"""What a session file may hold (schema version 1): its sections and their keys.

The scalar keys of each section come from the field table (`workbench.fields`); this
module adds the composite keys (the candidate table, limits on other columns,
criteria, [source], [routing]) so the reader knows every key a file may use.
"""

from __future__ import annotations

from workbench import fields

SCHEMA_VERSION = 1

# Keys that are not scalar fields (those come from workbench.fields), per section.
_COMPOSITE: dict[str, tuple[str, ...]] = {
    "": ("schema_version", "created", "modified", "workload", "constraints", "scoring",
         "whatif", "source", "candidates", "decision", "routing", "pricing", "tco",
         "uncertainty", "monitoring"),
    "workload": (),
    "constraints": ("max", "min"),
    "scoring": ("criteria",),
    "whatif": (),
    "decision": (),
    "pricing": ("prices_used",),
    "tco": ("items",),
    "uncertainty": (),
    "monitoring": (),
}

# The sections made of fields, in the order the reader checks them.
FIELD_SECTIONS: tuple[str, ...] = (
    "", "workload", "constraints", "scoring", "whatif", "pricing", "tco", "uncertainty",
    "decision", "monitoring",
)

def section_keys(name: str) -> tuple[str, ...]:
    """Every key a section may hold: its fields, then its composite keys."""
    return tuple(f.key for f in fields.section(name)) + _COMPOSITE[name]

TOP_KEYS = section_keys("")

CRITERION_KEYS: tuple[str, ...] = ("column", "direction", "weight", "scale")

SOURCE_KEYS: tuple[str, ...] = ("path", "sha256", "table_sha256", "mapping")
PRICE_USED_KEYS: tuple[str, ...] = ("candidate", "item", "value", "unit", "source", "date")

# [source.mlflow], [source.wandb]: where rows imported from an experiment tracker came
# from (workbench.integrations). Values are text, except the count of runs imported
# and the date-time of the import.
TRACKER_KEYS: dict[str, tuple[str, ...]] = {
    "mlflow": ("tracking_uri", "experiment", "experiment_id", "registered_model", "alias",
               "filter", "name_from", "runs", "imported_at"),
    "wandb": ("project", "filter", "name_from", "runs", "imported_at"),
}
TRACKER_COUNTS: tuple[str, ...] = ("runs",)
TRACKER_STAMPS: tuple[str, ...] = ("imported_at",)
