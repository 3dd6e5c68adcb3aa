"""Views: functions from an evaluation to text (JSON, CSV, markdown, the memo, diffs,
charts). They format numbers the engine computed and never compute new ones."""
