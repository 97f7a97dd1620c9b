"""Signals of the frontier (Scrapy signal objects)."""
from __future__ import annotations

#: Sent by FrontierScheduler.open(frontier=scheduler); the ack middleware and idle-close extension
#: connect to it, so they find the scheduler without reaching into the engine.
frontier_opened = object()
