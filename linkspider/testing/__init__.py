"""Test and demo support: real servers on loopback and the fixture web."""
