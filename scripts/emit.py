#!/usr/bin/env python3
# PYTHON_ARGCOMPLETE_OK
"""Run pulp-emit from a checkout: ./scripts/emit.py -e pulp"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pulp_amqp_tools.commands.emit import entry

if __name__ == "__main__":
    entry()
