"""``linkspider fixture-web``: serve the bundled fixture web on loopback (tests, demo, benchmarks)."""
from __future__ import annotations

import argparse

from linkspider.demo import fixture_web

NAME = "fixture-web"
HELP = "serve the fixture web (sites on 127.0.0.2, 127.0.0.3, ... sharing one port) until SIGTERM"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    fixture_web.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return fixture_web.run(args)
