"""Shim for ``scrapyd-deploy``, which builds its egg with ``python setup.py bdist_egg``.

All metadata (name, version, packages, the ``scrapy`` settings entry point) lives in pyproject.toml.
"""
from setuptools import setup

setup()
