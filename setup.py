"""All metadata lives in pyproject.toml; this file stays because scrapyd-deploy builds its egg through it
(``python setup.py bdist_egg``). The package is pure Python: no extension to build."""
from setuptools import setup

setup()
