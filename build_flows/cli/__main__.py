"""`python -m build_flows.cli` = `bcnn`."""
from . import main

main()
