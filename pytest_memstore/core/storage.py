"""Storage classes and their delegates.

The factory that names them is `.storage_factory`; reading them from a
daf_butler-style config is `.storage_config`.
"""

from __future__ import annotations

__all__ = ["StorageClass", "StorageClassDelegate", "as_config_entry", "use_as_default_names"]

import copy
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .dotted import import_dotted

if TYPE_CHECKING:
    from .storage_factory import StorageClassFactory

_TypeRef = type | str
_Converter = Callable[[Any], Any]


def _type_name(value: _TypeRef | Callable[..., Any] | None) -> str | None:
    """Return the dotted name of a type or callable, as written in configs."""
    if value is None or isinstance(value, str):
        return None if value is None else value.removeprefix("builtins.")
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", repr(value))
    if module in (None, "builtins"):
        return str(qualname)
    return f"{module}.{qualname}"


def _source_name(source: _TypeRef) -> str:
    """Return the name a converter's source type has in an object's MRO.

    A dotted name may be an alias (``io.StringIO`` is ``_io.StringIO``), so
    it is imported when it can be; one that cannot is matched as written.
    """
    if isinstance(source, str):
        try:
            found = import_dotted(source)
        except (ImportError, AttributeError):
            found = None
        if isinstance(found, type):
            source = found
    return str(_type_name(source))


class StorageClass:
    """How a kind of dataset is held in memory.

    Parameters
    ----------
    name : `str`
        The storage class name.
    pytype : `type` or `str`, optional
        The Python type, or its dotted name (imported on first use). `None`
        means any object.
    components : mapping of `str` to `StorageClass` or `str`, optional
        Components a composite is made of: each a storage class, or the
        name of one.
    derivedComponents : mapping of `str` to `StorageClass` or `str`, optional
        Read-only components computed from the composite, likewise.
    parameters : iterable of `str`, optional
        Read parameters this storage class understands.
    delegate : `type` or `str`, optional
        A `StorageClassDelegate` subclass, or its dotted name.
    converters : mapping, optional
        Source type (or dotted name) to a callable (or dotted name) that turns
        an object of that type into ``pytype``.

    Notes
    -----
    A storage class is immutable once built. Two storage classes are equal
    when their definitions (names of types, delegate, parameters, the storage
    class names of components, and converters) are equal.

    Component storage classes given by name are resolved on first use,
    through the first `StorageClassFactory` this storage class was
    registered in, then through the default storage classes; a name that
    neither knows is a `KeyError` naming it.
    """

    __slots__ = (
        "__weakref__",
        "_component_specs",
        "_components",
        "_converters",
        "_definition",
        "_delegate",
        "_delegate_instance",
        "_derivedComponents",
        "_derived_specs",
        "_factory",
        "_known_parameters",
        "_pytype",
        "_resolved_converters",
        "name",
        "parameters",
        "resolved_pytype",
    )

    name: str
    parameters: frozenset[str]

    def __init__(
        self,
        name: str,
        pytype: _TypeRef | None = None,
        *,
        components: Mapping[str, StorageClass | str] | None = None,
        derivedComponents: Mapping[str, StorageClass | str] | None = None,
        parameters: Iterable[str] = (),
        delegate: type[StorageClassDelegate] | str | None = None,
        converters: Mapping[_TypeRef, _Converter | str] | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"A storage class name must be a non-empty str; got {name!r}")
        self.name = name
        self._pytype: _TypeRef = object if pytype is None else pytype
        self.resolved_pytype = self._pytype if isinstance(self._pytype, type) else None
        """The Python type once known, else `None`: a dotted name is imported by `pytype`."""
        for label, group in (("component", components), ("derived component", derivedComponents)):
            for key, value in (group or {}).items():
                if not (isinstance(value, StorageClass) or (isinstance(value, str) and value)):
                    raise TypeError(
                        f"Storage class {name!r}: {label} {key!r} must be a StorageClass or "
                        f"the name of one; got {type(value).__name__}: {value!r:.80}"
                    )
        self._component_specs = dict(components or {})
        self._derived_specs = dict(derivedComponents or {})
        self._components: dict[str, StorageClass] | None = None
        self._derivedComponents: dict[str, StorageClass] | None = None
        self._factory: weakref.ref[StorageClassFactory] | None = None
        if isinstance(parameters, str):
            parameters = (parameters,)
        self.parameters = frozenset(parameters)
        self._delegate = delegate
        self._delegate_instance: StorageClassDelegate | None = None
        self._converters = dict(converters or {})
        self._resolved_converters: dict[str, _Converter] | None = None
        self._known_parameters: frozenset[str] | None = None
        self._definition: tuple[Any, ...] | None = None

    # -- lazily resolved parts -------------------------------------------

    @property
    def components(self) -> Mapping[str, StorageClass]:
        """The components, by name, with names resolved to storage classes.

        Raises
        ------
        KeyError
            A component names a storage class that no factory in use knows.
        """
        resolved = self._components
        if resolved is None:
            resolved = self._components = self._resolve_components(
                self._component_specs, "component"
            )
        return resolved

    @property
    def derivedComponents(self) -> Mapping[str, StorageClass]:
        """The derived components, by name, with names resolved to storage classes.

        Raises
        ------
        KeyError
            A derived component names a storage class that no factory in use
            knows.
        """
        resolved = self._derivedComponents
        if resolved is None:
            resolved = self._derivedComponents = self._resolve_components(
                self._derived_specs, "derived component"
            )
        return resolved

    def _resolve_components(
        self, specs: Mapping[str, StorageClass | str], label: str
    ) -> dict[str, StorageClass]:
        resolved = {}
        for key, value in specs.items():
            resolved[key] = value if isinstance(value, StorageClass) else self._named(
                value, f"{label} {key!r}"
            )
        return resolved

    def join_factory(self, factory: StorageClassFactory) -> None:
        """Resolve this class's component names through ``factory`` from now on.

        Only the first factory a storage class is registered in counts; a
        later one (a copy, another test's factory) changes nothing.
        """
        if self._factory is None:
            self._factory = weakref.ref(factory)

    def _named(self, name: str, role: str) -> StorageClass:
        """Resolve a storage class name used by this class."""
        factory = None if self._factory is None else self._factory()
        if factory is not None and name in factory:
            return factory.getStorageClass(name)
        defaults = _default_names
        if defaults is not None and name in defaults:
            return defaults.getStorageClass(name)
        where = "the factory it is registered in" if factory is not None else "any factory"
        raise KeyError(
            f"Storage class {self.name!r}: {role} is storage class {name!r}, which is not "
            f"registered in {where} nor a default one"
        )

    @property
    def pytype(self) -> type:
        """The Python type of datasets of this storage class.

        Raises
        ------
        ImportError
            A dotted ``pytype`` cannot be imported.
        TypeError
            A dotted ``pytype`` names something that is not a type.
        """
        resolved = self.resolved_pytype
        if resolved is None:
            resolved = self.resolved_pytype = self._resolve_type(self._pytype, "pytype")
        return resolved

    def _resolve_type(self, value: _TypeRef, what: str) -> type:
        if isinstance(value, type):
            return value
        try:
            found = import_dotted(value)
        except ImportError as err:
            raise ImportError(
                f"Storage class {self.name!r}: cannot import {what} {value!r}: {err}"
            ) from err
        if not isinstance(found, type):
            raise TypeError(
                f"Storage class {self.name!r}: {what} {value!r} is a "
                f"{type(found).__name__}, not a type"
            )
        return found

    @property
    def converters(self) -> Mapping[str, _Converter]:
        """Converters keyed by the dotted name of their source type."""
        resolved = self._resolved_converters
        if resolved is None:
            resolved = {}
            for source, func in self._converters.items():
                if isinstance(func, str):
                    try:
                        func = import_dotted(func)
                    except ImportError as err:
                        raise ImportError(
                            f"Storage class {self.name!r}: cannot import converter {func!r}: {err}"
                        ) from err
                if not callable(func):
                    raise TypeError(
                        f"Storage class {self.name!r}: converter for {source!r} is not callable"
                    )
                resolved[_source_name(source)] = func
            self._resolved_converters = resolved
        return resolved

    def delegate(self) -> StorageClassDelegate:
        """Return the delegate that handles components and parameters."""
        instance = self._delegate_instance
        if instance is None:
            cls: Any = self._delegate or StorageClassDelegate
            if isinstance(cls, str):
                cls = self._resolve_type(cls, "delegate")
            if not (isinstance(cls, type) and issubclass(cls, StorageClassDelegate)):
                raise TypeError(
                    f"Storage class {self.name!r}: delegate {cls!r} is not a StorageClassDelegate"
                )
            instance = self._delegate_instance = cls(self)
        return instance

    # -- queries ---------------------------------------------------------

    def allComponents(self) -> dict[str, StorageClass]:
        """Return the components and derived components together."""
        return {**self.components, **self.derivedComponents}

    def isComposite(self) -> bool:
        """Return whether this storage class has (non-derived) components."""
        return bool(self._component_specs)

    def knownParameters(self) -> frozenset[str]:
        """Return this class's parameters and those of its components."""
        known = self._known_parameters
        if known is None:
            collected = set(self.parameters)
            for component in self.components.values():
                collected |= component.knownParameters()
            known = self._known_parameters = frozenset(collected)
        return known

    def validateParameters(self, parameters: Iterable[str] | None = None) -> None:
        """Check that every parameter is understood.

        Raises
        ------
        KeyError
            Some parameters are not understood; the message names them all.
        """
        if not parameters:
            return
        unknown = set(parameters) - self.knownParameters()
        if unknown:
            raise KeyError(
                f"Storage class {self.name!r} does not understand parameter(s) "
                f"{sorted(unknown)}; it accepts {sorted(self.knownParameters()) or 'none'}"
            )

    def coerce_type(self, obj: Any) -> Any:
        """Return ``obj`` as ``pytype``, converting it if a converter applies.

        Raises
        ------
        TypeError
            No converter accepts the object, or the converter failed.
        """
        pytype = self.resolved_pytype or self.pytype
        if isinstance(obj, pytype):
            return obj
        converters = self.converters
        if converters:
            for cls in type(obj).__mro__:
                func = converters.get(str(_type_name(cls)))
                if func is None:
                    continue
                try:
                    return func(obj)
                except Exception as err:
                    raise TypeError(
                        f"Storage class {self.name!r}: converting a {_type_name(cls)} to "
                        f"{_type_name(pytype)} failed: {err}"
                    ) from err
        raise TypeError(
            f"Storage class {self.name!r} expects {_type_name(pytype)}, "
            f"received {_type_name(type(obj))}, and has no converter for it"
        )

    def can_convert(self, other: StorageClass) -> bool:
        """Return whether objects of ``other``'s type can become this type."""
        if other is self or other.name == self.name:
            return True
        if issubclass(other.pytype, self.pytype):
            return True
        names = {_type_name(cls) for cls in other.pytype.__mro__}
        return any(source in names for source in self.converters)

    # -- identity --------------------------------------------------------

    def definition(self) -> tuple[Any, ...]:
        """Return a hashable summary of everything that defines this class."""
        found = self._definition
        if found is None:
            found = self._definition = (
                self.name,
                _type_name(self._pytype),
                _type_name(self._delegate),
                tuple(sorted(self.parameters)),
                tuple(sorted((k, str(v)) for k, v in self._component_specs.items())),
                tuple(sorted((k, str(v)) for k, v in self._derived_specs.items())),
                tuple(
                    sorted(
                        (str(_type_name(k)), str(_type_name(v)))
                        for k, v in self._converters.items()
                    )
                ),
            )
        return found

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, StorageClass):
            return NotImplemented
        return self.name == other.name and self.definition() == other.definition()

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"StorageClass({self.name!r}, pytype={_type_name(self._pytype)!r})"

    def __str__(self) -> str:
        return self.name


class StorageClassDelegate:
    """Takes a composite apart, puts it together and applies read parameters.

    Parameters
    ----------
    storageClass : `StorageClass`
        The storage class this delegate works for.
    """

    def __init__(self, storageClass: StorageClass) -> None:
        self.storageClass = storageClass

    def can_accept(self, obj: Any) -> bool:
        """Return whether ``obj`` is, or converts to, the storage class's type."""
        sc = self.storageClass
        if isinstance(obj, sc.pytype):
            return True
        names = {_type_name(cls) for cls in type(obj).__mro__}
        return any(source in names for source in sc.converters)

    def getComponent(self, composite: Any, componentName: str) -> Any:
        """Return one component of ``composite``.

        Tried in order: mapping key, attribute, then the methods
        ``get_<name>()`` and ``get<Name>()``.

        Raises
        ------
        AttributeError
            None of those exists; the message names component and type.
        """
        if isinstance(composite, Mapping) and componentName in composite:
            return composite[componentName]
        if hasattr(composite, componentName):
            return getattr(composite, componentName)
        capitalized = componentName[:1].upper() + componentName[1:]
        for method_name in (f"get_{componentName}", f"get{capitalized}"):
            method = getattr(composite, method_name, None)
            if callable(method):
                return method()
        raise AttributeError(
            f"Storage class {self.storageClass.name!r}: cannot get component "
            f"{componentName!r} from a {_type_name(type(composite))}"
        )

    def handleParameters(
        self, inMemoryDataset: Any, parameters: Mapping[str, Any] | None = None
    ) -> Any:
        """Apply read parameters; the default handles none.

        Raises
        ------
        ValueError
            Parameters were given that this delegate does not handle.
        """
        if not parameters:
            return inMemoryDataset
        raise ValueError(
            f"Storage class {self.storageClass.name!r}: its delegate cannot apply "
            f"parameter(s) {sorted(parameters)}"
        )

    def disassemble(self, composite: Any) -> dict[str, Any]:
        """Return the non-`None` components of ``composite`` by name.

        Raises
        ------
        TypeError
            ``composite`` is not of the storage class's type.
        """
        if not isinstance(composite, self.storageClass.pytype):
            raise TypeError(
                f"Storage class {self.storageClass.name!r} cannot disassemble a "
                f"{_type_name(type(composite))}"
            )
        parts = {}
        for name in self.storageClass.components:
            try:
                value = self.getComponent(composite, name)
            except AttributeError:
                continue
            if value is not None:
                parts[name] = value
        return parts

    def assemble(self, components: Mapping[str, Any], pytype: type | None = None) -> Any:
        """Build a composite from its components.

        Raises
        ------
        ValueError
            A name is not a component of the storage class.
        """
        target = pytype or self.storageClass.pytype
        unknown = set(components) - set(self.storageClass.components)
        if unknown:
            raise ValueError(
                f"Storage class {self.storageClass.name!r} has no component(s) {sorted(unknown)}"
            )
        return target(**components)

    def copy(self, inMemoryDataset: Any) -> Any:
        """Return a deep copy, so later changes to either side stay apart."""
        return copy.deepcopy(inMemoryDataset)


def as_config_entry(storageClass: StorageClass) -> dict[str, Any]:
    """Describe a built storage class as a config entry, for ``inheritsFrom``.

    Types, delegate, converters and component storage classes stay as the
    storage class was given them (objects or dotted names), unresolved.
    """
    return {
        "pytype": storageClass._pytype,
        "delegate": storageClass._delegate,
        "parameters": tuple(storageClass.parameters),
        "components": dict(storageClass._component_specs),
        "derivedComponents": dict(storageClass._derived_specs),
        "converters": dict(storageClass._converters),
    }


_default_names: StorageClassFactory | None = None


def use_as_default_names(factory: StorageClassFactory) -> None:
    """Resolve, through ``factory``, the names no storage class's own factory knows.

    The default storage classes register themselves here when their module
    is imported, which importing any part of ``pytest_memstore.core`` does.
    """
    global _default_names
    _default_names = factory
