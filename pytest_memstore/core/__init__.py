"""The model: data IDs, dataset types and refs, storage classes, errors, config loading.

Importing any part of it imports the default storage classes too, so that a
storage class's component names resolve through them.
"""

from . import defaults as defaults
