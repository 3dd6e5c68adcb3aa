"""Modal screens: prompts, open, column mapping, confirm, help."""
