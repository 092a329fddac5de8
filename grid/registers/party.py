"""Party building's registers: the organisations, one row each (the area's code, the name,
the kind and the organisation it is under, named by its name), and the members, one row per
membership: the organisation (its area's code and its name), the member's ID number and name
as on the households register, their duty and when they joined. Organisations are imported
before their members, who name them."""

import datetime
from collections import defaultdict
from functools import reduce
from itertools import chain
from operator import or_
from typing import Any, NamedTuple

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from .. import bulk
from ..models import Area, PartyMember, PartyOrganisation, Resident
from ..validators import code_at_level, level_of_code
from ..widgets import ChoiceWidget, DateWidget, IDNumberWidget, KeyWidget
from .engine import (
    BATCH,
    AreaIndex,
    Column,
    RegistryResource,
    Row,
    area_key,
    example_id_number,
)


def area_code() -> Column:
    """The area of an organisation: a community (its committee) or a grid (its branch)."""
    return area_key("area", gettext_lazy("area code"))


def resolve_areas(resource: RegistryResource, rows: list[Row], columns, context) -> None:
    """The `area` column names a community or a grid by code, inside the jurisdiction."""
    areas = AreaIndex.of(context)
    areas.fetch(row.values["area"] for row in rows)
    header = columns["area"].header
    for row in rows:
        code = row.values.pop("area")
        try:
            row.values["area_id"] = areas.find(code)
        except ValueError as error:
            resource.fail(row, header, str(error), context)
            continue
        level = level_of_code(code)
        if level < Area.Level.COMMUNITY:
            message = _(
                "Party organisations are on communities and grids: %(code)s is a %(level)s."
            ) % {"code": code, "level": Area.Level(level).label}
            resource.fail(row, header, message, context)


def community_of(code: str) -> str:
    return code_at_level(code, Area.Level.COMMUNITY)


class NewParent(NamedTuple):
    """A parent organisation this file creates, by its key: its id is known once written."""

    area_id: int
    name: str


class PartyOrganisationResource(RegistryResource):
    slug = "party_organisations"
    title = gettext_lazy("Party organisations")
    area_path = "area"
    key = ("area_id", "name")
    stored = ("area_id", "name", "kind", "parent_id")
    record_models = (PartyOrganisation,)
    # Organisations are few and name each other as parents, later rows too: check them in one
    # chunk.
    chunk_rows = 50_000

    area = area_code()
    name = Column("name", gettext_lazy("name"), required=True, example="第一网格党支部")
    kind = Column(
        "kind",
        pgettext_lazy("party organisation", "kind"),
        ChoiceWidget(PartyOrganisation.Kind),
        required=True,
        example=PartyOrganisation.Kind.BRANCH.label,
    )
    parent = Column(
        "parent",
        gettext_lazy("parent organisation"),
        KeyWidget(),
        validated=False,
        example="五松社区党委",
    )

    class Meta:
        model = PartyOrganisation
        fields = ("area", "name", "kind", "parent")

    def key_columns(self) -> list[str]:
        return ["name"]

    def export_expressions(self) -> dict[str, Any]:
        return {"area": F("area__code"), "parent": F("parent__name")}

    def resolve(self, rows, columns, context) -> None:
        resolve_areas(self, rows, columns, context)
        if "parent" in columns:
            self.resolve_parents([row for row in rows if not row.errors], columns, context)

    def resolve_parents(self, rows: list[Row], columns, context) -> None:
        """A parent is named by its name among the organisations of the row's community: those
        on record inside the jurisdiction (or the row's parent on record, which a re-imported
        export names wherever it is) and those of the file, in any row. A row must not end up
        under itself."""
        header = columns["parent"].header
        areas = AreaIndex.of(context)
        community = {row.number: community_of(areas.code(row.values["area_id"])) for row in rows}
        # The file's organisations by community and name, kept for the chunks that follow.
        in_file: dict[tuple[str, str], set[tuple]] = context.state.setdefault("organisations", {})
        for row in rows:
            in_file.setdefault((community[row.number], row.values["name"]), set()).add(
                (row.values["area_id"], row.values["name"])
            )
        on_record = self.on_record(set(community.values()))
        named = defaultdict(set)
        for key, record in on_record.items():
            if context.in_scope(record["area__code"]):
                named[community_of(record["area__code"]), key[1]].add(key)
        # Who is under whom, as on record and then as the file says.
        parent_of = {key: record["parent"] for key, record in on_record.items()}
        for row in rows:
            name = row.values.pop("parent")
            key = (row.values["area_id"], row.values["name"])
            if not name:
                row.values["parent_id"] = parent_of[key] = None
                continue
            found = named[community[row.number], name] | in_file.get(
                (community[row.number], name), set()
            )
            current = parent_of.get(key)
            if current is not None and current[1] == name:
                found.add(current)
            if not found:
                message = _(
                    "There is no party organisation %(name)s in this community, on record or "
                    "in this file."
                ) % {"name": name}
                self.fail(row, header, message, context)
                continue
            if len(found) > 1:
                message = _(
                    "More than one party organisation of this community is named %(name)s."
                ) % {"name": name}
                self.fail(row, header, message, context)
                continue
            parent_of[key] = parent = found.pop()
            record = on_record.get(parent)
            row.values["parent_id"] = record["pk"] if record else NewParent(*parent)
        for row in rows:
            key = (row.values["area_id"], row.values["name"])
            if not row.errors and self.under_itself(key, parent_of):
                message = _("An organisation cannot be under itself or under one it is above.")
                self.fail(row, header, message, context)

    @staticmethod
    def on_record(communities: set[str]) -> dict[tuple, dict]:
        """The organisations of these communities by key, with their parent's key."""
        if not communities:
            return {}
        lookup = reduce(or_, (Q(area__code__startswith=code) for code in communities))
        records = PartyOrganisation.objects.filter(lookup).values(
            "pk", "area_id", "name", "area__code", "parent__area_id", "parent__name"
        )
        found = {}
        for record in records:
            parent = (record["parent__area_id"], record["parent__name"])
            record["parent"] = parent if parent[0] is not None else None
            found[record["area_id"], record["name"]] = record
        return found

    @staticmethod
    def under_itself(key: tuple, parent_of: dict[tuple, tuple | None]) -> bool:
        seen = set()
        above = parent_of.get(key)
        while above is not None and above not in seen:
            if above == key:
                return True
            seen.add(above)
            above = parent_of.get(above)
        return False

    def write(self, new, changed, context) -> None:
        """Rows under an organisation this file creates are written without it, then put
        under it once it has an id."""
        waiting = {
            row.number: (row, row.values["parent_id"])
            for row in chain(new, (row for row, _before in changed))
            if isinstance(row.values.get("parent_id"), NewParent)
        }
        for row, _parent in waiting.values():
            row.values["parent_id"] = None
        super().write(new, changed, context)
        if not waiting:
            return
        keys = {(row.values["area_id"], row.values["name"]) for row, _parent in waiting.values()}
        keys |= {tuple(parent) for _row, parent in waiting.values()}
        ids = {
            (area_id, name): pk
            for pk, area_id, name in PartyOrganisation.objects.filter(
                area_id__in={key[0] for key in keys}, name__in={key[1] for key in keys}
            ).values_list("pk", "area_id", "name")
        }
        PartyOrganisation.objects.bulk_update(
            [
                PartyOrganisation(
                    pk=ids[row.values["area_id"], row.values["name"]],
                    parent_id=ids[tuple(parent)],
                )
                for row, parent in waiting.values()
            ],
            ["parent_id"],
            batch_size=BATCH,
        )


class PartyMemberResource(RegistryResource):
    slug = "party_members"
    personal_data = True
    title = gettext_lazy("Party members")
    area_path = "organisation__area"
    key = ("organisation_id", "resident_id")
    stored = ("organisation_id", "resident_id", "duty", "joined_on")
    record_models = (PartyMember,)

    area = area_code()
    organisation = Column(
        "organisation",
        gettext_lazy("party organisation"),
        KeyWidget(),
        validated=False,
        required=True,
        example="第一网格党支部",
    )
    member_name = Column("name", gettext_lazy("full name"), validated=False, example="王建国")
    id_number = Column("id_number", gettext_lazy("ID number"), IDNumberWidget(), required=True)
    duty = Column(
        "duty",
        gettext_lazy("duty"),
        ChoiceWidget(PartyMember.Duty),
        example=PartyMember.Duty.MEMBER.label,
    )
    joined_on = Column("joined_on", gettext_lazy("joined the party on"), DateWidget())

    class Meta:
        model = PartyMember
        fields = ("area", "organisation", "member_name", "id_number", "duty", "joined_on")

    def example_row(self) -> list[Any]:
        row = super().example_row()
        row[3] = example_id_number()
        row[5] = datetime.date(2005, 7, 1)
        return row

    def model_field(self, column: Column) -> models.Field | None:
        if column.attribute == "id_number":
            return Resident._meta.get_field("id_number")
        return super().model_field(column)

    def key_columns(self) -> list[str]:
        return ["id_number"]

    def export_expressions(self) -> dict[str, Any]:
        return {
            "area": F("organisation__area__code"),
            "organisation": F("organisation__name"),
            "name": F("resident__name"),
            "id_number": F("resident__id_number"),
        }

    def resolve(self, rows, columns, context) -> None:
        """The organisation is named by its area and name, and must be on record; the member
        by ID number, among the residents whose personal data the importer sees (as in the
        admin's form), and the name, if given, must be theirs."""
        resolve_areas(self, rows, columns, context)
        rows = [row for row in rows if not row.errors]
        organisations = {
            (area_id, name): pk
            for pk, area_id, name in PartyOrganisation.objects.filter(
                area_id__in={row.values["area_id"] for row in rows},
                name__in={row.values["organisation"] for row in rows},
            ).values_list("pk", "area_id", "name")
        }
        residents = {
            values["id_number"]: values
            for values in Resident.objects.filter(
                bulk.AnyOf(F("id_number"), {row.values["id_number"] for row in rows})
            )
            .order_by()
            .values("pk", "name", "id_number", code=F("household__building__grid__code"))
        }
        for row in rows:
            values = row.values
            name = values.pop("organisation")
            values["organisation_id"] = organisations.get((values.pop("area_id"), name))
            if values["organisation_id"] is None:
                message = _(
                    "There is no party organisation %(name)s in this area: add it first."
                ) % {"name": name}
                self.fail(row, columns["organisation"].header, message, context)
            resident = residents.get(values.pop("id_number"))
            if resident is None or not context.sees_personal_data(resident["code"]):
                message = _("No resident with this ID number where you may see personal data.")
                self.fail(row, columns["id_number"].header, message, context)
                continue
            values["resident_id"] = resident["pk"]
            given = values.pop("name", None)
            if given and given != resident["name"]:
                message = _(
                    "The households register names the resident with this ID number %(name)s."
                ) % {"name": resident["name"]}
                self.fail(row, columns["name"].header, message, context)
