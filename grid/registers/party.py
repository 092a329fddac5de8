"""Party members, one row per membership: the organisation (its area's code and its name),
the member's ID number and name as on the households register, their duty and when they
joined. The organisations themselves are few and entered in the admin."""

import datetime
from typing import Any

from django.db import models
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import bulk
from ..models import PartyMember, PartyOrganisation, Resident
from ..widgets import ChoiceWidget, DateWidget, IDNumberWidget, KeyWidget
from .engine import AreaIndex, Column, RegistryResource, example_id_number


class PartyMemberResource(RegistryResource):
    slug = "party_members"
    personal_data = True
    title = gettext_lazy("Party members")
    area_path = "organisation__area"
    key = ("organisation_id", "resident_id")
    stored = ("organisation_id", "resident_id", "duty", "joined_on")
    record_models = (PartyMember,)

    area = Column(
        "area",
        gettext_lazy("area code"),
        KeyWidget(),
        validated=False,
        required=True,
        example="340705001001001",
    )
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
        areas = AreaIndex.of(context)
        areas.fetch(row.values["area"] for row in rows)
        for row in rows:
            try:
                row.values["area_id"] = areas.find(row.values.pop("area"))
            except ValueError as error:
                self.fail(row, columns["area"].header, str(error), context)
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
