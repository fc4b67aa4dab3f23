"""File-format loaders behind one seam: ``loader_for(path).load(path)``."""

from govqa.ingest.loaders.base import Loader
from govqa.ingest.loaders.factory import loader_for, supported_suffixes

__all__ = ["Loader", "loader_for", "supported_suffixes"]
