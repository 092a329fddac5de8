"""factory_boy factories for the registry: valid codes, ID numbers and phones by construction."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from grid.models import (
    Area,
    Assignment,
    Building,
    Department,
    Facility,
    Household,
    Resident,
    Role,
    Tag,
    Unit,
)
from grid.validators import CREDIT_CHARS, credit_check_char, id_check_char


def valid_id_number(n: int, region: str = "340705", birth: datetime.date | None = None) -> str:
    birth = birth or datetime.date(1960, 1, 1) + datetime.timedelta(days=n % 20000)
    first17 = f"{region}{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def valid_credit_code(n: int) -> str:
    body = "".join(CREDIT_CHARS[(n // 31**i) % 31] for i in range(9))
    first17 = f"91340705{body}"
    return first17 + credit_check_char(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("code",)

    code = "340705"
    name = "铜官区"
    parent = None


class AreaFactory(factory.django.DjangoModelFactory):
    """A child area; its code is the parent's code followed by the next free 3 digits."""

    class Meta:
        model = Area

    parent = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"区域{n}")
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.code}{n % 998 + 1:03d}")
    kind = ""


class StreetFactory(AreaFactory):
    name = factory.Sequence(lambda n: f"街道{n}")


class CommunityFactory(AreaFactory):
    parent = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"社区{n}")


class GridFactory(AreaFactory):
    parent = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"网格{n}")
    kind = Area.Kind.RESIDENTIAL


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    grid = factory.SubFactory(GridFactory)
    name = factory.Sequence(lambda n: f"{n}栋")
    address = factory.Sequence(lambda n: f"长江路{n}号")
    floors = 6
    units = 2


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    building = factory.SubFactory(BuildingFactory)
    door_number = factory.Sequence(lambda n: f"1-{n}")
    registered_population = 2


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"居民{n}")
    id_number = factory.Sequence(valid_id_number)
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    relation = Resident.Relation.HOUSEHOLDER


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"标签{n}")
    short = factory.LazyAttribute(lambda o: o.name[0])


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"单位{n}")
    unit_type = Unit.Type.ENTERPRISE
    credit_code = factory.Sequence(valid_credit_code)
    address = "长江路1号"
    grid = factory.SubFactory(GridFactory)


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    name = factory.Sequence(lambda n: f"设施{n}")
    facility_type = Facility.Type.PARK
    grid = factory.SubFactory(GridFactory)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    key = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"部门{n}")


def group_with(*perms: str) -> Group:
    group = Group.objects.create(name=f"group-{Group.objects.count()}-{'-'.join(perms)[:60]}")
    for perm in perms:
        app_label, codename = perm.split(".")
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return group


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    key = factory.Sequence(lambda n: f"role{n}")
    name = factory.Sequence(lambda n: f"角色{n}")
    scope = Role.Scope.AREA


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    user = factory.SubFactory(UserFactory)
    role = factory.SubFactory(RoleFactory)
    area = factory.SubFactory(CommunityFactory)


REGISTRY_EDIT = (
    "wagtailadmin.access_admin",
    *(
        f"grid.{action}_{model}"
        for model in ("area", "building", "household", "resident", "unit", "facility")
        for action in ("view", "add", "change", "delete")
    ),
    "grid.view_personal_data",
)


def worker_on(area: Area, perms: tuple[str, ...] = REGISTRY_EDIT, **user_fields):
    """A user holding a role with `perms` on `area`."""
    role = RoleFactory(group=group_with(*perms))
    return AssignmentFactory(area=area, role=role, user=UserFactory(**user_fields)).user
