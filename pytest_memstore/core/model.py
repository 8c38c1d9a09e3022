"""Data model: data IDs, dataset types and resolved dataset references."""

from __future__ import annotations

__all__ = ["DataId", "DataIdValue", "DatasetId", "DatasetRef", "DatasetType"]

import os
import random
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, KeysView, Mapping
from typing import Any, TypeAlias

from .errors import DimensionNameError
from .storage import StorageClass

DatasetId: TypeAlias = uuid.UUID
"""The unique identifier of a dataset: a `uuid.UUID`."""

DataIdValue: TypeAlias = "int | str"

_NAME_PATTERN = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$")
_UUID4_CLEAR = ~(0xF000 << 64) & ~(0xC000 << 48)
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)
_SAFE_UNKNOWN = uuid.SafeUUID.unknown
_new_uuid = _new_object = object.__new__


def _slot_setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    """Return what sets slot ``name`` on an instance of ``cls``, past a refusing ``__setattr__``.

    The slot's own setter: it takes 60% of the time ``object.__setattr__``
    does, which matters for the objects built on every put (a ref, its ID).
    """
    setter: Callable[[Any, Any], None] = cls.__dict__[name].__set__
    return setter


_set_uuid_int = _slot_setter(uuid.UUID, "int")
_set_uuid_is_safe = _slot_setter(uuid.UUID, "is_safe")

# Random bits for dataset IDs. A private generator, seeded from os.urandom,
# so that tools which re-seed the global ``random`` per test (pytest-randomly)
# cannot make two tests hand out the same IDs; re-seeded after a fork so that
# child processes do not repeat their parent's IDs (where there is fork: not
# on Windows, whose os module has no register_at_fork).
_id_bits = random.Random()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_id_bits.seed)
_getrandbits = _id_bits.getrandbits


def _uuid4() -> uuid.UUID:
    # ``uuid.uuid4()`` reads os.urandom and re-validates its arguments; this
    # builds the same kind of value (random, version 4, RFC 4122 variant) in a
    # third of the time.
    value = _new_uuid(uuid.UUID)
    _set_uuid_int(value, (_getrandbits(128) & _UUID4_CLEAR) | _UUID4_SET)
    _set_uuid_is_safe(value, _SAFE_UNKNOWN)
    return value


class DataId(Mapping[str, DataIdValue]):
    """An immutable, hashable mapping of dimension names to values.

    Parameters
    ----------
    mapping : `~collections.abc.Mapping`, optional
        Initial items.
    **values
        More items; they win over ``mapping`` on a clash.

    Notes
    -----
    Keys are kept sorted, so two data IDs with the same items iterate, print
    and hash alike. A data ID equals any mapping with the same items.

    Raises
    ------
    TypeError
        A key is not a `str`, or a value is not hashable.
    """

    __slots__ = ("_hash", "_items")

    _items: dict[str, DataIdValue]
    _hash: int

    def __init__(self, mapping: Mapping[str, Any] | None = None, /, **values: Any) -> None:
        if type(mapping) is DataId and not values:
            self._items = mapping._items
            self._hash = mapping._hash
            return
        if mapping is None:
            items = values
        elif type(mapping) is not dict and not isinstance(mapping, Mapping):
            # daf_butler's DataCoordinate is no mapping but has one.
            inner = getattr(mapping, "mapping", None)
            if not isinstance(inner, Mapping):
                raise TypeError(
                    "A data ID is a mapping of dimension names to values, such as "
                    f"{{'visit': 1}}; got {type(mapping).__name__}: {mapping!r:.80}"
                )
            items = {**inner, **values}
        elif values:
            items = {**mapping, **values}
        else:
            items = mapping if type(mapping) is dict else dict(mapping)
        try:
            keys = sorted(items)
            "".join(keys)  # the cheapest check that every key is a str
        except TypeError:
            for key in items:
                _checked_key(key)
            raise
        ordered = {key: items[key] for key in keys}
        try:
            self._hash = hash(tuple(ordered.items()))
        except TypeError:
            bad = {k: type(v).__name__ for k, v in ordered.items() if not _is_hashable(v)}
            raise TypeError(f"DataId values must be hashable; got {bad}") from None
        self._items = ordered

    def __getitem__(self, key: str) -> DataIdValue:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def keys(self) -> KeysView[str]:
        """Return the dimension names, in order: a view of the underlying dict's keys."""
        return self._items.keys()

    def __hash__(self) -> int:
        return self._hash

    def to_dict(self) -> dict[str, DataIdValue]:
        """Return the items as a new `dict` (faster than ``dict(dataId)``)."""
        return dict(self._items)

    def __eq__(self, other: object) -> bool:
        if type(other) is DataId:
            return self._hash == other._hash and self._items == other._items
        if isinstance(other, Mapping):
            return self._items == dict(other)
        return NotImplemented

    def __str__(self) -> str:
        return "{" + ", ".join(f"{k}: {v!r}" for k, v in self._items.items()) + "}"

    def __repr__(self) -> str:
        return f"DataId({self._items!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (DataId, (self._items,))


def _checked_key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"DataId keys must be str; got {key!r} ({type(key).__name__})")
    return key


def _is_hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


_VALID_NAMES: set[str] = set()
"""Dataset type names `_check_name` has accepted: most are checked again and again."""
_VALID_NAMES_KEPT = 4096
"""How many names `_VALID_NAMES` keeps at most."""


def _check_name(name: str) -> None:
    if type(name) is str and name in _VALID_NAMES:
        return
    if not isinstance(name, str) or _NAME_PATTERN.fullmatch(name) is None:
        raise ValueError(
            f"Dataset type name {name!r} is not valid: it must be an identifier, "
            "optionally followed by '.component'"
        )
    if type(name) is str and len(_VALID_NAMES) < _VALID_NAMES_KEPT:
        _VALID_NAMES.add(name)


def _as_dimensions(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        raise TypeError(f"dimensions must be an iterable of names, not the str {value!r}")
    dimensions = frozenset(value)
    try:
        "".join(dimensions)  # the cheapest check that every name is a str
    except TypeError:
        raise TypeError(
            f"dimensions must be names (str); got {sorted(map(repr, dimensions))}"
        ) from None
    return dimensions


def _check_storage_class(value: object, role: str, datasetTypeName: str) -> str:
    """Return the name of a storage class given as an object or a name."""
    if isinstance(value, str):
        if value:
            return value
    else:
        name = getattr(value, "name", None)
        if isinstance(name, str) and callable(getattr(value, "delegate", None)):
            return name
    raise TypeError(
        f"Dataset type {datasetTypeName!r}: {role} must be a StorageClass or the name of one; "
        f"got {type(value).__name__}: {value!r:.80}"
    )


def _default_storage_class(name: str, datasetTypeName: str) -> StorageClass:
    """Resolve a storage class name through the default storage classes."""
    from .defaults import shared_default_storage_classes

    defaults = shared_default_storage_classes()
    if name in defaults:
        return defaults.getStorageClass(name)
    raise KeyError(
        f"Dataset type {datasetTypeName!r} names storage class {name!r}, which is not one of "
        "the defaults; a datastore resolves it through its storageClasses factory, or "
        "pass the StorageClass object"
    )


def _refuse_change(self: object, name: str, value: object = None) -> None:
    raise AttributeError(f"{type(self).__name__} is immutable: cannot change {name!r}")


class DatasetType:
    """A named kind of dataset: its dimensions and its storage class.

    Parameters
    ----------
    name : `str`
        ``name`` or ``parent.component``.
    dimensions : iterable of `str`
        The dimensions every data ID of this type must have.
    storageClass : `StorageClass` or `str`
        How datasets of this type are held in memory, or the name of a
        storage class.
    parentStorageClass : `StorageClass` or `str`, optional
        For a component type, the storage class (or its name) of its
        composite.

    Raises
    ------
    ValueError
        ``name`` is not a valid dataset type name.
    TypeError
        A storage class is neither a `StorageClass` nor a name.

    Notes
    -----
    As in daf_butler, a storage class given by name is resolved when it is
    needed: a datastore resolves it through its own ``storageClasses``
    factory, and the `storageClass` property through the default storage
    classes. Two dataset types are equal when their names, dimensions and
    storage class names are (and, when both hold storage class objects,
    those are equal too).
    """

    __slots__ = (
        "_hash",
        "_parentStorageClass",
        "_parentStorageClassName",
        "_plain_storage_class",
        "dimensions",
        "name",
        "storageClass_name",
        "storageClass_object",
    )

    name: str
    dimensions: frozenset[str]
    storageClass_name: str
    storageClass_object: StorageClass | None
    """The storage class given as an object; `None` when given by name (see `storageClass`)."""
    _parentStorageClass: StorageClass | None
    _parentStorageClassName: str | None
    _plain_storage_class: StorageClass | None
    """``storageClass_object`` when it is a `StorageClass` (not a subclass, nor
    daf_butler's) and this is not a component type, else `None`.

    What a datastore puts and gets a whole dataset of this type with, read
    in one step on its hot paths, which take the general path for `None`.
    """
    _hash: int

    def __init__(
        self,
        name: str,
        dimensions: Iterable[str],
        storageClass: StorageClass | str,
        *,
        parentStorageClass: StorageClass | str | None = None,
    ) -> None:
        _check_name(name)
        dims = _as_dimensions(dimensions)
        scName = _check_storage_class(storageClass, "storageClass", name)
        if parentStorageClass is None:
            parentName = None
        else:
            parentName = _check_storage_class(parentStorageClass, "parentStorageClass", name)
        _set_type_name(self, name)
        _set_type_dimensions(self, dims)
        _set_type_storageClass_name(self, scName)
        storageClass_object = None if isinstance(storageClass, str) else storageClass
        _set_type_storageClass_object(self, storageClass_object)
        _set_type_plain_storage_class(self, _plain(name, storageClass_object))
        _set_type_parentStorageClassName(self, parentName)
        _set_type_parentStorageClass(
            self, None if isinstance(parentStorageClass, str) else parentStorageClass
        )
        _set_type_hash(self, hash((name, dims, scName, parentName)))

    __setattr__ = __delattr__ = _refuse_change

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_dataset_type,
            (
                self.name,
                self.dimensions,
                self.storageClass_object or self.storageClass_name,
                self._parentStorageClass or self._parentStorageClassName,
            ),
        )

    @property
    def storageClass(self) -> StorageClass:
        """The storage class; a name is resolved through the default storage classes.

        Raises
        ------
        KeyError
            The storage class was given by a name that is not a default one.
        """
        # Not kept: a datastore resolves the name through its own factory.
        storageClass = self.storageClass_object
        if storageClass is None:
            storageClass = _default_storage_class(self.storageClass_name, self.name)
        return storageClass

    @property
    def parentStorageClass(self) -> StorageClass | None:
        """The storage class of the composite of a component type, or `None`."""
        parent = self._parentStorageClass
        if parent is None and self._parentStorageClassName is not None:
            parent = _default_storage_class(self._parentStorageClassName, self.name)
        return parent

    def resolved(self, storageClasses: Any) -> DatasetType:
        """Return this dataset type with its storage classes as objects.

        Parameters
        ----------
        storageClasses : `StorageClassFactory`
            Resolves storage classes given by name.

        Raises
        ------
        KeyError
            ``storageClasses`` does not know a name; the message names it.
        """
        if self.storageClass_object is not None and (
            self._parentStorageClassName is None or self._parentStorageClass is not None
        ):
            return self
        storageClass = self.storageClass_object or _named(
            storageClasses, self.storageClass_name, self
        )
        parent = self._parentStorageClass
        if parent is None and self._parentStorageClassName is not None:
            parent = _named(storageClasses, self._parentStorageClassName, self)
        if storageClass.name != self.storageClass_name or (
            parent is not None and parent.name != self._parentStorageClassName
        ):
            # A factory that gave a class of another name: a type of that name.
            return DatasetType(
                self.name, self.dimensions, storageClass, parentStorageClass=parent
            )
        # The same names, so the same checks passed and the same hash: copy them.
        name = self.name
        copy: DatasetType = _new_object(DatasetType)
        _set_type_name(copy, name)
        _set_type_dimensions(copy, self.dimensions)
        _set_type_storageClass_name(copy, self.storageClass_name)
        _set_type_storageClass_object(copy, storageClass)
        _set_type_plain_storage_class(copy, _plain(name, storageClass))
        _set_type_parentStorageClassName(copy, self._parentStorageClassName)
        _set_type_parentStorageClass(copy, parent)
        _set_type_hash(copy, self._hash)
        return copy

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if type(other) is not DatasetType:
            return NotImplemented
        if (
            self._hash != other._hash
            or self.name != other.name
            or self.dimensions != other.dimensions
            or self.storageClass_name != other.storageClass_name
            or self._parentStorageClassName != other._parentStorageClassName
        ):
            return False
        mine, theirs = self.storageClass_object, other.storageClass_object
        return mine is None or theirs is None or mine == theirs

    def __hash__(self) -> int:
        return self._hash

    def component(self) -> str | None:
        """Return the component name, or `None` for a non-component type."""
        _, _, component = self.name.partition(".")
        return component or None

    def nameAndComponent(self) -> tuple[str, str | None]:
        """Return the parent name and the component name (or `None`)."""
        parent, _, component = self.name.partition(".")
        return parent, component or None

    def isComponent(self) -> bool:
        """Return whether this is the type of a component of a composite."""
        return "." in self.name

    def makeComponentDatasetType(self, component: str) -> DatasetType:
        """Return the dataset type of one component (or derived component).

        Raises
        ------
        KeyError
            The storage class has no such component; the message lists the
            valid ones.
        """
        storageClass = self.storageClass
        known = storageClass.allComponents()
        if component not in known:
            raise KeyError(
                f"Dataset type {self.name!r} (storage class {storageClass.name!r}) has no "
                f"component {component!r}; valid components: {sorted(known) or 'none'}"
            )
        return DatasetType(
            f"{self.name}.{component}",
            self.dimensions,
            known[component],
            parentStorageClass=storageClass,
        )

    def makeCompositeDatasetType(self) -> DatasetType:
        """Return the dataset type of the composite this component belongs to.

        Raises
        ------
        ValueError
            This component type was built without a ``parentStorageClass``.
        """
        parent, component = self.nameAndComponent()
        if component is None:
            return self
        if self._parentStorageClassName is None:
            raise ValueError(
                f"Dataset type {self.name!r} has no parentStorageClass, so its composite "
                "type cannot be made"
            )
        return DatasetType(
            parent, self.dimensions, self._parentStorageClass or self._parentStorageClassName
        )

    def overrideStorageClass(self, storageClass: StorageClass) -> DatasetType:
        """Return this dataset type with another, compatible storage class.

        Raises
        ------
        ValueError
            ``storageClass`` cannot convert this type's Python type.
        """
        current = self.storageClass
        if storageClass == current:
            return self
        if not storageClass.can_convert(current):
            raise ValueError(
                f"Storage class {storageClass.name!r} cannot convert {current.name!r}, "
                f"so it cannot override the storage class of dataset type {self.name!r}"
            )
        return DatasetType(
            self.name,
            self.dimensions,
            storageClass,
            parentStorageClass=self._parentStorageClass or self._parentStorageClassName,
        )

    def __str__(self) -> str:
        return f"{self.name}[{self.storageClass_name}]"

    def __repr__(self) -> str:
        parent = (
            "" if self._parentStorageClassName is None
            else f", parentStorageClass={self._parentStorageClassName!r}"
        )
        return (
            f"DatasetType({self.name!r}, {sorted(self.dimensions)}, "
            f"{self.storageClass_name!r}{parent})"
        )


# The slots' own setters (see `_slot_setter`).
_set_type_name = _slot_setter(DatasetType, "name")
_set_type_dimensions = _slot_setter(DatasetType, "dimensions")
_set_type_storageClass_name = _slot_setter(DatasetType, "storageClass_name")
_set_type_storageClass_object = _slot_setter(DatasetType, "storageClass_object")
_set_type_plain_storage_class = _slot_setter(DatasetType, "_plain_storage_class")
_set_type_parentStorageClassName = _slot_setter(DatasetType, "_parentStorageClassName")
_set_type_parentStorageClass = _slot_setter(DatasetType, "_parentStorageClass")
_set_type_hash = _slot_setter(DatasetType, "_hash")


def _plain(name: str, storageClass: StorageClass | None) -> StorageClass | None:
    """Return ``DatasetType._plain_storage_class`` for this name and storage class."""
    if type(storageClass) is StorageClass and "." not in name:
        return storageClass
    return None


def _rebuild_dataset_type(
    name: str,
    dimensions: frozenset[str],
    storageClass: StorageClass | str,
    parentStorageClass: StorageClass | str | None,
) -> DatasetType:
    return DatasetType(name, dimensions, storageClass, parentStorageClass=parentStorageClass)


def _named(storageClasses: Any, name: str, datasetType: DatasetType) -> StorageClass:
    try:
        found: StorageClass = storageClasses.getStorageClass(name)
    except KeyError as err:
        raise KeyError(f"Dataset type {datasetType.name!r}: {err.args[0]}") from None
    return found


class DatasetRef:
    """A resolved reference to one dataset.

    Parameters
    ----------
    datasetType : `DatasetType`
        The dataset's type.
    dataId : `~collections.abc.Mapping`
        Its data ID, converted to a `DataId`; it must hold every dimension of
        ``datasetType`` and may hold more.
    run : `str`, optional
        The run collection it belongs to.
    id : `DatasetId`, optional
        Its unique ID; a fresh random UUID when not given (or `None`).

    Raises
    ------
    DimensionNameError
        The data ID lacks a dimension of the dataset type (a `KeyError` and
        a `ValueError`).
    TypeError
        ``datasetType`` is not a `DatasetType`, or the data ID is invalid.

    Notes
    -----
    Two refs are equal when ID, dataset type name, data ID, run and storage
    class name are equal. A ref is immutable: setting an attribute raises
    `AttributeError`.
    """

    __slots__ = ("dataId", "datasetType", "id", "run")

    datasetType: DatasetType
    dataId: DataId
    run: str
    id: DatasetId

    def __init__(
        self,
        datasetType: DatasetType,
        dataId: Mapping[str, Any] | None,
        run: str = "memstore",
        *,
        id: DatasetId | None = None,
    ) -> None:
        # Written by hand: building refs is on every user's hot path.
        if type(datasetType) is not DatasetType and not isinstance(datasetType, DatasetType):
            raise TypeError(f"datasetType must be a DatasetType; got {type(datasetType).__name__}")
        if type(dataId) is not DataId:
            try:
                dataId = DataId(dataId)
            except TypeError as err:
                raise TypeError(f"Dataset type {datasetType.name!r}: {err}") from None
        if not datasetType.dimensions.issubset(dataId._items):
            missing = sorted(datasetType.dimensions.difference(dataId._items))
            raise DimensionNameError(
                f"DataId {dataId} of dataset type {datasetType.name!r} lacks the "
                f"dimension(s) {missing}"
            )
        if id is None:
            id = _uuid4()
        elif not isinstance(id, uuid.UUID):
            raise TypeError(f"id must be a uuid.UUID; got {type(id).__name__}")
        _set_ref_datasetType(self, datasetType)
        _set_ref_dataId(self, dataId)
        _set_ref_run(self, run)
        _set_ref_id(self, id)

    __setattr__ = __delattr__ = _refuse_change

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_ref, (self.datasetType, self.dataId, self.run, self.id))

    def _key(self) -> tuple[Any, ...]:
        dt = self.datasetType
        return (self.id, dt.name, self.dataId, self.run, dt.storageClass_name)

    def __eq__(self, other: object) -> bool:
        if type(other) is not DatasetRef:
            return NotImplemented
        return self is other or self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def isComponent(self) -> bool:
        """Return whether this ref is to a component of a composite."""
        return self.datasetType.isComponent()

    def getCheckedId(self) -> DatasetId:
        """Return the dataset ID (always set: every ref here is resolved)."""
        return self.id

    def makeComponentRef(self, name: str) -> DatasetRef:
        """Return a ref to one component, with the same ID and data ID.

        Raises
        ------
        KeyError
            The storage class has no such component.
        """
        return DatasetRef(
            self.datasetType.makeComponentDatasetType(name), self.dataId, self.run, id=self.id
        )

    def makeCompositeRef(self) -> DatasetRef:
        """Return the ref to the composite this component ref belongs to."""
        return DatasetRef(
            self.datasetType.makeCompositeDatasetType(), self.dataId, self.run, id=self.id
        )

    def overrideStorageClass(self, storageClass: StorageClass) -> DatasetRef:
        """Return this ref with its dataset type's storage class replaced.

        Raises
        ------
        ValueError
            ``storageClass`` cannot convert the current one.
        """
        return DatasetRef(
            self.datasetType.overrideStorageClass(storageClass), self.dataId, self.run, id=self.id
        )

    def __str__(self) -> str:
        dt = self.datasetType
        return f"{dt.name}@{self.dataId} [sc={dt.storageClass_name}] (run={self.run} id={self.id})"

    def __repr__(self) -> str:
        return (
            f"DatasetRef({self.datasetType.name!r}, {self.dataId}, run={self.run!r}, "
            f"id={self.id!s})"
        )


def _rebuild_ref(
    datasetType: DatasetType, dataId: DataId, run: str, id: DatasetId
) -> DatasetRef:
    return DatasetRef(datasetType, dataId, run, id=id)


_set_ref_datasetType = _slot_setter(DatasetRef, "datasetType")
_set_ref_dataId = _slot_setter(DatasetRef, "dataId")
_set_ref_run = _slot_setter(DatasetRef, "run")
_set_ref_id = _slot_setter(DatasetRef, "id")
