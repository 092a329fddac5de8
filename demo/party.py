"""The demo's party organisations: 五松社区's party committee and the branch of its first grid
(the grid worker's), whose members are the grid's residents marked as party members, the
first of them its secretary."""

from collections import Counter

from django.db import transaction

from grid.models import Area, PartyMember, PartyOrganisation, Resident

COMMUNITY = "340705001001"
GRID = "340705001001001"
PARTY_TAG = "党员"


def build() -> Counter:
    created: Counter = Counter()
    community = Area.objects.filter(code=COMMUNITY).first()
    grid = Area.objects.filter(code=GRID).first()
    if community is None or grid is None:
        return created
    with transaction.atomic():
        committee, made = PartyOrganisation.objects.get_or_create(
            area=community,
            name=f"{community.name}党委",
            defaults={"kind": PartyOrganisation.Kind.COMMITTEE},
        )
        created["party organisations"] += made
        branch, made = PartyOrganisation.objects.get_or_create(
            area=grid,
            name=f"{grid.name}党支部",
            defaults={"kind": PartyOrganisation.Kind.BRANCH, "parent": committee},
        )
        created["party organisations"] += made
        if not branch.members.exists():
            residents = Resident.objects.filter(
                household__building__grid=grid, tags__name=PARTY_TAG
            ).order_by("pk")
            PartyMember.objects.bulk_create(
                PartyMember(
                    organisation=branch,
                    resident=resident,
                    duty=PartyMember.Duty.SECRETARY if order == 0 else PartyMember.Duty.MEMBER,
                )
                for order, resident in enumerate(residents)
            )
            created["party members"] += len(residents)
    return created
