"""linkspider: a distributed link spider that records every link edge of the web it crawls."""

__version__ = "0.1.0"
