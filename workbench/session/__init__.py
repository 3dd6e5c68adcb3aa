"""The session format: a decision record as human-editable TOML.

- `schema`: what a file may hold (sections and keys; scalar keys come from
  `workbench.fields`);
- `toml_v1`: the schema-version-1 reader (every key checked, errors with key and line)
  and writer;
- `lines`: where a key is in the text, for error messages;
- `paths`: how the file writes the paths it cites;
- `store`: loading and saving files (atomic, with a .bak).

The format never imports the analysis: a record can be read, checked and written
without computing anything.
"""

from workbench.session.paths import path_for_file, path_from_file
from workbench.session.schema import SCHEMA_VERSION
from workbench.session.store import load_session, save_session
from workbench.session.toml_v1 import candidate_rows, session_from_toml, session_to_toml

__all__ = [
    "SCHEMA_VERSION", "candidate_rows", "load_session", "path_for_file", "path_from_file",
    "save_session", "session_from_toml", "session_to_toml",
]
