"""The queries of a daf_butler-mode butler: daf_butler's query system over memory.

``butler.query()`` is daf_butler's `~lsst.daf.butler.queries.Query` over a
`MemoryQueryDriver`; ``query_data_ids``, ``query_dimension_records`` and
``query_datasets`` are daf_butler's own ``Butler`` methods, which build on
it. So are ``where`` strings (parsed by daf_butler: record fields such as
``visit.day_obs``, range literals, bind values, ``OVERLAPS``, ``glob``),
``order_by``, ``limit``, ``explain`` and the governor rule, and the
exceptions they raise.
"""

from __future__ import annotations

__all__ = ["DafQueries"]

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, cast

import lsst.daf.butler as daf_butler
from lsst.daf.butler.queries import Query

from .errors import daf_errors
from .query_driver import MemoryQueryDriver

_Butler: Any = daf_butler.Butler


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
        dimensions: Any,
        *,
        data_id: Any = None,
        where: str = "",
        bind: Mapping[str, Any] | None = None,
        with_dimension_records: bool = False,
        order_by: Iterable[str] | str | None = None,
        limit: int | None = -20_000,
        explain: bool = True,
        **kwargs: Any,
    ) -> list[daf_butler.DataCoordinate]:
        """Return the data IDs of ``dimensions`` that the records allow; daf_butler's method.

        Each has all implied values (and records, with
        ``with_dimension_records``).

        Raises
        ------
        EmptyQueryResultError
            Nothing matched and ``explain`` is true (not with ``limit=0``).
        InvalidQueryError
            A malformed ``where``, or one that breaks the governor rule.
        """
        return cast(
            list[daf_butler.DataCoordinate],
            _Butler.query_data_ids(
                self,
                dimensions,
                data_id=data_id,
                where=where,
                bind=bind,
                with_dimension_records=with_dimension_records,
                order_by=order_by,
                limit=limit,
                explain=explain,
                **kwargs,
            ),
        )

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
        """Return the records of ``element`` that match; daf_butler's method.

        Raises
        ------
        EmptyQueryResultError
            Nothing matched and ``explain`` is true (not with ``limit=0``).
        """
        return cast(
            list[daf_butler.DimensionRecord],
            _Butler.query_dimension_records(
                self,
                element,
                data_id=data_id,
                where=where,
                bind=bind,
                order_by=order_by,
                limit=limit,
                explain=explain,
                **kwargs,
            ),
        )

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
        """Return the refs of the datasets found; daf_butler's method.

        A constraint on a dimension the dataset type lacks joins that
        dimension's records (``detector = 1`` on a visit dataset type keeps
        the datasets whose instrument has detector 1), as daf_butler does.

        Raises
        ------
        EmptyQueryResultError
            Nothing matched and ``explain`` is true (not with ``limit=0``).
        MissingDatasetTypeError
            The dataset type is not registered.
        MissingCollectionError
            A collection does not exist.
        """
        return cast(
            list[daf_butler.DatasetRef],
            _Butler.query_datasets(
                self,
                dataset_type,
                collections,
                find_first=find_first,
                data_id=data_id,
                where=where,
                bind=bind,
                with_dimension_records=with_dimension_records,
                order_by=order_by,
                limit=limit,
                explain=explain,
                **kwargs,
            ),
        )
