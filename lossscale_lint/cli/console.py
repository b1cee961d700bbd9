"""The rich console for the commands that draw tables and pages (`rules`, `explain`, `advise`).

rich is imported on first use: `check`, the command pre-commit and CI run, writes plain text to a
pipe and never needs it (about 55 ms of start-up).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def terminal_console(piped_width: int) -> Console:
    from rich.console import Console

    # Piped output gets a fixed width and no colour, so that it reads the same in every pipe.
    return Console() if sys.stdout.isatty() else Console(width=piped_width, no_color=True, highlight=False)


def print_renderable(renderable, piped_width: int) -> None:
    """Print to a terminal as rich draws it; to a pipe at a fixed width, without the spaces rich
    pads every line with (a piped page is text people grep and diff)."""
    if sys.stdout.isatty():
        terminal_console(piped_width).print(renderable)
        return
    import io

    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, width=piped_width, no_color=True, highlight=False, color_system=None).print(renderable)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines()))
