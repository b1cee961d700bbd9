"""The command line: argument parsing, subcommands and their output."""
