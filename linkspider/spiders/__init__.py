"""The project's spiders: ``links`` is the one that builds the link graph."""
