"""Turning daf_butler's objects into ours at a butler's door, and ours into theirs.

Inside, a daf_butler-mode butler keeps our model: a dataset type's
dimensions are the required dimensions of daf_butler's
`~lsst.daf.butler.DimensionGroup`, and a data ID holds the required and the
implied values. Everything handed back is daf_butler's: refs with expanded
data IDs, dataset types on the universe, collection types, existence flags.
"""

from __future__ import annotations

__all__ = ["DafCodec"]

import contextlib
import threading
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import lsst.daf.butler as daf_butler
from lsst.daf.butler import (
    DataCoordinate,
    DataIdValueError,
    DimensionGroup,
    DimensionNameError,
    DimensionUniverse,
)
from lsst.daf.butler._collection_type import CollectionType as DafCollectionType
from lsst.daf.butler._exceptions import DimensionValueError

from ..butler.collection_type import CollectionType
from ..butler.existence import DatasetExistence
from ..core.model import DataId, DatasetRef, DatasetType
from .records import DimensionRecords

# How many of daf_butler's refs `DafCodec.refs_out` keeps at most.
_REFS_KEPT = 200_000

_DafRef = daf_butler.DatasetRef
REF_SLOTS = ("_id", "datasetType", "dataId", "run", "_datastore_records")
"""The slots of daf_butler's `~lsst.daf.butler.DatasetRef` that `new_daf_ref` sets."""
FAST_REFS = tuple(getattr(_DafRef, "__slots__", ())) == REF_SLOTS
"""Whether `new_daf_ref` may set the slots itself: daf_butler's ref has those it knows."""
_new_object = object.__new__
_SETTERS = tuple(_DafRef.__dict__[name].__set__ for name in REF_SLOTS) if FAST_REFS else ()


def new_daf_ref(
    datasetType: daf_butler.DatasetType, dataId: DataCoordinate, run: str, id: uuid.UUID
) -> daf_butler.DatasetRef:
    """Return ``DatasetRef(datasetType, dataId, run, id=id, conform=False)``, made faster.

    daf_butler's constructor (its immutable class checks each attribute as
    it sets it) takes about 2.5 µs; setting the slots it sets, as it sets
    them, about 0.4 µs. Any other set of slots (another daf_butler) takes
    the constructor.
    """
    if not FAST_REFS:
        return _DafRef(datasetType, dataId, run, id=id, conform=False)
    set_id, set_type, set_data_id, set_run, set_records = _SETTERS
    ref = _new_object(_DafRef)
    set_type(ref, datasetType)
    set_data_id(ref, dataId)
    set_run(ref, run)
    set_id(ref, id.int)
    set_records(ref, None)
    return ref


def _is_empty_collection(value: object) -> bool:
    """Return whether ``value`` is an empty non-mapping container such as ``set()``."""
    return not isinstance(value, (Mapping, str)) and hasattr(value, "__len__") and not value


class DafCodec:
    """The conversions of one repository (one universe, one set of records).

    Parameters
    ----------
    universe : `lsst.daf.butler.DimensionUniverse`
        The repository's dimensions.
    records : `DimensionRecords`
        Its dimension records.
    """

    def __init__(self, universe: DimensionUniverse, records: DimensionRecords) -> None:
        self.universe = universe
        self.records = records
        self._groups: dict[frozenset[str], DimensionGroup] = {}
        self._types_out: dict[DatasetType, daf_butler.DatasetType] = {}
        self._types_in: dict[daf_butler.DatasetType, DatasetType] = {}
        # Our ref's id() to it and daf_butler's: holding our ref keeps its id() its own.
        self._refs_out: dict[int, tuple[DatasetRef, daf_butler.DatasetRef]] = {}
        self._refs_generation = -1
        self._lock = threading.Lock()

    # -- dimensions ----------------------------------------------------------

    def group(self, dimensions: frozenset[str]) -> DimensionGroup:
        """Return the universe's group for a set of dimension names."""
        group = self._groups.get(dimensions)
        if group is None:
            try:
                group = self.universe.conform(dimensions)
            except KeyError as err:
                raise DimensionNameError(str(err.args[0] if err.args else err)) from None
            self._groups[dimensions] = group
        return group

    # -- dataset types -------------------------------------------------------

    def dataset_type_in(self, given: Any) -> Any:
        """Return our dataset type for daf_butler's; pass anything else through."""
        if not isinstance(given, daf_butler.DatasetType):
            return given
        ours = self._types_in.get(given)
        if ours is None:
            # daf_butler's storage class objects: the process-wide factory resolves them.
            storageClass: Any = given.storageClass
            parent: Any = given.parentStorageClass if given.isComponent() else None
            ours = DatasetType(
                given.name, given.dimensions.required, storageClass, parentStorageClass=parent
            )
            with self._lock:
                self._types_in[given] = ours
        return ours

    def dataset_type_out(self, ours: DatasetType) -> daf_butler.DatasetType:
        """Return daf_butler's dataset type for ours."""
        theirs = self._types_out.get(ours)
        if theirs is None:
            parent = ours.parentStorageClass if ours.isComponent() else None
            theirs = daf_butler.DatasetType(
                ours.name,
                self.group(ours.dimensions),
                ours.storageClass_name,
                parentStorageClass=None if parent is None else parent.name,
                universe=self.universe,
            )
            with self._lock:
                self._types_out[ours] = theirs
        return theirs

    # -- data IDs ------------------------------------------------------------

    def data_id_in(
        self,
        dataId: Any,
        kwargs: Mapping[str, Any],
        datasetType: DatasetType,
        *,
        lookup: bool = False,
    ) -> DataId:
        """Return a checked data ID, with implied values, for a dataset type.

        Parameters
        ----------
        dataId, kwargs
            The caller's data ID and keyword values.
        datasetType : `DatasetType`
            Ours; its dimensions are the data ID's.
        lookup : `bool`, optional
            For a search (``get``, ``find_dataset``, ``exists``): a value
            with no record gives the data ID as given, which no dataset has,
            so that the search finds nothing, as daf_butler's does.

        Raises
        ------
        DimensionValueError
            A key is not a dimension.
        DimensionNameError
            A required dimension has no value.
        DataIdValueError
            A value has no dimension record (not for a ``lookup``).
        """
        given = self.mapping_in(dataId, kwargs)
        group = self.group(datasetType.dimensions)
        try:
            values, _ = self.records.standardize(given, group)
        except DataIdValueError:
            if not lookup:
                raise
            values = {name: given[name] for name in group.required}
        return DataId(values)

    def mapping_in(self, dataId: Any, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """Return a data ID argument and keyword values as one plain dict of dimension values.

        Raises
        ------
        DimensionNameError
            A key names no dimension of the universe.
        """
        if dataId is None or _is_empty_collection(dataId):
            merged: dict[str, Any] = {}
        elif isinstance(dataId, DataCoordinate):
            merged = dict(dataId.mapping)
        elif isinstance(dataId, Mapping):
            merged = dict(dataId)
        else:
            raise TypeError(
                f"A data ID must be a mapping or a DataCoordinate; got "
                f"{type(dataId).__name__}: {dataId!r:.80}"
            )
        if kwargs:
            merged.update(kwargs)
        names = self.universe.dimensions.names
        unknown = {key for key in merged if key not in names}
        if unknown:
            raise DimensionValueError(
                f"Unrecognized data ID key(s) {unknown} in {merged}: not dimensions of "
                f"{self.universe}"
            )
        return merged

    # -- refs ----------------------------------------------------------------

    def ref_in(self, ref: Any) -> Any:
        """Return our ref for daf_butler's; pass anything else through."""
        if not isinstance(ref, daf_butler.DatasetRef):
            return ref
        datasetType = self.dataset_type_in(ref.datasetType)
        coordinate = ref.dataId
        if not coordinate.hasFull():
            # The implied values, as the registry holds them, when the records have them.
            with contextlib.suppress(DataIdValueError, DimensionNameError):
                coordinate = self.records.coordinate(coordinate.dimensions, coordinate.required)
        values = coordinate.mapping if coordinate.hasFull() else coordinate.required
        return DatasetRef(datasetType, DataId(values), ref.run, id=ref.id)

    def refs_in(self, refs: Any) -> Any:
        """Return our refs for an iterable of daf_butler's (or one ref)."""
        if isinstance(refs, daf_butler.DatasetRef):
            return self.ref_in(refs)
        if isinstance(refs, (str, bytes, Mapping)) or not isinstance(refs, Iterable):
            return refs
        return [self.ref_in(ref) for ref in refs]

    def ref_out(self, ref: DatasetRef) -> daf_butler.DatasetRef:
        """Return daf_butler's ref for ours."""
        datasetType = self.dataset_type_out(ref.datasetType)
        coordinate = self.records.coordinate(datasetType.dimensions, ref.dataId)
        return new_daf_ref(datasetType, coordinate, ref.run, ref.id)

    def refs_out(self, refs: Iterable[DatasetRef]) -> list[daf_butler.DatasetRef]:
        """Return daf_butler's refs for ours, as `ref_out` does, remembering them.

        Query results hand back the same datasets again and again: each
        ref is made once (or kept from `put_ref_out`), until the dimension
        records change (its data ID holds them).
        """
        known = self._known_refs()
        get = known.get
        result: list[daf_butler.DatasetRef] = []
        append = result.append
        for ref in refs:
            entry = get(id(ref))
            if entry is None:
                entry = known[id(ref)] = (ref, self.ref_out(ref))
            append(entry[1])
        return result

    def put_ref_out(self, ref: DatasetRef) -> daf_butler.DatasetRef:
        """Return `ref_out` of a ref just recorded, and keep it for `refs_out`.

        A butler's ``put`` returns daf_butler's ref of the new dataset: the
        same ref, equal in every field, is what a query finding the dataset
        hands back, until the dimension records change.
        """
        generation = self.records.generation
        theirs = self.ref_out(ref)
        known = self._known_refs()
        if self._refs_generation == generation:  # else the records changed meanwhile
            known[id(ref)] = (ref, theirs)
        return theirs

    def _known_refs(self) -> dict[int, tuple[DatasetRef, daf_butler.DatasetRef]]:
        """Return the refs `refs_out` keeps: none after the records changed, or too many."""
        generation = self.records.generation
        known = self._refs_out
        if self._refs_generation != generation or len(known) > _REFS_KEPT:
            known = self._refs_out = {}
            self._refs_generation = generation
        return known

    def optional_ref_out(self, ref: DatasetRef | None) -> daf_butler.DatasetRef | None:
        """Return `ref_out` of ``ref``, or `None`."""
        return None if ref is None else self.ref_out(ref)

    # -- enums ---------------------------------------------------------------

    @staticmethod
    def collection_type_in(value: Any) -> Any:
        """Return our collection type for daf_butler's (or a set of them)."""
        if isinstance(value, DafCollectionType):
            return CollectionType(value.value)
        if isinstance(value, (set, frozenset, list, tuple)):
            return type(value)(CollectionType(v.value) for v in value)
        return value

    @staticmethod
    def collection_type_out(value: CollectionType) -> DafCollectionType:
        """Return daf_butler's collection type for ours."""
        return DafCollectionType(value.value)

    @staticmethod
    def existence_out(value: DatasetExistence) -> daf_butler.DatasetExistence:
        """Return daf_butler's existence flags for ours."""
        return daf_butler.DatasetExistence(value.value)
