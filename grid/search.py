"""Searching registers and areas by text, fast on a city of a million households.

A term of three characters or more matches a field that contains it; a shorter one (a surname,
a two-character name) matches a field that starts with it, since "contains 张" would match a
twentieth of the city and tells nothing. On PostgreSQL both are served by trigram indexes
(pg_trgm, made by migration `grid.0006`); SQLite reads the tables, slower but the same answers.

Each field is looked up in its own table, through its own index (across a relation, in the
related table), and the keys found are united: no row comes out twice, no `DISTINCT` over the
list's columns is needed, and PostgreSQL never reads a whole table to test an `OR`.

A term as long as an identifier field holds (a whole ID number, a whole credit code) can only
be the whole value: it is compared for equality, through the field's own unique index. Its
trigrams would not narrow anything down (every ID number of a district starts with the same
six digits), and reading their long lists is what made such a search slow."""

from django.db.models import Model, Q, QuerySet

from .fields import NormalizedCharField

SHORT = 2  # terms this long or shorter match from the start


def text_match(model: type[Model], name: str, term: str) -> Q:
    field = model._meta.get_field(name)
    if isinstance(field, NormalizedCharField) and len(term) >= field.max_length:
        # Stored values are canonical and no longer than max_length: containing the term
        # means being it.
        return Q(**{name: type(field).normalize(term)})
    lookup = "istartswith" if len(term) <= SHORT else "icontains"
    return Q(**{f"{name}__{lookup}": term})


def keys_matching(model: type[Model], path: str, term: str) -> QuerySet:
    """The keys of `model`'s rows whose field at `path` (Django's `a__b` notation) matches."""
    name, _, rest = path.partition("__")
    rows = model._default_manager.order_by()  # no ORDER BY inside a UNION
    if not rest:
        return rows.filter(text_match(model, name, term)).values("pk")
    field = model._meta.get_field(name)
    related = field.related_model
    if field.one_to_many:  # a reverse foreign key: the related rows name ours
        return (
            related._default_manager.order_by()
            .filter(
                text_match(related, rest, term)
                if "__" not in rest
                else Q(pk__in=keys_matching(related, rest, term))
            )
            .values(field.field.attname)
        )
    return rows.filter(**{f"{name}__in": keys_matching(related, rest, term)}).values("pk")


def search(queryset: QuerySet, fields: tuple[str, ...] | list[str], text: str) -> QuerySet:
    """Rows where every term of `text` matches at least one of `fields`."""
    model = queryset.model
    for term in text.split():
        first, *others = (keys_matching(model, path, term) for path in fields)
        queryset = queryset.filter(pk__in=first.union(*others) if others else first)
    return queryset
