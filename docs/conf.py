"""Sphinx configuration for the pytest-memstore documentation."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.ext.napoleon import _process_docstring

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # document the sources beside these pages

project = "pytest-memstore"
author = "pytest-memstore developers"
copyright = "pytest-memstore developers"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
root_doc = "index"

# MyST: headings get anchors down to level 3, so pages can link to sections
# (the same anchors GitHub gives them).
myst_heading_anchors = 3

# The docstrings are numpydoc: napoleon reads them for autodoc.
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_preprocess_types = False
# Single backticks in the docstrings name Python objects, as numpydoc means them.
default_role = "py:obj"
# A name no page documents (a builtin, a private class) stays plain text.
nitpicky = False

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "show-inheritance": True}

html_theme = "furo"
html_title = "pytest-memstore"


def _skip_named_tuple_fields(
    app: Sphinx, what: str, name: str, obj: Any, skip: bool, options: Any
) -> bool | None:
    """Leave out a named tuple's field accessors: its Attributes section lists them."""
    if (getattr(obj, "__doc__", None) or "").startswith("Alias for field number"):
        return True
    return None


def _napoleon_reading_properties_as_methods(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Run napoleon, reading a property's docstring as a method's.

    Napoleon reads the first line of a property's docstring as ``type:
    description``, so "The names of this datastore: its own, ..." would show
    "The names of this datastore" as a type; and it ignores the sections
    (Raises, Notes) of a property. Read as a method's, the docstring is prose
    with numpydoc sections, as written.
    """
    _process_docstring(app, "method" if what == "property" else what, name, obj, options, lines)


def setup(app: Sphinx) -> None:
    """Connect the handlers above, in place of napoleon's own docstring handler."""
    for listener in list(app.events.listeners["autodoc-process-docstring"]):
        if listener.handler is _process_docstring:
            app.disconnect(listener.id)
    app.connect("autodoc-process-docstring", _napoleon_reading_properties_as_methods)
    app.connect("autodoc-skip-member", _skip_named_tuple_fields)
