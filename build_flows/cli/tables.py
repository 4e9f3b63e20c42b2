"""Tables on stdout, whole wherever they are printed.

Without a terminal (a CI log, `| tee`, a file) rich lays a table out for 80 columns and cuts
every cell that does not fit ("MVA…", "532…"). There a table gets the width it needs, plain ASCII
borders and no colour codes, so every layer name and number is in the log as it is; on a
terminal it is drawn as usual."""
from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

UNBOUNDED = 100_000  # columns to measure a table's natural width in


def print_table(table: Table, console: Console | None = None) -> None:
    console = console or Console()
    if console.is_terminal:
        console.print(table)
        return
    table.box = box.ASCII
    width = Measurement.get(console, console.options.update_width(UNBOUNDED), table).maximum
    Console(file=console.file, width=max(width, len(str(table.title or ""))), color_system=None, highlight=False,
            soft_wrap=False).print(table)
