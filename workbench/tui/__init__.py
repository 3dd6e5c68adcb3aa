"""The interactive workbench (Textual). Start it with `workbench` or `run_app`."""
