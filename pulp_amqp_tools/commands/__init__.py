"""The two commands, pulp-listen and pulp-emit: parser, options and run, glued to the packages beside them."""
