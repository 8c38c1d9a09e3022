"""first_difference: where two values first differ, and what each holds there."""

from __future__ import annotations

import copy
import dataclasses
from collections import OrderedDict
from typing import Any

import attrs
import pytest

from pytest_memstore import ExampleMetrics
from pytest_memstore.assertions import MISSING, Difference, first_difference
from pytest_memstore.core.difference import cut_to_width, safe_repr, set_repr


def long_lists(at: int, got: Any = 7, expected: Any = 8) -> tuple[list[Any], list[Any]]:
    """Two lists of 100,000 items that differ only at index ``at``."""
    left, right = list(range(100_000)), list(range(100_000))
    left[at], right[at] = got, expected
    return left, right


def test_a_list_of_100000_items_differing_at_50000() -> None:
    got, expected = long_lists(50_000)
    difference = first_difference(got, expected)
    assert difference == Difference("[50000]", 7, 8)
    assert difference.describe() == "got 7, expected 8"


@pytest.mark.parametrize("at", [0, 1023, 1024, 1025, 99_999])
def test_the_index_is_exact_at_block_edges(at: int) -> None:
    assert first_difference(*long_lists(at)) == Difference(f"[{at}]", 7, 8)


def test_a_tuple_is_looked_into_by_index() -> None:
    assert first_difference((1, 2, 3), (1, 5, 3)) == Difference("[1]", 2, 5)


def test_a_shorter_got_names_the_first_missing_item() -> None:
    difference = first_difference([1, 2], [1, 2, 3, 4])
    assert difference == Difference("[2]", MISSING, 3, kind="length", lengths=(2, 4))
    assert difference.describe() == "got has no item (length 2), expected 3 (length 4)"


def test_a_longer_got_names_the_first_extra_item() -> None:
    got = list(range(100_000))
    difference = first_difference(got, got[:50_000])
    assert difference is not None
    assert difference.path == "[50000]"
    assert difference.describe() == "got 50000 (length 100000), expected has no item (length 50000)"


def test_a_nested_path_through_lists_and_mappings() -> None:
    got = [{"rows": [index]} for index in range(5)]
    expected = [{"rows": [index]} for index in range(5)]
    got[3]["rows"] = list(range(100_000))
    expected[3]["rows"] = list(range(100_000))
    got[3]["rows"][50_000] = 7
    expected[3]["rows"][50_000] = 8
    difference = first_difference(got, expected)
    assert difference == Difference("[3]['rows'][50000]", 7, 8)
    assert difference.where == "[3]['rows'][50000]"


def test_a_key_only_in_expected() -> None:
    difference = first_difference({"a": 1}, {"a": 1, "b": 2})
    assert difference == Difference("['b']", MISSING, 2, kind="key")
    assert difference.describe() == "got has no such key, expected 2"


def test_a_key_only_in_got() -> None:
    difference = first_difference({"a": 1, 3: [4]}, {"a": 1})
    assert difference == Difference("[3]", [4], MISSING, kind="key")
    assert difference.describe() == "got [4], expected has no such key"


def test_key_order_does_not_make_mappings_differ() -> None:
    assert first_difference({"a": 1, "b": [2]}, {"b": [2], "a": 1}) is None
    assert first_difference(OrderedDict(a=1, b=2), {"b": 2, "a": 1}) is None
    assert first_difference({"b": 2, "a": 1}, {"a": 1, "b": 3}) == Difference("['b']", 2, 3)


def test_mappings_of_related_types_are_looked_into() -> None:
    assert first_difference(OrderedDict(a=1), {"a": 2}) == Difference("['a']", 1, 2)


def test_example_metrics_by_field() -> None:
    got = ExampleMetrics(summary={"AM1": 5.2}, output={"a": [1, 2]}, data=list(range(10)))
    expected = ExampleMetrics(summary={"AM1": 5.2}, output={"a": [1, 2]}, data=list(range(10)))
    expected.data[7] = 70  # type: ignore[index]
    assert first_difference(got, expected) == Difference(".data[7]", 7, 70)
    expected.output = {"a": [1, 3]}
    assert first_difference(got, expected) == Difference(".output['a'][1]", 2, 3)


@attrs.define
class Frame:
    name: str
    pixels: list[int]
    cache: dict[str, Any] = attrs.field(factory=dict, eq=False)
    label: str = attrs.field(default="", eq=str.lower)


def test_attrs_fields_outside_equality_are_skipped() -> None:
    assert first_difference(Frame("a", [1], {"x": 1}), Frame("a", [1], {"y": 2})) is None
    assert first_difference(Frame("a", [1], label="Sky"), Frame("a", [1], label="SKY")) is None
    difference = first_difference(Frame("a", [1, 2]), Frame("a", [1, 3]))
    assert difference == Difference(".pixels[1]", 2, 3)


def test_an_attrs_field_compared_by_key_is_reported_whole() -> None:
    assert first_difference(Frame("a", [1], label="sky"), Frame("a", [1], label="sea")) == (
        Difference(".label", "sky", "sea")
    )


@dataclasses.dataclass
class Exposure:
    visit: int
    rows: list[list[float]]
    note: str = dataclasses.field(default="", compare=False)


def test_a_dataclass_by_field() -> None:
    got = Exposure(1, [[0.0, 1.0], [2.0, 3.0]], note="x")
    expected = Exposure(1, [[0.0, 1.0], [2.0, 3.5]], note="y")
    assert first_difference(got, expected) == Difference(".rows[1][1]", 3.0, 3.5)
    assert first_difference(Exposure(1, [], "x"), Exposure(1, [], "y")) is None


def test_sets_by_the_elements_on_one_side_only() -> None:
    difference = first_difference({1, 2, 3}, {2, 3, 4, 5})
    assert difference == Difference("", frozenset({1}), frozenset({4, 5}), kind="set")
    assert difference.where == "the top level"
    assert difference.describe() == "only got has {1}; only expected has {4, 5}"
    one_sided = first_difference({"tags": frozenset({"a"})}, {"tags": {"a", "b"}})
    assert one_sided == Difference("['tags']", frozenset(), frozenset({"b"}), kind="set")
    assert one_sided.describe() == "only expected has {'b'}"


def test_a_set_and_a_frozenset_with_the_same_elements_are_equal() -> None:
    assert first_difference({1, 2}, frozenset({2, 1})) is None


def test_types_that_differ_are_named() -> None:
    difference = first_difference([1, 2], (1, 2))
    assert difference == Difference("", [1, 2], (1, 2))
    assert difference.describe() == "got [1, 2] (list), expected (1, 2) (tuple)"
    nested = first_difference({"a": [1, "2"]}, {"a": [1, 2]})
    assert nested == Difference("['a'][1]", "2", 2)
    assert nested.describe() == "got '2' (str), expected 2 (int)"


def test_values_of_different_types_that_compare_equal_do_not_differ() -> None:
    assert first_difference([1, 2.0, True], [1.0, 2, 1]) is None


def test_strings_and_bytes_are_compared_whole() -> None:
    assert first_difference(["abc"], ["abd"]) == Difference("[0]", "abc", "abd")
    assert first_difference(b"abc", b"abd") == Difference("", b"abc", b"abd")


@pytest.mark.parametrize(
    "value",
    [
        0,
        "text",
        [1, [2, {"a": (3, 4)}]],
        {"a": {1, 2}, "b": None},
        ExampleMetrics(summary={"AM1": 5.2}, data=[1, 2]),
        Exposure(2, [[1.0]]),
        list(range(100_000)),
    ],
)
def test_equal_values_have_no_difference(value: Any) -> None:
    same = copy.deepcopy(value)
    assert same is not value or isinstance(value, (int, str))
    assert first_difference(value, same) is None


class Unorderable:
    def __eq__(self, other: object) -> bool:
        raise TypeError("cannot compare")

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "Unorderable()"


def test_a_comparison_that_raises_counts_as_a_difference() -> None:
    odd = Unorderable()
    difference = first_difference([1, odd], [1, Unorderable()])
    assert difference is not None
    assert difference.path == "[1]"
    assert difference.got is odd


def test_a_cycle_stops_the_search() -> None:
    got: list[Any] = [1]
    got.append(got)
    expected: list[Any] = [1]
    expected.append(expected)
    difference = first_difference(got, expected)
    assert difference is not None
    assert difference.note == "it contains itself: not looked into"
    assert "it contains itself" in difference.describe(80)


def test_deep_nesting_stops_the_search() -> None:
    got: list[Any] = [1]
    expected: list[Any] = [2]
    for _ in range(300):
        got, expected = [got], [expected]
    difference = first_difference(got, expected)
    assert difference is not None
    assert difference.path == "[0]" * 100
    assert difference.note == "nested deeper than 100 levels: not looked into"


class Counted:
    """An item that counts the comparisons it takes part in."""

    compared = 0

    def __init__(self, value: int) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        Counted.compared += 1
        return isinstance(other, Counted) and other.value == self.value

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]


def test_only_the_branch_that_differs_is_looked_into() -> None:
    got = [[Counted(i) for i in range(100)] for _ in range(100)]
    expected = [[Counted(i) for i in range(100)] for _ in range(100)]
    expected[60][40] = Counted(-1)
    Counted.compared = 0
    difference = first_difference(got, expected)
    assert difference is not None
    assert difference.path == "[60][40]"
    # One == of the two values compares 6,041 items; the search at most three times that.
    assert Counted.compared <= 3 * 6_041


def test_describe_cuts_each_value_to_the_width() -> None:
    got, expected = ["x" * 500], ["y" * 500]
    difference = first_difference({"k": got}, {"k": expected})
    assert difference is not None
    assert difference.describe() == f"got {'x' * 500!r}, expected {'y' * 500!r}"
    assert difference.describe(20) == f"got {('x' * 500)!r:.17}..., expected {('y' * 500)!r:.17}..."


class BrokenRepr:
    def __repr__(self) -> str:
        raise ValueError("no repr")


def test_safe_repr_names_the_type_when_repr_raises() -> None:
    assert safe_repr([1, "a"]) == "[1, 'a']"
    assert safe_repr(BrokenRepr()) == "<BrokenRepr: repr raised ValueError>"


def test_cut_to_width_keeps_short_text_and_ends_cut_text_in_dots() -> None:
    assert cut_to_width("abcdef", None) == "abcdef"
    assert cut_to_width("abcdef", 6) == "abcdef"
    assert cut_to_width("abcdefg", 6) == "abc..."


def test_set_repr_is_sorted_even_when_the_elements_do_not_compare() -> None:
    assert set_repr(frozenset({3, 1, 2}), None) == "{1, 2, 3}"
    assert set_repr(frozenset({"b", 1}), None) == "{'b', 1}"  # by repr: "'b'" < "1"
    assert set_repr(frozenset(range(100)), 12) == "{0, 1, 2,..."
