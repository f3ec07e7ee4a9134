"""The two commands, pulp-listen and pulp-emit: parser, options and run, on the skeleton in cli/command.py."""
