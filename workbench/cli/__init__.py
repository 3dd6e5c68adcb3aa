"""The headless command line: `workbench analyze | report | diff | route`.

`main` parses the arguments and dispatches; each command only formats what the engine
computed. `workbench.cli.options` holds the flags shared with the TUI's start-up,
`workbench.cli.route` the routing command and `workbench.cli.text` the rich text view.
"""

from workbench.cli.main import EXIT_BAD_INPUT, guard_outputs, main, write_output

__all__ = ["EXIT_BAD_INPUT", "guard_outputs", "main", "write_output"]
