"""Callables that build stores and refs: what the factory fixtures return."""

from __future__ import annotations

__all__ = ["ButlerFactory", "ButlerOptions", "RefFactory", "StoreFactory", "StoreOptions"]

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypedDict, TypeVar

from .core.model import DataId, DatasetId, DatasetRef, DatasetType
from .core.storage import StorageClass
from .core.storage_factory import StorageClassFactory
from .datastore.constraints import Constraints
from .datastore.store import InMemoryDatastore

if TYPE_CHECKING:
    from .butler.butler import InMemoryButler  # noqa: F401 - named in a quoted base class below

_Built = TypeVar("_Built")


class StoreOptions(TypedDict, total=False):
    """The options of the ``memstore`` marker and of ``memstore_factory``."""

    name: str
    constraints: Mapping[str, Any]
    copy_on_put: bool
    copy_on_get: bool
    detect_mutation: bool


STORE_OPTIONS = StoreOptions.__optional_keys__


class ButlerOptions(StoreOptions, total=False):
    """The options of ``memstore_butler_factory``, and all the marker takes.

    The store options configure the butler's datastore.
    """

    run: str
    collections: str | Sequence[str]
    universe: Any


BUTLER_OPTIONS = ButlerOptions.__optional_keys__


def _check_name(value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise TypeError("must be a non-empty str, or None for a name of its own")


def _check_constraints(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise TypeError('must be a mapping like {"accept": [...], "reject": [...]}, or None')
    try:
        Constraints(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"is not valid: {err}") from None


def _check_flag(value: Any) -> None:
    if not isinstance(value, bool):
        raise TypeError("must be True or False")


def _check_run(value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise TypeError("must be a non-empty str (a run collection name), or None")


UNIVERSES = ("none", "daf")
"""The names ``universe`` takes: no universe (the standalone butler), daf_butler's default."""


def _check_universe(value: Any) -> None:
    if value is None or value in UNIVERSES:
        return
    if type(value).__name__ == "DimensionUniverse":
        return
    raise TypeError(
        "must be 'none' (the standalone butler), 'daf' (daf_butler's default universe) or a "
        "lsst.daf.butler.DimensionUniverse"
    )


def _check_collections(value: Any) -> None:
    if value is None or (isinstance(value, str) and value):
        return
    # A sequence, not any iterable: checking a generator would use it up.
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) and all(
        isinstance(name, str) and name for name in value
    ):
        return
    raise TypeError("must be a collection name or a list or tuple of them, or None")


_VALUE_CHECKS: dict[str, Callable[[Any], None]] = {
    "name": _check_name,
    "constraints": _check_constraints,
    "copy_on_put": _check_flag,
    "copy_on_get": _check_flag,
    "detect_mutation": _check_flag,
    "run": _check_run,
    "collections": _check_collections,
    "universe": _check_universe,
}
"""How each option's value is checked: by raising what is wrong with it."""
assert set(_VALUE_CHECKS) == BUTLER_OPTIONS, "every option has a value check"


def check_store_options(
    options: Mapping[str, Any], where: str, allowed: frozenset[str] = STORE_OPTIONS
) -> None:
    """Check the keys and values of store options, as the marker or the factory got them.

    Parameters
    ----------
    options : mapping
        The options.
    where : `str`
        Who got them, to start the message with.
    allowed : `frozenset` of `str`, optional
        The option names allowed there: the store options by default.

    Raises
    ------
    TypeError
        A key is not a store option (the message names every such key), or
        a value has the wrong type (the message names the option).
    ValueError
        The ``constraints`` are a mapping but not valid ones.
    """
    unknown = set(options) - allowed
    if unknown:
        raise TypeError(
            f"{where}: unknown option(s) {sorted(unknown)}; valid options: {sorted(allowed)}"
        )
    for key, value in options.items():
        try:
            _VALUE_CHECKS[key](value)
        except (TypeError, ValueError) as err:
            got = f" (got {type(value).__name__})" if isinstance(err, TypeError) else ""
            raise type(err)(f"{where}: option {key}={value!r} {err}{got}") from None


class _OptionsFactory(Generic[_Built]):
    """Builds things with default options, checking the options a call gives."""

    _where: ClassVar[str]
    allowed_options: ClassVar[frozenset[str]]
    """The option names a call takes."""

    def __init__(
        self, build: Callable[..., _Built], defaults: Mapping[str, Any] | None = None
    ) -> None:
        self._build = build
        self.defaults: dict[str, Any] = dict(defaults or {})

    def __call__(self, **options: Any) -> _Built:
        """Return a new one; ``options`` win over the defaults.

        Raises
        ------
        TypeError
            An option is not one this factory takes, or its value has the
            wrong type; the message names it.
        ValueError
            The ``constraints`` are not valid.
        """
        check_store_options(options, self._where, self.allowed_options)
        return self._build(**{**self.defaults, **options})


class StoreFactory(_OptionsFactory[InMemoryDatastore]):
    """Builds datastores with default options; ``memstore_factory`` is one.

    Parameters
    ----------
    build : callable
        Called with the merged options; returns the new store.
    defaults : mapping, optional
        Options every store gets unless the call overrides them.

    Notes
    -----
    Calls take the store options (`allowed_options`): ``name``,
    ``constraints``, ``copy_on_put``, ``copy_on_get`` and ``detect_mutation``.
    """

    _where = "memstore_factory"
    allowed_options = STORE_OPTIONS


class ButlerFactory(_OptionsFactory["InMemoryButler"]):
    """Builds butlers with default options; ``memstore_butler_factory`` is one.

    Parameters
    ----------
    build : callable
        Called with the merged options; returns the new butler, over a new
        store.
    defaults : mapping, optional
        Options every butler gets unless the call overrides them.

    Notes
    -----
    Calls take ``run``, ``collections`` and the store options, which
    configure the butler's datastore (`allowed_options`).
    """

    _where = "memstore_butler_factory"
    allowed_options = BUTLER_OPTIONS


class RefFactory:
    """Builds resolved refs, resolving storage class names; ``memstore_ref`` is one.

    Parameters
    ----------
    storageClasses : `StorageClassFactory`
        Where storage class names are looked up.
    typeCache : `dict`, optional
        Dataset types already built, by name, dimensions and storage class name;
        share one between factories to build each type once.
    """

    def __init__(
        self,
        storageClasses: StorageClassFactory,
        typeCache: dict[tuple[str, frozenset[str], str], DatasetType] | None = None,
    ) -> None:
        self.storageClasses = storageClasses
        self._types = {} if typeCache is None else typeCache

    def __call__(
        self,
        datasetTypeName: str,
        dataId: Mapping[str, Any] | None = None,
        storageClass: str | StorageClass = "StructuredDataDict",
        *,
        dimensions: Iterable[str] | None = None,
        run: str = "memstore",
        id: DatasetId | None = None,
    ) -> DatasetRef:
        """Return a new resolved ref.

        Parameters
        ----------
        datasetTypeName : `str`
            The dataset type name; ``parent.component`` returns a component
            ref of the composite whose storage class is ``storageClass``.
        dataId : mapping, optional
            The data ID.
        storageClass : `str` or `StorageClass`, optional
            The (composite's) storage class, or its registered name.
        dimensions : iterable of `str`, optional
            The dataset type's dimensions; the data ID's keys by default.
        run : `str`, optional
            The run.
        id : `DatasetId`, optional
            The dataset ID; a fresh one by default.

        Raises
        ------
        KeyError
            The storage class name, or the component, is unknown.
        ValueError
            The name is invalid or the data ID lacks a dimension.
        """
        if not isinstance(storageClass, StorageClass):
            storageClass = self.storageClasses.getStorageClass(storageClass)
        data_id = DataId(dataId)
        dims = frozenset(data_id.keys() if dimensions is None else dimensions)
        parent, _, component = datasetTypeName.partition(".")
        if "." in component:
            raise ValueError(f"Dataset type name {datasetTypeName!r} is not valid")
        # Keyed by the storage class's name, whose hash a str keeps; another
        # class of the same name is told apart by the identity check below.
        key = (parent, dims, storageClass.name)
        datasetType = self._types.get(key)
        if datasetType is None or datasetType.storageClass_object is not storageClass:
            datasetType = self._types[key] = DatasetType(parent, dims, storageClass)
        ref = DatasetRef(datasetType, data_id, run, id=id)
        return ref.makeComponentRef(component) if component else ref
