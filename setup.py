"""Build of the compiled extraction extensions; all metadata lives in pyproject.toml.

``linkspider.extract._walker`` (the tree walk and link records) and ``_rawtext`` (the script and style
cut before the parse) are Cython. They are optional: without Cython or a C compiler the build still
succeeds and extraction runs its pure-Python path (same results, half the speed or less).
scrapyd-deploy builds its egg through this file (``python setup.py bdist_egg``); eggs are imported
from zip files, which cannot hold a loadable extension, so they carry the pure-Python path only.
"""
import sys

from setuptools import Extension, setup

try:
    from Cython.Build import cythonize
except ImportError:  # building without Cython: the pure-Python path only
    cythonize = None

if cythonize is None or "bdist_egg" in sys.argv:
    ext_modules = []
else:
    ext_modules = cythonize(
        [
            Extension(f"linkspider.extract.{name}", [f"linkspider/extract/{name}.pyx"], optional=True)
            for name in ("_walker", "_rawtext")
        ],
        compiler_directives={"language_level": "3"},
        quiet=True,
    )

setup(ext_modules=ext_modules)
