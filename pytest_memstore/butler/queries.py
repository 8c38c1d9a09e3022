"""`ButlerQueries`: ``query_datasets``, the datasets of a type that match constraints."""

from __future__ import annotations

__all__ = ["ButlerQueries"]

import logging
from collections.abc import Container, Iterable, Mapping
from functools import partial
from typing import Any

from ..core.model import DataId, DataIdValue, DatasetRef, DatasetType
from .arguments import ButlerArguments
from .errors import EmptyQueryResultError, InvalidQueryError, MissingDatasetTypeError
from .expressions import is_glob
from .where import WhereClause, parse_where

_log = logging.getLogger(__name__)


def _data_id_value(name: str, ref: DatasetRef) -> DataIdValue:
    """Return the sort key of ``ref`` for dimension ``name``."""
    return ref.dataId[name]


def _matches(constraints: Mapping[str, Any], clause: WhereClause, key: DataId) -> bool:
    """Return whether a data ID has the constrained values and satisfies ``clause``."""
    for name, value in constraints.items():
        if key[name] != value:
            return False
    return clause(key)


def _prefiltered(
    equal: list[tuple[str, Any]],
    constraints: Mapping[str, Any],
    clause: WhereClause,
    key: DataId,
) -> bool:
    """Return `_matches`, after a cheaper look at the values that must be equal.

    A value of another type is left to the clause (which says what is wrong).
    """
    for name, value in equal:
        found = key[name]
        if found != value and type(found) is type(value):
            return False
    return _matches(constraints, clause, key)


class ButlerQueries(ButlerArguments):
    """Query the datasets of a type by data ID constraints and ``where``."""

    def query_datasets(
        self,
        dataset_type: str | DatasetType,
        collections: str | Iterable[str] | None = None,
        *,
        find_first: bool = True,
        data_id: Mapping[str, Any] | None = None,
        where: str = "",
        bind: Mapping[str, Any] | None = None,
        with_dimension_records: bool = False,
        order_by: Iterable[str] | str | None = None,
        limit: int | None = -20_000,
        explain: bool = True,
        **kwargs: Any,
    ) -> list[DatasetRef]:
        """Return the datasets of a type that match the constraints.

        Parameters
        ----------
        dataset_type : `str` or `DatasetType`
            What to find (not a component).
        collections : `str` or iterable of `str`, optional
            Where to search, in order; wildcards only with
            ``find_first=False``. The default collections when not given.
        find_first : `bool`, optional
            Only the first dataset of each data ID along the search path.
        data_id : mapping, optional
            Equality constraints on dimensions; keyword arguments add to it.
        where : `str`, optional
            A boolean expression over the dimensions (see `parse_where` for
            the language).

            A constraint or ``where`` naming a dimension the dataset type
            lacks (one of daf_butler's default dimensions, or of another
            registered dataset type) makes the result empty: daf_butler
            would join that dimension's records, and there are none.
        bind : mapping, optional
            Values of the bind names in ``where``.
        with_dimension_records : `bool`, optional
            Accepted; changes nothing (there are no dimension records).
        order_by : `str` or iterable of `str`, optional
            Dimensions to sort by; a leading ``-`` sorts descending.
        limit : `int` or `None`, optional
            At most this many results; negative: at most ``-limit`` and a
            logged warning when there were more; ``0``: none and no error;
            `None`: all.
        explain : `bool`, optional
            Raise `EmptyQueryResultError` on an empty result (unless
            ``limit`` is 0).

        Raises
        ------
        MissingDatasetTypeError
            The dataset type is not registered (components are not
            queryable: query the composite).
        MissingCollectionError
            A collection named does not exist.
        InvalidQueryError
            Malformed ``where``, a constraint on a name that is no
            dimension, or wildcards with ``find_first``.
        NotImplementedError
            ``where`` uses an unsupported part of daf_butler's language.
        EmptyQueryResultError
            Nothing matched and ``explain`` is true.
        """
        if isinstance(dataset_type, str) and "." in dataset_type:
            raise MissingDatasetTypeError(
                f"Dataset type {dataset_type!r} does not exist: components cannot be queried; "
                "query the composite and use ref.makeComponentRef"
            )
        datasetType = self._dataset_type(dataset_type, for_put=False)
        if datasetType.isComponent():
            raise MissingDatasetTypeError(
                f"Dataset type {datasetType.name!r} does not exist: components cannot be queried"
            )
        registry = self.registry_state
        names = self._collection_names(collections)
        if any(is_glob(name) for name in names):
            if find_first:
                raise InvalidQueryError(
                    f"Can not use wildcards in collections when find_first=True (given "
                    f"{list(names)})"
                )
            names = tuple(registry.query_collections(names))
        known = registry.known_dimensions
        constraints = dict(self._query_constraints(data_id, kwargs, datasetType, known))
        clause = parse_where(
            where, bind=bind, dimensions=datasetType.dimensions, other_dimensions=known
        )
        order = self._order_keys(order_by, datasetType)
        # Dimensions the dataset type lacks: daf_butler joins their records,
        # and there are none, so nothing matches.
        absent = sorted(clause.absent.union(constraints).difference(datasetType.dimensions))
        if absent:
            registry.search_path(names)  # the collections must exist all the same
            refs: list[DatasetRef] = []
        else:
            refs = self._search(datasetType, names, find_first, constraints, clause)
        if refs and refs[0].datasetType.storageClass != datasetType.storageClass:
            refs = [ref.overrideStorageClass(datasetType.storageClass) for ref in refs]
        for name, descending in reversed(order):
            refs.sort(key=partial(_data_id_value, name), reverse=descending)
        if limit is not None:
            if limit == 0:
                return []
            if len(refs) > abs(limit):
                if limit < 0:
                    _log.warning(
                        "More datasets are available than the requested limit of %d.", -limit
                    )
                refs = refs[: abs(limit)]
        if explain and not refs:
            raise EmptyQueryResultError(
                self._explain(datasetType, names, constraints, where, bind, absent)
            )
        return refs

    def _search(
        self,
        datasetType: DatasetType,
        names: tuple[str, ...],
        find_first: bool,
        constraints: Mapping[str, Any],
        clause: WhereClause,
    ) -> list[DatasetRef]:
        """Return the datasets of a type in the collections whose data IDs match.

        The values the data ID and the ``where`` equalities give select the
        datasets before the expression is tested: looked up by key when
        they give every dimension of the type, compared first otherwise.
        """
        registry = self.registry_state
        name = datasetType.name
        equal = {**clause.equalities, **constraints}
        if datasetType.dimensions <= equal.keys():
            key = DataId({d: equal[d] for d in datasetType.dimensions})
            if find_first:
                first = registry.find(name, key, names)
                found = [] if first is None else [first]
            else:
                found = registry.find_every(name, key, names)
            refs = [ref for ref in found if _matches(constraints, clause, key)]
            if refs or not clause.equalities:
                return refs
            # Nothing: the scan below tells a where that compares values of
            # another type (an InvalidQueryError) from one that matches nothing.
        matches = None
        if equal or not clause.matches_all:
            matches = partial(_prefiltered, list(equal.items()), constraints, clause)
        return registry.query(name, names, find_first=find_first, predicate=matches)

    @staticmethod
    def _query_constraints(
        data_id: Mapping[str, Any] | None,
        kwargs: Mapping[str, Any],
        datasetType: DatasetType,
        known: Container[str],
    ) -> Mapping[str, Any]:
        if data_id is None:
            constraints: Mapping[str, Any] = kwargs
        elif isinstance(data_id, Mapping):
            constraints = {**data_id, **kwargs}
        else:
            raise TypeError(
                f"data_id must be a mapping; got {type(data_id).__name__}: {data_id!r:.80}"
            )
        unknown = sorted(
            name for name in constraints if name not in datasetType.dimensions and name not in known
        )
        if unknown:
            raise InvalidQueryError(
                f"Data ID constraint(s) {unknown} are not dimensions of dataset type "
                f"{datasetType.name!r} ({sorted(datasetType.dimensions)}), nor of any other"
            )
        return constraints

    @staticmethod
    def _order_keys(
        order_by: Iterable[str] | str | None, datasetType: DatasetType
    ) -> list[tuple[str, bool]]:
        if order_by is None:
            return []
        items = [order_by] if isinstance(order_by, str) else list(order_by)
        keys = []
        for item in items:
            if not isinstance(item, str):
                raise TypeError(f"order_by takes dimension names; got {item!r:.80}")
            descending = item.startswith("-")
            name = item[1:] if descending else item
            if name not in datasetType.dimensions:
                raise InvalidQueryError(
                    f"order_by {item!r}: {name!r} is not a dimension of dataset type "
                    f"{datasetType.name!r} ({sorted(datasetType.dimensions)})"
                )
            keys.append((name, descending))
        return keys

    def _explain(
        self,
        datasetType: DatasetType,
        names: tuple[str, ...],
        constraints: Mapping[str, Any],
        where: str,
        bind: Mapping[str, Any] | None,
        absent: list[str],
    ) -> list[str]:
        name = datasetType.name
        if absent:
            return [
                f"The query names dimension(s) {absent} that dataset type {name!r} lacks "
                f"({sorted(datasetType.dimensions)}); InMemoryButler has no dimension records "
                "to join, so nothing matches."
            ]
        every = self.registry_state.query(name, names, find_first=False, predicate=None)
        if not every:
            return [f"No datasets of type {name!r} in collections {list(names)}."]
        reasons = [
            f"{len(every)} dataset(s) of type {name!r} in collections {list(names)}, none "
            "matching the constraints:"
        ]
        if constraints:
            reasons.append(f"data ID {dict(constraints)}")
        if where:
            reasons.append(f"where {where!r}" + (f" with bind {dict(bind)}" if bind else ""))
        return reasons
