"""daf_butler's Datastore methods that do not apply to datasets held in memory.

Files, zip archives, configuration roots and exported records have no
in-memory counterpart: these methods refuse (`NotImplementedError`) or do
nothing, so that code written for any datastore can call them.
"""

from __future__ import annotations

__all__ = ["InapplicableMixin"]

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn

from .tables import StoreTables

if TYPE_CHECKING:
    from ..core.foreign import RefLike


class InapplicableMixin(StoreTables):
    """The methods of daf_butler's Datastore API that `InMemoryDatastore` refuses or ignores."""

    def retrieveArtifacts(self, refs: Iterable[RefLike], destination: Any, *args: Any,
                          **kwargs: Any) -> NoReturn:
        """Not supported: there are no file artifacts to retrieve.

        Raises
        ------
        NotImplementedError
            Always.
        """
        raise NotImplementedError(
            f"{self.name} holds datasets in memory and has no artifacts to retrieve"
        )

    def ingest(self, *datasets: Any, **kwargs: Any) -> NoReturn:
        """Not supported: an in-memory datastore cannot ingest files.

        Raises
        ------
        NotImplementedError
            Always.
        """
        raise NotImplementedError(f"{self.name} is in memory and cannot ingest files; use put")

    def ingest_zip(self, zip_path: Any, *args: Any, **kwargs: Any) -> NoReturn:
        """Not supported: an in-memory datastore cannot ingest a zip file.

        Raises
        ------
        NotImplementedError
            Always.
        """
        raise NotImplementedError(f"{self.name} is in memory and cannot ingest a zip; use put")

    def validateConfiguration(self, entities: Iterable[Any], logFailures: bool = False) -> None:
        """Accept every entity: there is nothing to validate in memory."""

    def validateKey(self, lookupKey: Any, entity: Any) -> None:
        """Accept every key."""

    def getLookupKeys(self) -> set[str]:
        """Return the names the constraints mention (``all`` left out)."""
        return self.constraints.getLookupKeys()

    def needs_expanded_data_ids(self, transfer: str | None, entity: Any = None) -> bool:
        """Return `False`: nothing here uses expanded data IDs."""
        return False

    def import_records(self, data: Mapping[str, Any]) -> None:
        """Do nothing: in-memory records cannot be imported."""

    def export_records(self, refs: Iterable[Any]) -> dict[str, Any]:
        """Return nothing: in-memory records cannot be exported."""
        return {}

    def export_predicted_records(self, refs: Iterable[Any]) -> dict[str, Any]:
        """Return nothing: in-memory records cannot be exported."""
        return {}

    @classmethod
    def setConfigRoot(cls, root: str, config: Any, full: Any, overwrite: bool = True) -> None:
        """Do nothing: an in-memory datastore has no root."""
