"""The queries of a daf_butler-mode butler: daf_butler's query system over memory.

``butler.query()`` is daf_butler's `~lsst.daf.butler.queries.Query` over a
`MemoryQueryDriver`. ``query_data_ids``, ``query_dimension_records`` and
``query_datasets`` do what daf_butler's ``Butler`` methods of those names do
with it: a query, its ``where`` (a data ID, keywords, a string parsed by
daf_butler: record fields such as ``visit.day_obs``, range literals, bind
values, ``OVERLAPS``, ``glob``), ``order_by``, ``limit`` (a negative limit
warns when there were more), and `~lsst.daf.butler.EmptyQueryResultError`
with ``explain``. The governor rule and the exceptions are daf_butler's.

Unlike daf_butler's methods, they keep what daf_butler's parser makes of a
``where`` string (for the same dimensions, dataset types and bind values),
so that a test suite's repeated queries parse each string once.
"""

from __future__ import annotations

__all__ = ["DafQueries"]

import logging
import threading
from collections.abc import Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NamedTuple, cast

import lsst.daf.butler as daf_butler
from lsst.daf.butler import DataCoordinate, DimensionGroup, EmptyQueryResultError
from lsst.daf.butler.queries import Query
from lsst.daf.butler.queries.convert_args import convert_where_args
from lsst.daf.butler.queries.tree import Predicate
from lsst.daf.butler.utils import has_globs

from ..butler.errors import InvalidQueryError
from .errors import daf_errors
from .query_driver import MemoryQueryDriver

_log = logging.getLogger(__name__)

_PARSED: dict[Hashable, Predicate] = {}
_PARSED_SIZE = 512
_PARSED_LOCK = threading.Lock()


class DafQueries:
    """The query methods of `DafButler`."""

    @contextmanager
    def query(self) -> Iterator[Query]:
        """Open daf_butler's query system over this butler's repository.

        Yields
        ------
        query : `lsst.daf.butler.queries.Query`
            daf_butler's query object: ``data_ids``, ``datasets``,
            ``dimension_records``, ``where``, ``join_*``, ``general``;
            their results take ``order_by``, ``limit``,
            ``with_dimension_records``, ``count``, ``any`` and
            ``explain_no_results``.
        """
        driver = MemoryQueryDriver(cast(Any, self))
        with driver:
            yield Query(driver)

    @daf_errors
    def query_data_ids(
        self,
        dimensions: DimensionGroup | Iterable[str] | str,
        *,
        data_id: Any = None,
        where: str = "",
        bind: Mapping[str, Any] | None = None,
        with_dimension_records: bool = False,
        order_by: Iterable[str] | str | None = None,
        limit: int | None = -20_000,
        explain: bool = True,
        **kwargs: Any,
    ) -> list[DataCoordinate]:
        """Return the data IDs of ``dimensions`` that the records allow.

        Each has all implied values (and records, with
        ``with_dimension_records``). The arguments are daf_butler's.

        Raises
        ------
        EmptyQueryResultError
            Nothing matched and ``explain`` is true (not with ``limit=0``).
        InvalidQueryError
            A malformed ``where``, or one that breaks the governor rule.
        """
        with self.query() as query:
            results = query.data_ids(dimensions)
            if with_dimension_records:
                results = results.with_dimension_records()
            constraints = _Constraints(data_id, where, bind, kwargs)
            return _listed(results, constraints, order_by, limit, explain, "data IDs")

    @daf_errors
    def query_dimension_records(
        self,
        element: str,
        *,
        data_id: Any = None,
        where: str = "",
        bind: Mapping[str, Any] | None = None,
        order_by: Iterable[str] | str | None = None,
        limit: int | None = -20_000,
        explain: bool = True,
        **kwargs: Any,
    ) -> list[daf_butler.DimensionRecord]:
        """Return the records of ``element`` that match; the arguments are daf_butler's.

        Raises
        ------
        EmptyQueryResultError
            Nothing matched and ``explain`` is true (not with ``limit=0``).
        """
        with self.query() as query:
            results = query.dimension_records(element)
            constraints = _Constraints(data_id, where, bind, kwargs)
            return _listed(results, constraints, order_by, limit, explain, "dimension records")

    @daf_errors
    def query_datasets(
        self,
        dataset_type: Any,
        collections: str | Iterable[str] | None = None,
        *,
        find_first: bool = True,
        data_id: Any = None,
        where: str = "",
        bind: Mapping[str, Any] | None = None,
        with_dimension_records: bool = False,
        order_by: Iterable[str] | str | None = None,
        limit: int | None = -20_000,
        explain: bool = True,
        **kwargs: Any,
    ) -> list[daf_butler.DatasetRef]:
        """Return the refs of the datasets found; the arguments are daf_butler's.

        A constraint on a dimension the dataset type lacks joins that
        dimension's records (``detector = 1`` on a visit dataset type keeps
        the datasets whose instrument has detector 1), as daf_butler does.

        Raises
        ------
        EmptyQueryResultError
            Nothing matched and ``explain`` is true (not with ``limit=0``).
        InvalidQueryError
            Wildcards in ``collections`` with ``find_first``, or a malformed
            ``where``.
        MissingDatasetTypeError
            The dataset type is not registered.
        MissingCollectionError
            A collection does not exist.
        """
        if collections and has_globs(collections):
            if find_first:
                raise InvalidQueryError(
                    f"Can not use wildcards in collections when find_first=True (given "
                    f"{collections})"
                )
            collections = self.collections.query(collections)  # type: ignore[attr-defined]
        with self.query() as query:
            results = query.datasets(dataset_type, collections, find_first=find_first)
            if with_dimension_records:
                results = results.with_dimension_records()
            constraints = _Constraints(data_id, where, bind, kwargs)
            return _listed(results, constraints, order_by, limit, explain, "datasets")


class _Constraints(NamedTuple):
    """The data ID, ``where`` string, bind values and keyword values of a query."""

    data_id: Any
    where: str
    bind: Mapping[str, Any] | None
    kwargs: Mapping[str, Any]


def _listed(
    results: Any,
    constraints: _Constraints,
    order_by: Iterable[str] | str | None,
    limit: int | None,
    explain: bool,
    what: str,
) -> list[Any]:
    """Constrain, sort and cut query results and list them, as daf_butler's methods do.

    A negative ``limit`` cuts at ``-limit`` and warns (naming ``what``)
    when there were more.

    Raises
    ------
    EmptyQueryResultError
        Nothing was found, ``explain`` is true and ``limit`` is not 0.
    """
    given = [] if constraints.data_id is None else [constraints.data_id]
    if constraints.where:
        given.append(_parsed(constraints.where, constraints.bind, results))
    if given or constraints.kwargs:
        results = results.where(*given, **constraints.kwargs)
    if order_by is not None:
        results = results.order_by(*([order_by] if isinstance(order_by, str) else order_by))
    asked = None if limit is None else abs(limit) + (1 if limit < 0 else 0)
    found = list(results.limit(asked))
    if limit is not None and limit < 0 and len(found) == asked:
        found.pop()
        _log.warning("More %s are available than the requested limit of %d.", what, -limit)
    if explain and limit != 0 and not found:
        raise EmptyQueryResultError(list(results.explain_no_results()))
    return found


def _parsed(where: str, bind: Mapping[str, Any] | None, results: Any) -> Predicate:
    """Return daf_butler's predicate for a ``where`` string of a query's results.

    daf_butler's parser makes a new lexer for every string; what it made of
    each string, for the same result dimensions, dataset types and bind
    values, is kept.
    """
    datasets = frozenset(_dataset_types(results))
    try:
        key: Hashable = (where, results.dimensions, datasets, _bind_key(bind))
        hash(key)
    except TypeError:  # an unhashable bind value: parsed every time
        return convert_where_args(results.dimensions, datasets, where, bind=bind)
    found = _PARSED.get(key)
    if found is None:
        found = convert_where_args(results.dimensions, datasets, where, bind=bind)
        with _PARSED_LOCK:
            if len(_PARSED) >= _PARSED_SIZE:
                del _PARSED[next(iter(_PARSED))]  # the oldest
            _PARSED[key] = found
    return found


def _dataset_types(results: Any) -> Iterable[str]:
    """Return the dataset types whose fields a ``where`` on ``results`` may read."""
    dataset_type = getattr(results, "dataset_type", None)
    return () if dataset_type is None else (dataset_type.name,)


def _bind_key(bind: Mapping[str, Any] | None) -> Hashable:
    """Return bind values as a key: with their types (``True == 1``), lists as tuples."""
    if not bind:
        return ()
    items = []
    for name, value in bind.items():
        if isinstance(value, (list, tuple, set, frozenset)):
            items.append((name, type(value), tuple((type(v), v) for v in value)))
        else:
            items.append((name, type(value), value))
    return frozenset(items)
