"""`ButlerWriting`: storing datasets and recording them, in transactions."""

from __future__ import annotations

__all__ = ["ButlerWriting"]

import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ..core.errors import DatasetTypeNotSupportedError
from ..core.model import DatasetRef
from .arguments import ButlerArguments, DatasetRefOrType
from .errors import ConflictingDefinitionError, NoDefaultCollectionError


class ButlerWriting(ButlerArguments):
    """Put datasets (recorded in a run and stored), and open transactions."""

    def put(
        self,
        obj: object,
        datasetRefOrType: DatasetRefOrType,
        /,
        dataId: Mapping[str, Any] | None = None,
        *,
        run: str | None = None,
        provenance: object = None,
        **kwargs: Any,
    ) -> DatasetRef:
        """Store a dataset and record it in a run.

        Parameters
        ----------
        obj : `object`
            The dataset.
        datasetRefOrType : `DatasetRef`, `DatasetType` or `str`
            A resolved ref (its ID and run are used as they are), or the
            dataset type (or its name), with the data ID.
        dataId : mapping, optional
            The data ID; keyword arguments add to it.
        run : `str`, optional
            The run to record it in, instead of `run`.
        provenance : optional
            Accepted for compatibility; nothing here records provenance.
        **kwargs
            Data ID values.

        Returns
        -------
        ref : `DatasetRef`
            The ref of the stored dataset.

        Raises
        ------
        MissingDatasetTypeError
            The dataset type is not registered.
        DimensionNameError
            The data ID lacks a dimension of the dataset type.
        NoDefaultCollectionError
            No run given, and the butler has none.
        MissingCollectionError
            The run does not exist.
        CollectionTypeError
            ``run`` names a collection that is not a run.
        ConflictingDefinitionError
            The run already holds a dataset of this type and data ID.
        DatasetTypeNotSupportedError
            The dataset type is a component (put the composite).
        TypeError
            The object does not fit the storage class; or bad arguments.

        Notes
        -----
        On any error nothing is recorded or stored.
        """
        if isinstance(datasetRefOrType, DatasetRef):
            return self._put_ref(obj, datasetRefOrType, dataId, run, kwargs)
        datasetType = self._dataset_type(datasetRefOrType, for_put=True)
        if datasetType.isComponent():
            raise DatasetTypeNotSupportedError(
                f"Component dataset {datasetType.name!r} cannot be put; put its composite"
            )
        if run is None:
            run = self._run
            if run is None:
                raise NoDefaultCollectionError(
                    f"No run given to put {datasetType.name!r}, and this butler has no default run"
                )
        elif not isinstance(run, str):
            raise TypeError(f"run must be a str; got {type(run).__name__}: {run!r:.80}")
        ref = DatasetRef(datasetType, self._data_id(dataId, kwargs, datasetType), run)
        registry = self.registry_state
        registry.insert(ref)
        try:
            self.datastore.put(obj, ref)
        except BaseException:
            registry.uninsert(ref)
            raise
        return ref

    def _put_ref(
        self,
        obj: object,
        ref: DatasetRef,
        dataId: Mapping[str, Any] | None,
        run: str | None,
        kwargs: Mapping[str, Any],
    ) -> DatasetRef:
        """Do `put` for a resolved ref: record it as it is (once), then store it."""
        if dataId is not None or kwargs:
            raise ValueError("DatasetRef given, cannot use dataId as well")
        if run is not None:
            warnings.warn("Run collection is not used for DatasetRef", stacklevel=3)
        if ref.isComponent():
            raise DatasetTypeNotSupportedError(
                f"Component dataset {ref.datasetType.name!r} cannot be put; put its composite"
            )
        registry = self.registry_state
        inserted = registry.import_ref(ref)
        if not inserted and self.datastore.knows(ref):
            raise ConflictingDefinitionError(f"Datastore already contains dataset: {ref}")
        try:
            self.datastore.put(obj, ref)
        except BaseException:
            if inserted:
                registry.uninsert(ref)
            raise
        return ref

    # -- transactions ------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Open a (possibly nested) transaction for this thread.

        An exception leaving the block undoes the block's registry changes
        (dataset records, collections, chains, dataset types) and datastore
        changes (puts, trashing) together, newest first, and propagates.
        Deleting stored objects (``unstore``) is not undone.
        """
        with self.datastore.transaction() as transaction, self.registry_state.joined(
            transaction
        ):
            yield
