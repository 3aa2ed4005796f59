"""One module per subcommand: each adds its parser and returns an exit code from ``run``."""
