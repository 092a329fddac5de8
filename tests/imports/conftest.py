import datetime

import pytest

from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    StreetFactory,
    valid_id_number,
    worker_on,
)


class City:
    """Two communities of one street; the worker answers for the first one only."""

    def __init__(self):
        street = StreetFactory(name="长江路街道")
        self.community = CommunityFactory(parent=street, name="五松社区")
        self.grid = GridFactory(parent=self.community, name="第一网格")
        self.grid_2 = GridFactory(parent=self.community, name="第二网格")
        self.other_community = CommunityFactory(parent=street, name="金口岭社区")
        self.other_grid = GridFactory(parent=self.other_community, name="第三网格")
        self.building = BuildingFactory(grid=self.grid, name="3栋")
        self.building_2 = BuildingFactory(grid=self.grid_2, name="5栋")
        self.other_building = BuildingFactory(grid=self.other_grid, name="9栋")
        self.household = HouseholdFactory(building=self.building, door_number="1-101")
        self.householder = ResidentFactory(
            household=self.household,
            name="王建国",
            id_number=valid_id_number(1, birth=datetime.date(1970, 5, 6)),
            phone="13912345678",
        )
        self.other_household = HouseholdFactory(building=self.other_building, door_number="2-202")
        self.other_resident = ResidentFactory(
            household=self.other_household,
            name="李四",
            id_number=valid_id_number(2, birth=datetime.date(1980, 1, 2)),
        )
        self.worker = worker_on(self.community)


@pytest.fixture
def city(db):
    return City()


def new_id(n: int, year: int = 1990) -> str:
    return valid_id_number(n, birth=datetime.date(year, 3, 15))
