"""Storage classes, their delegates and the factory."""

from __future__ import annotations

import io
import json
import re
import sys
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import pytest

from pytest_memstore import (
    StorageClass,
    StorageClassDelegate,
    StorageClassFactory,
    default_storage_classes,
)
from pytest_memstore.core.defaults import SliceableListDelegate

# Things named by dotted strings below: they must live at module level.
HERE = __name__


class Base:
    pass


class Middle(Base):
    pass


class Leaf(Middle):
    pass


class Celsius(float):
    pass


def to_celsius(value: Any) -> Celsius:
    return Celsius(float(value))


class TaggingDelegate(StorageClassDelegate):
    """A delegate of our own, to see which one a storage class uses."""


class OtherDelegate(StorageClassDelegate):
    """Another delegate of our own."""


def from_parent(obj: Any) -> OrderedDict[str, str]:
    return OrderedDict(origin="parent")


def from_child(obj: Any) -> OrderedDict[str, str]:
    return OrderedDict(origin="child")


NOT_A_DELEGATE = 42


@attrs.define
class Pair:
    """A tiny composite for the delegate tests."""

    left: Any = None
    right: Any = None


@attrs.define
class OtherPair:
    left: Any = None
    right: Any = None


DICT = StorageClass("Dict", dict)
LIST = StorageClass("List", list, parameters=["slice"])
PAIR = StorageClass("Pair", Pair, components={"left": DICT, "right": LIST}, parameters=["flip"])


# -- StorageClass: pytype --------------------------------------------------------


@pytest.fixture
def lazy_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The name of a module on sys.path that nothing has imported yet."""
    name = "memstore_lazy_pytype_module"
    (tmp_path / f"{name}.py").write_text("class Thing:\n    pass\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert name not in sys.modules
    yield name
    sys.modules.pop(name, None)


def test_dotted_pytype_is_imported_on_first_use(lazy_module: str) -> None:
    storageClass = StorageClass("Lazy", f"{lazy_module}.Thing")
    assert storageClass.name == "Lazy"
    assert lazy_module not in sys.modules
    pytype = storageClass.pytype
    assert lazy_module in sys.modules
    assert pytype is sys.modules[lazy_module].Thing
    assert storageClass.pytype is pytype
    thing = pytype()
    assert storageClass.coerce_type(thing) is thing


@pytest.mark.parametrize(
    ("pytype", "expected"),
    [
        (dict, dict),
        ("collections.OrderedDict", OrderedDict),
        ("builtins.list", list),
        (f"{HERE}.Leaf", Leaf),
    ],
)
def test_pytype_given_as_type_or_dotted_name(pytype: Any, expected: type) -> None:
    assert StorageClass("S", pytype).pytype is expected


def test_no_pytype_means_any_object() -> None:
    storageClass = StorageClass("Anything")
    assert storageClass.pytype is object
    for obj in (None, 1, "x", [1], Leaf()):
        assert storageClass.coerce_type(obj) is obj


@pytest.mark.parametrize(
    "pytype", ["memstore_no_such_module.Thing", "collections.NoSuchThing", f"{HERE}.Nope"]
)
def test_unimportable_pytype_is_an_import_error_naming_the_storage_class(pytype: str) -> None:
    storageClass = StorageClass("Broken", pytype)  # nothing is imported yet
    pattern = rf"'Broken'.*{re.escape(pytype)}"
    with pytest.raises(ImportError, match=pattern):
        storageClass.pytype  # noqa: B018
    # Every use that needs the type says the same.
    with pytest.raises(ImportError, match=pattern):
        storageClass.coerce_type(object())
    with pytest.raises(ImportError, match=pattern):
        storageClass.delegate().can_accept(object())


def test_pytype_that_is_not_a_type_is_a_type_error_naming_the_storage_class() -> None:
    storageClass = StorageClass("Joiner", "os.path.join")
    with pytest.raises(TypeError, match=r"'Joiner'.*'os\.path\.join'.*not a type"):
        storageClass.pytype  # noqa: B018


def test_everything_after_pytype_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        StorageClass("S", Pair, {"left": DICT})  # type: ignore[call-arg]


def test_storage_class_name() -> None:
    assert StorageClass("Name", int).name == "Name"
    assert str(StorageClass("Name", int)) == "Name"


# -- StorageClass: components and parameters --------------------------------------


def test_components_and_derived_components() -> None:
    storageClass = StorageClass(
        "Composite",
        Pair,
        components={"left": DICT, "right": LIST},
        derivedComponents={"size": StorageClass("Int", int)},
    )
    assert dict(storageClass.components) == {"left": DICT, "right": LIST}
    assert set(storageClass.derivedComponents) == {"size"}
    assert storageClass.derivedComponents["size"].pytype is int
    assert storageClass.allComponents() == {
        "left": DICT,
        "right": LIST,
        "size": storageClass.derivedComponents["size"],
    }
    assert storageClass.isComposite()


def test_derived_components_alone_do_not_make_a_composite() -> None:
    storageClass = StorageClass("Counted", list, derivedComponents={"n": StorageClass("I", int)})
    assert not storageClass.isComposite()
    assert set(storageClass.allComponents()) == {"n"}
    plain = StorageClass("Plain", list)
    assert not plain.isComposite()
    assert plain.allComponents() == {}
    assert dict(plain.components) == {}
    assert dict(plain.derivedComponents) == {}


@pytest.mark.parametrize("group", ["components", "derivedComponents"])
@pytest.mark.parametrize("value", [3, "", None, dict])
def test_component_that_is_neither_a_storage_class_nor_a_name_is_a_type_error(
    group: str, value: object
) -> None:
    with pytest.raises(TypeError, match=r"'Bad'.*'left'.*StorageClass or the name of one"):
        StorageClass("Bad", Pair, **{group: {"left": value}})  # type: ignore[arg-type]


@pytest.mark.parametrize("group", ["components", "derivedComponents"])
def test_component_given_by_a_default_name_resolves_to_the_default(group: str) -> None:
    storageClass = StorageClass("Named", Pair, **{group: {"left": "StructuredDataDict"}})
    default = default_storage_classes().getStorageClass("StructuredDataDict")
    assert getattr(storageClass, group)["left"] is default
    assert storageClass.allComponents() == {"left": default}


def test_component_names_resolve_through_the_factory_the_class_was_registered_in() -> None:
    factory = default_storage_classes()
    rows = StorageClass("Rows", list)
    table = StorageClass("Table", dict, components={"rows": "Rows"}, derivedComponents={
        "count": "Integer"})
    factory.registerStorageClass(table)
    factory.registerStorageClass(rows)  # registered after: names resolve on first use
    assert table.components == {"rows": rows}
    assert table.derivedComponents["count"] is factory.getStorageClass("Integer")
    assert table.isComposite()


def test_an_unknown_component_name_is_a_key_error_naming_it() -> None:
    table = StorageClass("Table", dict, components={"rows": "NoSuchClass"})
    assert table.isComposite()  # known without resolving
    with pytest.raises(KeyError, match=r"'Table'.*component 'rows'.*'NoSuchClass'"):
        table.components  # noqa: B018


def test_a_component_by_name_or_by_object_is_the_same_definition() -> None:
    assert StorageClass("T", dict, components={"a": "Dict"}) == StorageClass(
        "T", dict, components={"a": DICT}
    )
    assert StorageClass("T", dict, components={"a": "List"}) != StorageClass(
        "T", dict, components={"a": DICT}
    )


def test_changing_the_given_components_mapping_does_not_change_the_class() -> None:
    components = {"left": DICT}
    storageClass = StorageClass("Composite", Pair, components=components)
    components["right"] = LIST
    assert set(storageClass.components) == {"left"}


@pytest.mark.parametrize("parameters", [["a", "b"], ("b", "a", "a"), {"a", "b"}, (p for p in "ab")])
def test_parameters_are_a_frozenset(parameters: Any) -> None:
    storageClass = StorageClass("P", list, parameters=parameters)
    assert type(storageClass.parameters) is frozenset
    assert storageClass.parameters == frozenset({"a", "b"})


def test_default_parameters_are_empty() -> None:
    assert StorageClass("P", list).parameters == frozenset()


@pytest.mark.parametrize("parameters", [None, [], (), {}, set()])
def test_no_parameters_are_always_valid(parameters: Any) -> None:
    StorageClass("P", list).validateParameters(parameters)
    LIST.validateParameters(parameters)


@pytest.mark.parametrize("parameters", [["slice"], {"slice": slice(2)}, {"slice"}])
def test_known_parameters_are_valid(parameters: Any) -> None:
    LIST.validateParameters(parameters)


def test_unknown_parameters_are_a_key_error_naming_every_one() -> None:
    with pytest.raises(KeyError, match="'List'") as excinfo:
        LIST.validateParameters({"slice": slice(1), "bogus": 1, "zzz": 2})
    message = str(excinfo.value)
    assert "'bogus'" in message
    assert "'zzz'" in message


def test_storage_class_without_parameters_rejects_any() -> None:
    with pytest.raises(KeyError, match="'slice'"):
        DICT.validateParameters(["slice"])


def test_composite_accepts_its_own_and_its_components_parameters() -> None:
    PAIR.validateParameters(["flip"])
    PAIR.validateParameters(["slice"])  # from the "right" component
    PAIR.validateParameters({"flip": True, "slice": slice(1)})
    with pytest.raises(KeyError, match="'other'"):
        PAIR.validateParameters(["flip", "slice", "other"])
    # The component itself does not learn its composite's parameters.
    with pytest.raises(KeyError, match="'flip'"):
        LIST.validateParameters(["flip"])


def test_composite_accepts_parameters_of_nested_components() -> None:
    outer = StorageClass("Outer", dict, components={"pair": PAIR})
    outer.validateParameters(["flip", "slice"])


# -- StorageClass: delegate --------------------------------------------------------


def test_default_delegate() -> None:
    delegate = LIST.delegate()
    assert type(delegate) is StorageClassDelegate
    assert delegate.storageClass is LIST


@pytest.mark.parametrize("delegate", [TaggingDelegate, f"{HERE}.TaggingDelegate"])
def test_delegate_given_as_class_or_dotted_name(delegate: Any) -> None:
    storageClass = StorageClass("Tagged", list, delegate=delegate)
    instance = storageClass.delegate()
    assert type(instance) is TaggingDelegate
    assert instance.storageClass is storageClass


def test_unimportable_delegate_is_an_import_error_naming_the_storage_class() -> None:
    storageClass = StorageClass("Tagged", list, delegate=f"{HERE}.NoSuchDelegate")
    with pytest.raises(ImportError, match=r"'Tagged'.*NoSuchDelegate"):
        storageClass.delegate()


@pytest.mark.parametrize("delegate", [f"{HERE}.Leaf", f"{HERE}.NOT_A_DELEGATE"])
def test_delegate_that_is_not_a_delegate_class_is_a_type_error(delegate: str) -> None:
    storageClass = StorageClass("Tagged", list, delegate=delegate)
    with pytest.raises(TypeError, match="'Tagged'"):
        storageClass.delegate()


# -- StorageClass: coerce_type, converters, can_convert ------------------------------


def test_coerce_type_returns_an_object_of_pytype_unchanged() -> None:
    # A converter for the type itself would change it, were it called.
    storageClass = StorageClass("Dict", dict, converters={dict: lambda d: {"converted": d}})
    obj = {"a": 1}
    assert storageClass.coerce_type(obj) is obj
    ordered = OrderedDict(a=1)  # a subclass is already a dict
    assert storageClass.coerce_type(ordered) is ordered


@pytest.mark.parametrize(
    ("source", "converter"),
    [
        (int, to_celsius),
        ("builtins.int", to_celsius),
        ("int", to_celsius),
        (int, f"{HERE}.to_celsius"),
        ("builtins.int", f"{HERE}.to_celsius"),
    ],
)
def test_converter_source_and_function_as_type_callable_or_dotted_name(
    source: Any, converter: Any
) -> None:
    storageClass = StorageClass("Temperature", Celsius, converters={source: converter})
    converted = storageClass.coerce_type(21)
    assert type(converted) is Celsius
    assert converted == 21.0


@pytest.mark.parametrize(
    ("source", "obj"),
    [
        ("fractions.Fraction", Fraction(3, 4)),
        ("collections.OrderedDict", OrderedDict(a=1)),
        # The public name of a type whose __module__ says otherwise (_io).
        ("io.StringIO", io.StringIO("text")),
        (io.StringIO, io.StringIO("text")),
    ],
)
def test_dotted_converter_source_names_the_type(source: str, obj: Any) -> None:
    storageClass = StorageClass("Text", str, converters={source: lambda o: f"converted {o!r}"})
    assert storageClass.coerce_type(obj).startswith("converted")
    assert storageClass.delegate().can_accept(obj)


def test_first_converter_in_the_mro_wins() -> None:
    # Listed base first, so dict order would pick the wrong one.
    storageClass = StorageClass(
        "Label",
        str,
        converters={object: lambda o: "object", Base: lambda o: "base", Middle: "builtins.repr"},
    )
    leaf = Leaf()
    assert storageClass.coerce_type(leaf) == repr(leaf)
    assert storageClass.coerce_type(Middle()).startswith("<")
    assert storageClass.coerce_type(Base()) == "base"
    assert storageClass.coerce_type(3) == "object"


def test_first_converter_in_the_mro_wins_with_dotted_names() -> None:
    storageClass = StorageClass(
        "Label",
        str,
        converters={f"{HERE}.Base": lambda o: "base", f"{HERE}.Middle": lambda o: "middle"},
    )
    assert storageClass.coerce_type(Leaf()) == "middle"
    assert storageClass.coerce_type(Base()) == "base"


def test_coerce_type_without_a_converter_is_a_type_error_naming_everything() -> None:
    storageClass = StorageClass("Temperature", Celsius, converters={int: to_celsius})
    with pytest.raises(TypeError) as excinfo:
        storageClass.coerce_type("hot")
    message = str(excinfo.value)
    assert "'Temperature'" in message
    assert f"{HERE}.Celsius" in message
    assert "str" in message
    with pytest.raises(TypeError, match=r"'Tally'.*expects int.*received list"):
        StorageClass("Tally", int).coerce_type([1])


def test_failing_converter_is_a_type_error_naming_the_storage_class() -> None:
    storageClass = StorageClass("Temperature", Celsius, converters={str: to_celsius})
    with pytest.raises(TypeError, match=r"'Temperature'.*could not convert"):
        storageClass.coerce_type("hot")


def test_unimportable_converter_is_an_import_error_naming_the_storage_class() -> None:
    storageClass = StorageClass("Temperature", Celsius, converters={int: f"{HERE}.nope"})
    assert storageClass.coerce_type(Celsius(1)) == 1.0  # not needed, not imported
    with pytest.raises(ImportError, match=r"'Temperature'.*nope"):
        storageClass.coerce_type(1)


def test_converter_that_is_not_callable_is_a_type_error() -> None:
    storageClass = StorageClass("Temperature", Celsius, converters={int: f"{HERE}.HERE"})
    with pytest.raises(TypeError, match=r"'Temperature'.*not callable"):
        storageClass.coerce_type(1)


def test_can_convert() -> None:
    plain = StorageClass("Plain", dict)
    ordered = StorageClass("Ordered", OrderedDict)
    pairs = StorageClass("Pairs", list)
    from_pairs = StorageClass("FromPairs", dict, converters={list: dict})
    from_object = StorageClass("FromObject", str, converters={"builtins.object": str})
    assert plain.can_convert(plain)
    assert plain.can_convert(StorageClass("Plain", list))  # same name
    assert plain.can_convert(ordered)  # a subclass of its pytype
    assert not ordered.can_convert(plain)
    assert not plain.can_convert(pairs)
    assert from_pairs.can_convert(pairs)  # a converter
    assert not pairs.can_convert(from_pairs)
    assert from_object.can_convert(pairs)  # a converter for a type in the MRO
    assert StorageClass("Any").can_convert(pairs)


def test_storage_classes_compare_by_definition() -> None:
    assert StorageClass("D", dict) == StorageClass("D", "builtins.dict")
    assert StorageClass("D", dict) != StorageClass("D", list)
    assert StorageClass("D", dict) != StorageClass("E", dict)
    assert StorageClass("D", dict) != StorageClass("D", dict, parameters=["p"])
    assert StorageClass("D", dict) != StorageClass("D", dict, delegate=TaggingDelegate)
    assert StorageClass("D", dict) != StorageClass("D", dict, converters={list: dict})
    assert StorageClass("D", dict) != StorageClass("D", dict, components={"a": DICT})
    assert hash(StorageClass("D", dict)) == hash(StorageClass("D", "builtins.dict"))


# -- StorageClassDelegate ------------------------------------------------------------


class KeyAndAttribute(dict[str, Any]):
    left = "attribute"


class AttributeAndGetters:
    left = "attribute"

    def get_left(self) -> str:
        return "get_left"

    def getLeft(self) -> str:
        return "getLeft"


class BothGetters:
    def get_left(self) -> str:
        return "get_left"

    def getLeft(self) -> str:
        return "getLeft"


class CamelGetter:
    def getLeft(self) -> str:
        return "getLeft"

    def getVisitInfo(self) -> str:
        return "getVisitInfo"


class NoneAttribute:
    left = None

    def get_left(self) -> str:
        return "get_left"


@pytest.mark.parametrize(
    ("composite", "name", "expected"),
    [
        ({"left": "key"}, "left", "key"),
        (KeyAndAttribute(left="key"), "left", "key"),
        (KeyAndAttribute(), "left", "attribute"),
        (Pair(left="attribute"), "left", "attribute"),
        (AttributeAndGetters(), "left", "attribute"),
        (BothGetters(), "left", "get_left"),
        (CamelGetter(), "left", "getLeft"),
        (CamelGetter(), "visitInfo", "getVisitInfo"),
        (NoneAttribute(), "left", None),
    ],
    ids=[
        "key",
        "key-before-attribute",
        "attribute-when-key-missing",
        "attribute",
        "attribute-before-getters",
        "get_name-before-getName",
        "getName",
        "getName-capitalizes-only-the-first-letter",
        "none-attribute",
    ],
)
def test_get_component_lookup_order(composite: Any, name: str, expected: Any) -> None:
    assert PAIR.delegate().getComponent(composite, name) == expected


def test_get_component_that_cannot_be_found_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"'middle'.*Pair"):
        PAIR.delegate().getComponent(Pair(), "middle")
    with pytest.raises(AttributeError, match=r"'missing'.*dict"):
        PAIR.delegate().getComponent({"left": 1}, "missing")


@pytest.mark.parametrize("parameters", [None, {}])
def test_default_handle_parameters_without_parameters_is_unchanged(parameters: Any) -> None:
    obj = [1, 2, 3]
    assert LIST.delegate().handleParameters(obj, parameters) is obj
    assert LIST.delegate().handleParameters(obj) is obj


def test_default_handle_parameters_with_parameters_is_a_value_error() -> None:
    obj = [1, 2, 3]
    with pytest.raises(ValueError, match=r"'List'.*'slice'"):
        LIST.delegate().handleParameters(obj, {"slice": slice(1)})
    assert obj == [1, 2, 3]


def test_assemble_and_disassemble_round_trip() -> None:
    delegate = PAIR.delegate()
    composite = Pair(left={"a": 1}, right=[1, 2])
    parts = delegate.disassemble(composite)
    assert parts == {"left": {"a": 1}, "right": [1, 2]}
    assert delegate.assemble(parts) == composite
    assert type(delegate.assemble(parts)) is Pair


def test_disassemble_leaves_out_none_components() -> None:
    assert PAIR.delegate().disassemble(Pair(left={"a": 1})) == {"left": {"a": 1}}


def test_disassemble_something_else_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"'Pair'.*OtherPair"):
        PAIR.delegate().disassemble(OtherPair())


def test_assemble_with_another_pytype() -> None:
    assembled = PAIR.delegate().assemble({"left": {}, "right": []}, pytype=OtherPair)
    assert assembled == OtherPair(left={}, right=[])


def test_assemble_unknown_component_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"'Pair'.*'middle'"):
        PAIR.delegate().assemble({"left": {}, "middle": 1})


def test_can_accept() -> None:
    delegate = StorageClass("Temperature", Celsius, converters={int: to_celsius}).delegate()
    assert delegate.can_accept(Celsius(1.0))
    assert delegate.can_accept(3)
    assert delegate.can_accept(True)  # a bool is an int
    assert not delegate.can_accept(1.5)
    assert not delegate.can_accept("3")


def test_copy_is_deep() -> None:
    original = Pair(left={"nested": [1, 2]}, right=[[1], [2]])
    copied = PAIR.delegate().copy(original)
    assert copied == original
    assert copied is not original
    copied.left["nested"].append(3)
    copied.right[0].append(9)
    assert original == Pair(left={"nested": [1, 2]}, right=[[1], [2]])


# -- StorageClassFactory -------------------------------------------------------------


@pytest.fixture
def factory() -> StorageClassFactory:
    factory = StorageClassFactory()
    factory.registerStorageClass(DICT)
    factory.registerStorageClass(LIST)
    return factory


def test_register_and_get(factory: StorageClassFactory) -> None:
    assert factory.getStorageClass("Dict") is DICT
    assert factory.getStorageClass("List") is LIST


def test_registering_the_same_definition_twice_is_fine(factory: StorageClassFactory) -> None:
    factory.registerStorageClass(DICT)
    factory.registerStorageClass(StorageClass("Dict", "builtins.dict"))
    assert list(factory) == ["Dict", "List"]
    assert factory.getStorageClass("Dict") is DICT  # the first one is kept


def test_registering_another_definition_under_a_taken_name_is_a_value_error(
    factory: StorageClassFactory,
) -> None:
    with pytest.raises(ValueError, match="'Dict'"):
        factory.registerStorageClass(StorageClass("Dict", list))
    assert factory.getStorageClass("Dict") is DICT


def test_registering_something_else_is_a_type_error(factory: StorageClassFactory) -> None:
    with pytest.raises(TypeError, match="str"):
        factory.registerStorageClass("Dict")  # type: ignore[arg-type]


def test_get_unknown_storage_class_is_a_key_error_listing_known_names(
    factory: StorageClassFactory,
) -> None:
    with pytest.raises(KeyError, match=r"'Nope'.*\['Dict', 'List'\]"):
        factory.getStorageClass("Nope")


def test_contains(factory: StorageClassFactory) -> None:
    assert "Dict" in factory
    assert "Nope" not in factory
    assert DICT in factory
    assert StorageClass("Dict", "builtins.dict") in factory
    assert StorageClass("Dict", list) not in factory
    assert StorageClass("Nope", dict) not in factory


def test_iter_gives_the_names(factory: StorageClassFactory) -> None:
    assert list(factory) == ["Dict", "List"]
    assert list(StorageClassFactory()) == []


def test_copy_is_independent(factory: StorageClassFactory) -> None:
    copied = factory.copy()
    assert list(copied) == ["Dict", "List"]
    copied.registerStorageClass(PAIR)
    assert "Pair" in copied
    assert "Pair" not in factory
    factory.registerStorageClass(StorageClass("Extra", int))
    assert "Extra" not in copied
    # Each may then take a different definition under the same name.
    copied.registerStorageClass(StorageClass("Extra", str))
    assert factory.getStorageClass("Extra").pytype is int
    assert copied.getStorageClass("Extra").pytype is str


# -- StorageClassFactory.addFromConfig ------------------------------------------------

CONFIG: dict[str, Any] = {
    "storageClasses": {
        # Refers to classes defined later in the same config and to known ones.
        "Bundle": {
            "pytype": f"{HERE}.Pair",
            "delegate": f"{HERE}.TaggingDelegate",
            "parameters": ["flip"],
            "components": {"left": "Counts", "right": "List"},
            "derivedComponents": {"size": "Int"},
            "converters": {"builtins.tuple": f"{HERE}.from_parent"},
        },
        "Counts": {"pytype": "collections.OrderedDict", "parameters": ["top"]},
        "Int": {"pytype": "builtins.int"},
    }
}


def check_config_classes(factory: StorageClassFactory) -> None:
    bundle = factory.getStorageClass("Bundle")
    assert bundle.pytype is Pair
    assert type(bundle.delegate()) is TaggingDelegate
    assert bundle.parameters == {"flip"}
    assert bundle.components == {
        "left": factory.getStorageClass("Counts"),
        "right": LIST,
    }
    assert bundle.components["right"] is LIST
    assert bundle.derivedComponents == {"size": factory.getStorageClass("Int")}
    assert bundle.coerce_type((1, 2)) == {"origin": "parent"}
    bundle.validateParameters(["flip", "top", "slice"])
    assert factory.getStorageClass("Counts").pytype is OrderedDict
    assert factory.getStorageClass("Int").pytype is int
    assert set(factory) == {"Dict", "List", "Bundle", "Counts", "Int"}


def test_add_from_config_mapping(factory: StorageClassFactory) -> None:
    factory.addFromConfig(CONFIG)
    check_config_classes(factory)


def test_add_from_config_mapping_without_top_level_key(factory: StorageClassFactory) -> None:
    factory.addFromConfig(CONFIG["storageClasses"])
    check_config_classes(factory)


@pytest.mark.parametrize("as_str", [True, False], ids=["str-path", "pathlib-path"])
def test_add_from_json_file(factory: StorageClassFactory, tmp_path: Path, as_str: bool) -> None:
    path = tmp_path / "storageClasses.json"
    path.write_text(json.dumps(CONFIG), encoding="utf-8")
    factory.addFromConfig(str(path) if as_str else path)
    check_config_classes(factory)


YAML_CONFIG = f"""\
storageClasses:
  Bundle:
    pytype: {HERE}.Pair
    delegate: {HERE}.TaggingDelegate
    parameters:
      - flip
    components:
      left: Counts
      right: List
    derivedComponents:
      size: Int
    converters:
      builtins.tuple: {HERE}.from_parent
  Counts:
    pytype: collections.OrderedDict
    parameters: [top]
  Int:
    pytype: builtins.int
"""


@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
def test_add_from_yaml_file(factory: StorageClassFactory, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"storageClasses{suffix}"
    path.write_text(YAML_CONFIG, encoding="utf-8")
    factory.addFromConfig(path)
    check_config_classes(factory)


def test_yaml_file_without_pyyaml_is_a_clear_error(
    factory: StorageClassFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "storageClasses.yaml"
    path.write_text(YAML_CONFIG, encoding="utf-8")
    monkeypatch.setitem(sys.modules, "yaml", None)  # makes ``import yaml`` fail
    with pytest.raises(ImportError, match=r"storageClasses\.yaml.*PyYAML.*json"):
        factory.addFromConfig(path)
    assert list(factory) == ["Dict", "List"]


def test_config_file_of_another_kind_is_a_value_error(
    factory: StorageClassFactory, tmp_path: Path
) -> None:
    path = tmp_path / "storageClasses.toml"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match=r"storageClasses\.toml.*\.json.*\.yaml"):
        factory.addFromConfig(path)


def test_config_with_an_unknown_key_is_a_value_error(factory: StorageClassFactory) -> None:
    with pytest.raises(ValueError, match=r"'Odd'.*'pytipe'"):
        factory.addFromConfig({"Odd": {"pytipe": "builtins.int"}})
    assert "Odd" not in factory


def test_config_repeating_a_registered_definition_is_fine(factory: StorageClassFactory) -> None:
    factory.addFromConfig({"storageClasses": {"Dict": {"pytype": "builtins.dict"}}})
    assert factory.getStorageClass("Dict") is DICT


# -- inheritsFrom ---------------------------------------------------------------------

PARENT = {
    "pytype": "builtins.dict",
    "delegate": f"{HERE}.TaggingDelegate",
    "parameters": ["a", "shared"],
    "components": {"x": "Dict", "clash": "Dict"},
    "derivedComponents": {"n": "Int", "dclash": "Int"},
    "converters": {"builtins.list": f"{HERE}.from_parent", "builtins.tuple": f"{HERE}.from_parent"},
}


@pytest.fixture
def inherited(factory: StorageClassFactory) -> StorageClassFactory:
    factory.addFromConfig(
        {
            "storageClasses": {
                # Children first: a parent may come later in the config.
                "Same": {"inheritsFrom": "Parent"},
                "Child": {
                    "inheritsFrom": "Parent",
                    "pytype": "collections.OrderedDict",
                    "delegate": f"{HERE}.OtherDelegate",
                    "parameters": ["b", "shared"],
                    "components": {"y": "List", "clash": "List"},
                    "derivedComponents": {"m": "Float", "dclash": "Float"},
                    "converters": {"builtins.tuple": f"{HERE}.from_child"},
                },
                "OwnPytype": {"inheritsFrom": "Parent", "pytype": "collections.OrderedDict"},
                "OwnDelegate": {"inheritsFrom": "Parent", "delegate": f"{HERE}.OtherDelegate"},
                "Grandchild": {"inheritsFrom": "Child", "parameters": ["c"]},
                "Parent": PARENT,
                "Int": {"pytype": "builtins.int"},
                "Float": {"pytype": "builtins.float"},
            }
        }
    )
    return factory


def test_child_naming_nothing_takes_everything_from_its_parent(
    inherited: StorageClassFactory,
) -> None:
    same = inherited.getStorageClass("Same")
    parent = inherited.getStorageClass("Parent")
    assert same.pytype is dict
    assert type(same.delegate()) is TaggingDelegate
    assert same.parameters == parent.parameters == {"a", "shared"}
    assert same.components == parent.components
    assert same.derivedComponents == parent.derivedComponents
    assert same.coerce_type([1]) == {"origin": "parent"}
    assert same.coerce_type((1,)) == {"origin": "parent"}


def test_child_keeps_its_own_pytype_and_delegate(inherited: StorageClassFactory) -> None:
    own_pytype = inherited.getStorageClass("OwnPytype")
    assert own_pytype.pytype is OrderedDict
    assert type(own_pytype.delegate()) is TaggingDelegate
    own_delegate = inherited.getStorageClass("OwnDelegate")
    assert own_delegate.pytype is dict
    assert type(own_delegate.delegate()) is OtherDelegate
    child = inherited.getStorageClass("Child")
    assert child.pytype is OrderedDict
    assert type(child.delegate()) is OtherDelegate


def test_child_takes_the_union_and_wins_on_a_clash(inherited: StorageClassFactory) -> None:
    child = inherited.getStorageClass("Child")
    dict_, list_ = inherited.getStorageClass("Dict"), inherited.getStorageClass("List")
    int_, float_ = inherited.getStorageClass("Int"), inherited.getStorageClass("Float")
    assert child.parameters == {"a", "b", "shared"}
    assert child.components == {"x": dict_, "y": list_, "clash": list_}
    assert child.derivedComponents == {"n": int_, "m": float_, "dclash": float_}
    assert child.coerce_type([1]) == {"origin": "parent"}  # inherited converter
    assert child.coerce_type((1,)) == {"origin": "child"}  # the child's wins
    # Inheriting changes nothing in the parent.
    parent = inherited.getStorageClass("Parent")
    assert parent.parameters == {"a", "shared"}
    assert set(parent.components) == {"x", "clash"}
    assert parent.components["clash"] == dict_
    assert parent.coerce_type((1,)) == {"origin": "parent"}


def test_inheritance_is_transitive(inherited: StorageClassFactory) -> None:
    grandchild = inherited.getStorageClass("Grandchild")
    assert grandchild.pytype is OrderedDict
    assert type(grandchild.delegate()) is OtherDelegate
    assert grandchild.parameters == {"a", "b", "c", "shared"}
    assert set(grandchild.components) == {"x", "y", "clash"}
    assert set(grandchild.derivedComponents) == {"n", "m", "dclash"}
    assert grandchild.coerce_type((1,)) == {"origin": "child"}


def test_inherit_from_a_registered_storage_class() -> None:
    factory = default_storage_classes()
    factory.addFromConfig(
        {"StepList": {"inheritsFrom": "SliceableList", "parameters": ["step"]}}
    )
    stepped = factory.getStorageClass("StepList")
    assert stepped.pytype is list
    assert type(stepped.delegate()) is SliceableListDelegate
    assert stepped.parameters == {"slice", "step"}
    assert set(stepped.derivedComponents) == {"counter"}
    assert stepped.coerce_type((1, 2)) == [1, 2]  # SliceableList's converter


def test_child_converter_given_by_name_wins_over_parent_converter_given_by_type() -> None:
    factory = StorageClassFactory()
    factory.registerStorageClass(
        StorageClass("Parent", OrderedDict, converters={tuple: from_parent})
    )
    child = {"inheritsFrom": "Parent", "converters": {"builtins.tuple": f"{HERE}.from_child"}}
    factory.addFromConfig({"Child": child})
    assert factory.getStorageClass("Child").coerce_type((1,)) == {"origin": "child"}


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (
            {"Good": {"pytype": "builtins.int"}, "Bad": {"components": {"x": "Nope"}}},
            r"'Bad'.*'Nope'",
        ),
        (
            {"Good": {"pytype": "builtins.int"}, "Bad": {"derivedComponents": {"x": "Nope"}}},
            r"'Bad'.*'Nope'",
        ),
        ({"Good": {"pytype": "builtins.int"}, "Bad": {"inheritsFrom": "Nope"}}, r"'Bad'.*'Nope'"),
        (
            {
                "Good": {"pytype": "builtins.int"},
                "A": {"inheritsFrom": "B"},
                "B": {"inheritsFrom": "A"},
            },
            r"'[AB]'.*cycle",
        ),
        ({"Good": {"pytype": "builtins.int"}, "A": {"inheritsFrom": "A"}}, r"'A'.*cycle"),
        (
            {
                "Good": {"pytype": "builtins.int"},
                "A": {"components": {"b": "B"}},
                "B": {"components": {"a": "A"}},
            },
            r"'[AB]'.*cycle",
        ),
        ({"Good": {"pytype": "builtins.int"}, "A": {"components": {"a": "A"}}}, r"'A'.*cycle"),
        ({"Good": {"pytype": "builtins.int"}, "Dict": {"pytype": "builtins.list"}}, r"'Dict'"),
    ],
    ids=[
        "unknown-component",
        "unknown-derived-component",
        "unknown-parent",
        "inheritance-cycle",
        "inherits-from-itself",
        "component-cycle",
        "own-component",
        "redefines-a-registered-name",
    ],
)
def test_bad_config_is_a_value_error_and_registers_nothing(
    factory: StorageClassFactory, entries: Mapping[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        factory.addFromConfig({"storageClasses": entries})
    assert list(factory) == ["Dict", "List"]
    assert factory.getStorageClass("Dict") is DICT
    assert "Good" not in factory
