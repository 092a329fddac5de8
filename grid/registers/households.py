"""Households with their members, one row per member: the two-level import."""

import datetime
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.db import models
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import audit, bulk, validators
from ..models import (
    Building,
    Household,
    Resident,
    Tag,
)
from ..widgets import (
    ChoiceWidget,
    DateWidget,
    IDNumberWidget,
    KeyWidget,
    TagsWidget,
    WholeNumberWidget,
)
from .engine import (
    BATCH,
    AreaIndex,
    Cell,
    Column,
    RegistryResource,
    Row,
    example_id_number,
    grid_code,
    resolve_grids,
)


class HouseholdResource(RegistryResource):
    """Households with their members: one row per member, the household's columns repeated
    (a household without members is one row with empty member columns). Households are
    matched by grid, building and door number; members by ID number, or by name within their
    household when they have none. An empty ID number cell never clears one on record.

    Tags are named in the household tags and member tags columns. A filled cell makes the
    household's (or member's) tags exactly those named, but for the sensitive tags on record
    where the importing user does not see personal data, which stay; an empty cell, like an
    empty ID number cell, leaves them as they are."""

    slug = "households"
    personal_data = True
    title = gettext_lazy("Households and members")
    area_path = "building__grid"
    key = ("building_id", "door_number")
    stored = ("building_id", "door_number", "registered_population")
    record_models = (Household, Resident)
    member_fields = ("name", "id_number", "phone", "relation")
    # A household or ID number the file names twice is caught by what the import keeps of
    # earlier rows (`plans`, `seen_ids`, `seen_names`) before the database is asked.
    reads_before_import = True

    grid = grid_code()
    building = Column(
        "building",
        gettext_lazy("building"),
        KeyWidget(),
        validated=False,
        required=True,
        example="3栋",
    )
    door_number = Column("door_number", gettext_lazy("door number"), required=True, example="2-301")
    registered_population = Column(
        "registered_population",
        gettext_lazy("registered population"),
        WholeNumberWidget(),
        example=3,
    )
    # Members' columns are checked by the Resident model's fields.
    member_name = Column("name", gettext_lazy("full name"), example="王建国")
    id_number = Column("id_number", gettext_lazy("ID number"), IDNumberWidget())
    birth_date = Column("birth_date", gettext_lazy("birth date"), DateWidget(), validated=False)
    phone = Column("phone", gettext_lazy("phone"), example="13912345678")
    relation = Column(
        "relation",
        gettext_lazy("relation to householder"),
        ChoiceWidget(Resident.Relation),
        example=Resident.Relation.HOUSEHOLDER.label,
    )
    household_tags = Column(
        "household_tags",
        gettext_lazy("household tags"),
        TagsWidget(),
        validated=False,
        example="低保户",
    )
    member_tags = Column(
        "member_tags", gettext_lazy("member tags"), TagsWidget(), validated=False, example="党员"
    )

    class Meta:
        model = Household
        fields = (
            "grid",
            "building",
            "door_number",
            "registered_population",
            "member_name",
            "id_number",
            "birth_date",
            "phone",
            "relation",
            "household_tags",
            "member_tags",
        )

    def example_row(self) -> list[Any]:
        row = super().example_row()
        row[5] = example_id_number()
        row[6] = datetime.date(1980, 3, 15)
        return row

    def model_field(self, column: Column) -> models.Field | None:
        if column.attribute in self.member_fields:
            return Resident._meta.get_field(column.attribute)
        return super().model_field(column)

    # -- export --------------------------------------------------------------------------

    def export_values(self, queryset):
        rows = (
            Household.objects.filter(pk__in=queryset.values("pk"))
            .order_by("building__grid__code", "building__name", "building_id", "pk", "members")
            .values(
                "pk",
                "door_number",
                "registered_population",
                grid=F("building__grid__code"),
                building_name=F("building__name"),
                member_id=F("members__pk"),
                name=F("members__name"),
                id_number=F("members__id_number"),
                phone=F("members__phone"),
                relation=F("members__relation"),
            )
        )
        values_iterator = rows.iterator(chunk_size=BATCH)
        while chunk := list(islice(values_iterator, BATCH)):
            # The tags of a chunk's households and members: two queries per chunk.
            of_households = tag_names(Household, {values["pk"] for values in chunk})
            of_members = tag_names(Resident, {values["member_id"] for values in chunk} - {None})
            for values in chunk:
                values["building"] = values.pop("building_name")
                values["birth_date"] = (
                    validators.id_birth_date(values["id_number"]) if values["id_number"] else None
                )
                values["household_tags"] = of_households.get(values.pop("pk"))
                values["member_tags"] = of_members.get(values.pop("member_id"))
                yield values

    # -- import --------------------------------------------------------------------------

    def import_rows(self, rows, columns, context) -> None:
        self.resolve_buildings([row for row in rows if not row.errors], columns, context)
        self.resolve_tags([row for row in rows if not row.errors], columns, context)
        rows = [row for row in rows if not row.errors]
        plans, new_plans, changed_plans, tagged = self.plan_households(rows, columns, context)
        members = self.plan_members(rows, plans, columns, context)
        self.plan_member_tags(members.values(), context)
        report = context.report
        for row in rows:
            if row.errors:
                continue
            plan = plans[row.values["household"]]
            first = plan.first_row == row.number
            retagged = (
                plan.tags_row == row.number
                and plan.on_record
                and plan.tags is not None
                and plan.tags.changed
            )
            member = members.get(row.number)
            if (first and plan.pk is None) or (member and member.record is None):
                report.new += 1
            elif (first and plan.changed) or retagged or (member and member.updates):
                report.updated += 1
            else:
                report.unchanged += 1
        if context.writing:
            writes = self.plan_writes(
                plans, new_plans, changed_plans, tagged, members.values(), context
            )
            context.write(writes.write)

    def resolve_tags(self, rows, columns, context) -> None:
        """The tag columns name tags by name: each name must be a tag's."""
        present = [attribute for attribute in TAG_COLUMNS if attribute in columns]
        if not present:
            return
        tags = TagIndex.of(context)
        for row in rows:
            for attribute in present:
                names = row.values.get(attribute)
                if names is None:
                    continue
                unknown = [name for name in names if name not in tags.ids]
                for name in unknown:
                    message = _("There is no tag named “%(name)s”.") % {"name": name}
                    self.fail(row, columns[attribute].header, message, context)
                if not unknown:
                    row.values[attribute] = frozenset(tags.ids[name] for name in names)

    def resolve_buildings(self, rows, columns, context) -> None:
        """The building column names a building of the row's grid."""
        resolve_grids(self, rows, columns, context)
        rows = [row for row in rows if not row.errors]
        buildings: dict[int, dict[str, int]] = context.state.setdefault("buildings", {})
        grid_ids = {row.values["grid_id"] for row in rows} - set(buildings)
        for grid_id in grid_ids:
            buildings[grid_id] = {}
        for pk, grid_id, name in Building.objects.filter(grid_id__in=grid_ids).values_list(
            "pk", "grid_id", "name"
        ):
            buildings[grid_id][name] = pk
        missing = []
        for row in rows:
            pk = buildings[row.values["grid_id"]].get(row.values["building"])
            if pk is None:
                missing.append(row)
            else:
                row.values["building_id"] = pk
        if not missing:
            return
        elsewhere: dict[str, list[str]] = {}
        for name, code in Building.objects.filter(
            name__in={row.values["building"] for row in missing}
        ).values_list("name", "grid__code"):
            if context.in_scope(code):
                elsewhere.setdefault(name, []).append(code)
        for row in missing:
            name = row.values["building"]
            if name in elsewhere:
                message = _(
                    "Building %(building)s is not in this grid: it is in grid %(grids)s."
                ) % {"building": name, "grids": "、".join(elsewhere[name])}
            else:
                message = _(
                    "There is no building %(building)s in this grid: import the buildings first."
                ) % {"building": name}
            self.fail(row, columns["building"].header, message, context)

    def plan_households(self, rows, columns, context):
        """Each household the file names, once: the first row that names it decides its
        registered population, the first that names its tags its tags, and later rows must
        agree."""
        plans: dict[tuple, HouseholdPlan] = context.state.setdefault("households", {})
        for row in rows:
            row.values["household"] = (row.values["building_id"], row.values["door_number"])
        # The households on record, fetched once per building the file names.
        existing: dict[tuple, tuple] = context.state.setdefault("doors", {})
        fetched: set[int] = context.state.setdefault("buildings_fetched", set())
        buildings = {row.values["building_id"] for row in rows} - fetched
        if buildings:
            fetched |= buildings
            for pk, building_id, door, population in (
                Household.objects.filter(building_id__in=buildings)
                .order_by()
                .values_list("pk", "building_id", "door_number", "registered_population")
            ):
                existing[(building_id, door)] = (pk, population)
        new_plans, changed_plans = [], []
        tagged: list[tuple[HouseholdPlan, Row]] = []
        for row in rows:
            key = row.values["household"]
            population = row.values.get("registered_population")
            plan = plans.get(key)
            if plan is None:
                pk, before = existing.pop(key, (None, None))
                plan = plans[key] = HouseholdPlan(
                    key=key,
                    pk=pk,
                    population=population if population is not None else before,
                    first_row=row.number,
                    changed=pk is not None and population is not None and population != before,
                    on_record=pk is not None,
                )
                if pk is None:
                    new_plans.append(plan)
                elif plan.changed:
                    changed_plans.append(plan)
            elif population is not None and plan.population not in (None, population):
                self.fail(
                    row,
                    columns["registered_population"].header,
                    _("This household's registered population is %(population)d in row %(row)d.")
                    % {"population": plan.population, "row": plan.first_row},
                    context,
                )
            tags = row.values.get("household_tags")
            if tags is None:
                continue
            if plan.tags_row == 0:
                plan.tags_row, plan.tag_ids = row.number, tags
                tagged.append((plan, row))
            elif tags != plan.tag_ids:
                self.fail(
                    row,
                    columns["household_tags"].header,
                    _("This household's tags are %(tags)s in row %(row)d.")
                    % {"tags": TagIndex.of(context).names(plan.tag_ids), "row": plan.tags_row},
                    context,
                )
        on_record = tags_on_record(Household, {plan.pk for plan, _row in tagged if plan.on_record})
        for plan, row in tagged:
            plan.tags = TagsPlan.of(row, "household_tags", on_record.get(plan.pk, {}), context)
        return plans, new_plans, changed_plans, [plan for plan, _row in tagged]

    def plan_members(self, rows, plans, columns, context) -> dict[int, "MemberPlan"]:
        """Each row that names a member, matched to the member on record (by ID number, or
        by name within the household) and checked for duplicates in the file and against
        the database."""
        seen_ids: dict[str, int] = context.state.setdefault("id_numbers", {})
        seen_names: dict[tuple, int] = context.state.setdefault("names", {})
        member_rows = [row for row in rows if not row.errors and self.names_member(row)]
        ids = {row.values["id_number"] for row in member_rows if row.values.get("id_number")}
        by_id = {
            record["id_number"]: record
            # No ordering: the model's own (by grid code) would join three tables for nothing.
            for record in Resident.objects.filter(bulk.AnyOf(F("id_number"), ids))
            .order_by()
            .values("pk", "household_id", *self.member_fields)
        }
        # Members without an ID number are matched by name among those on record.
        household_ids = {
            plans[row.values["household"]].pk
            for row in member_rows
            if not row.values.get("id_number")
        } - {None}
        on_record: dict[int, list[dict]] = {}
        for record in (
            Resident.objects.filter(household_id__in=household_ids)
            .order_by()
            .values("pk", "household_id", *self.member_fields)
        ):
            on_record.setdefault(record["household_id"], []).append(record)
        owners = self.describe_households(
            {
                record["household_id"]
                for row in member_rows
                if (record := by_id.get(row.values.get("id_number")))
                and record["household_id"] != plans[row.values["household"]].pk
            },
            context,
        )
        members: dict[int, MemberPlan] = {}
        for row in member_rows:
            values = row.values
            plan = plans[values["household"]]
            for attribute in ("name", "relation"):
                if not values.get(attribute):
                    self.fail(
                        row,
                        self.header(attribute, columns),
                        _("A member needs a name and a relation to the householder."),
                        context,
                    )
                    break
            if row.errors:
                continue
            id_number = values.get("id_number")
            if id_number:
                self.check_birth_date(row, columns, context)
                header = columns["id_number"].header
                record = by_id.get(id_number)
                if id_number in seen_ids:
                    message = _("This ID number is already in row %(row)d.") % {
                        "row": seen_ids[id_number]
                    }
                    self.fail(row, header, message, context)
                    continue
                seen_ids[id_number] = row.number
                if record is not None and record["household_id"] != plan.pk:
                    owner = owners.get(
                        record["household_id"], _("a household outside your jurisdiction")
                    )
                    message = _(
                        "This ID number is already registered to a member of %(household)s."
                    ) % {"household": owner}
                    self.fail(row, header, message, context)
                    continue
            else:
                name_key = (values["household"], values["name"])
                if name_key in seen_names:
                    message = _("This member is already in row %(row)d.") % {
                        "row": seen_names[name_key]
                    }
                    self.fail(row, columns["name"].header, message, context)
                    continue
                seen_names[name_key] = row.number
                record = next(
                    (r for r in on_record.get(plan.pk, ()) if r["name"] == values["name"]), None
                )
            changed = []
            if record is not None:
                changed = [
                    attribute
                    for attribute in self.member_fields
                    if values.get(attribute) is not None
                    and attribute in values
                    and values[attribute] != record[attribute]
                ]
            members[row.number] = MemberPlan(
                row, record, changed, pk=record["pk"] if record is not None else None
            )
        return members

    def plan_member_tags(self, members, context) -> None:
        """The tags of each member whose row names some."""
        tagged = [member for member in members if member.row.values.get("member_tags")]
        on_record = tags_on_record(
            Resident, {member.record["pk"] for member in tagged if member.record is not None}
        )
        for member in tagged:
            before = on_record.get(member.record["pk"], {}) if member.record is not None else {}
            member.tags = TagsPlan.of(member.row, "member_tags", before, context)

    def names_member(self, row: Row) -> bool:
        values = row.values
        return any(
            values.get(attribute)
            for attribute in (*self.member_fields, "birth_date", "member_tags")
        )

    def header(self, attribute: str, columns: dict[str, Cell]) -> str:
        if attribute in columns:
            return columns[attribute].header
        return next(str(c.label) for c in self.columns() if c.attribute == attribute)

    def check_birth_date(self, row, columns, context) -> None:
        birth_date = row.values.get("birth_date")
        if birth_date is None:
            return
        expected = validators.id_birth_date(row.values["id_number"])
        if birth_date != expected:
            self.fail(
                row,
                columns["birth_date"].header,
                _("The birth date does not match the ID number, which gives %(date)s.")
                % {"date": expected.isoformat()},
                context,
            )

    def describe_households(self, household_ids: set[int], context) -> dict[int, str]:
        """How to name the households that already hold an ID number: in full inside the
        jurisdiction, not at all outside it."""
        described = {}
        for pk, code, building, door in Household.objects.filter(pk__in=household_ids).values_list(
            "pk", "building__grid__code", "building__name", "door_number"
        ):
            if context.in_scope(code):
                described[pk] = f"{building} {door} ({code})"
        return described

    def plan_writes(
        self, plans, new_plans, changed_plans, tagged, members, context
    ) -> "ChunkWrites":
        """Everything a chunk writes, prepared before any of it is: the new records' keys
        are reserved, so that members can name their new household and audit entries their
        new record."""
        keys = context.state.setdefault("new_keys", (bulk.Keys(Household), bulk.Keys(Resident)))
        for plan, pk in zip(new_plans, keys[0].take(len(new_plans)), strict=True):
            plan.pk = pk
        new = [member for member in members if member.record is None]
        for member, pk in zip(new, keys[1].take(len(new)), strict=True):
            member.pk = pk
        areas = AreaIndex.of(context)
        writes = ChunkWrites(
            new_households=[
                (plan.pk, plan.key[0], plan.key[1], plan.population or 0) for plan in new_plans
            ],
            changed_households=[
                Household(pk=plan.pk, registered_population=plan.population)
                for plan in changed_plans
            ],
            household_tags=[(plan.pk, plan.tags) for plan in tagged if plan.tags],
            member_tags=[(member.pk, member.tags) for member in members if member.tags],
        )
        saved = []  # for the audit: (pk, personal fields after, before, grid code)
        for member in members:
            values = member.row.values
            household_id = plans[values["household"]].pk
            grid = areas.code(values["grid_id"])
            if member.record is None:
                row = (
                    member.pk,
                    household_id,
                    values["name"],
                    values.get("id_number"),
                    values.get("phone") or "",
                    values["relation"],
                )
                writes.new_members.append(row)
                saved.append((member.pk, dict(zip(MEMBER_COLUMNS, row, strict=True)), None, grid))
            elif member.changed:
                record = member.record
                resident = Resident(
                    pk=member.pk,
                    household_id=household_id,
                    **{name: record[name] for name in self.member_fields},
                )
                for attribute in member.changed:
                    setattr(resident, attribute, values[attribute])
                writes.changed_members.append(resident)
                after = {name: getattr(resident, name) for name in Resident.personal_fields}
                saved.append((member.pk, after, record, grid))
        writes.log_entries = audit.bulk_entries(
            Resident, saved, user=context.user, log_uuid=context.log_uuid
        )
        return writes


MEMBER_COLUMNS = ("pk", "household", *HouseholdResource.member_fields)


@dataclass(slots=True)
class ChunkWrites:
    """What one chunk of households and members writes, ready to be sent as it is."""

    new_households: list[tuple]
    changed_households: list[Household]
    household_tags: list[tuple[int, "TagsPlan"]]
    member_tags: list[tuple[int, "TagsPlan"]]
    new_members: list[tuple] = field(default_factory=list)
    changed_members: list[Resident] = field(default_factory=list)
    log_entries: list[tuple] = field(default_factory=list)

    def write(self) -> None:
        bulk.insert(
            Household,
            ("pk", "building", "door_number", "registered_population"),
            self.new_households,
        )
        Household.objects.bulk_update(
            self.changed_households, ["registered_population"], batch_size=BATCH
        )
        bulk.insert(Resident, MEMBER_COLUMNS, self.new_members)
        Resident.objects.bulk_update(
            self.changed_members, list(HouseholdResource.member_fields), batch_size=BATCH
        )
        audit.write_entries(self.log_entries)
        write_tags(Household, self.household_tags)
        write_tags(Resident, self.member_tags)


@dataclass(slots=True)
class TagsPlan:
    """The tags a household or member will have, and those on record (each tag's row in the
    through table)."""

    wanted: frozenset[int]
    before: dict[int, int]

    @property
    def changed(self) -> bool:
        return self.wanted != set(self.before)

    @classmethod
    def of(cls, row: Row, attribute: str, before: dict[int, int], context) -> "TagsPlan":
        """The row's tags, with the sensitive tags on record kept where the importing user does
        not see personal data: a file cannot name what its maker is not shown."""
        wanted = row.values[attribute]
        if before and not context.sees_personal_data(
            AreaIndex.of(context).code(row.values["grid_id"])
        ):
            wanted |= before.keys() & TagIndex.of(context).sensitive
        return cls(wanted, before)


@dataclass(slots=True)
class HouseholdPlan:
    """What the file says about one household."""

    key: tuple[int, str]
    pk: int | None
    population: int | None
    first_row: int
    changed: bool
    on_record: bool
    # The row that first names the household's tags (0: none does yet), the tags it names,
    # and what becomes of the household's tags.
    tags_row: int = 0
    tag_ids: frozenset[int] = frozenset()
    tags: TagsPlan | None = None


@dataclass(slots=True)
class MemberPlan:
    """A row naming a member: the member on record (None for a new one) and what changes."""

    row: Row
    record: dict | None
    changed: list[str]
    tags: TagsPlan | None = None
    pk: int | None = None

    @property
    def updates(self) -> bool:
        return bool(self.changed) or (
            self.record is not None and self.tags is not None and self.tags.changed
        )


TAG_COLUMNS = ("household_tags", "member_tags")


class TagIndex:
    """The tags, read once per file: by name, and which are sensitive."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.order: dict[int, tuple[int, str]] = {}
        self.sensitive: set[int] = set()
        for pk, name, sort_order, sensitive in Tag.objects.values_list(
            "pk", "name", "sort_order", "sensitive"
        ):
            self.ids[name] = pk
            self.order[pk] = (sort_order, name)
            if sensitive:
                self.sensitive.add(pk)

    def names(self, ids: frozenset[int]) -> str:
        return "、".join(self.order[pk][1] for pk in sorted(ids, key=self.order.__getitem__))

    @classmethod
    def of(cls, context) -> "TagIndex":
        if "tags" not in context.state:
            context.state["tags"] = cls()
        return context.state["tags"]


def tags_on_record(model: type[models.Model], ids: set[int]) -> dict[int, dict[int, int]]:
    """The tags of these households or residents: for each, its tags' rows in the through
    table by tag."""
    if not ids:
        return {}
    owner = f"{model._meta.model_name}_id"
    found: dict[int, dict[int, int]] = {}
    through = model.tags.through
    for pk, owner_id, tag_id in through.objects.filter(bulk.AnyOf(F(owner), ids)).values_list(
        "pk", owner, "tag_id"
    ):
        found.setdefault(owner_id, {})[tag_id] = pk
    return found


def write_tags(model: type[models.Model], owners: list[tuple[int, TagsPlan]]) -> None:
    """Give households or residents the tags planned: the through rows of the tags they lose
    deleted, of those they gain inserted in bulk."""
    through = model.tags.through
    owner = f"{model._meta.model_name}_id"
    lost = [
        row for _pk, plan in owners for tag, row in plan.before.items() if tag not in plan.wanted
    ]
    if lost:
        through.objects.filter(bulk.AnyOf(F("pk"), lost)).delete()
    through.objects.bulk_create(
        [
            through(**{owner: pk, "tag_id": tag})
            for pk, plan in owners
            for tag in sorted(plan.wanted - plan.before.keys())
        ],
        batch_size=BATCH,
    )


def tag_names(model: type[models.Model], ids: set[int]) -> dict[int, list[str]]:
    """The names of the tags of these households or residents, in the tags' order."""
    if not ids:
        return {}
    owner = f"{model._meta.model_name}_id"
    names: dict[int, list[str]] = {}
    for owner_id, name in (
        model.tags.through.objects.filter(bulk.AnyOf(F(owner), ids))
        .order_by("tag__sort_order", "tag__name")
        .values_list(owner, "tag__name")
    ):
        names.setdefault(owner_id, []).append(name)
    return names
