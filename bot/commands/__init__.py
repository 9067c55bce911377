"""Command implementations too big for cli.py: each module has `arguments(parser)` and `main(args, config)`."""
