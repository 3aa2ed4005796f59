"""Exit codes shared by every subcommand (ruff's convention)."""

EXIT_CLEAN = 0  # nothing found
EXIT_FINDINGS = 1  # findings
EXIT_ERROR = 2  # usage error, or something could not be checked / run
