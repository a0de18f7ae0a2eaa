"""Run the command-line interface as ``python -m procrisk``."""

from procrisk.cli import main

main()
