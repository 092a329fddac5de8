"""A department clerk defines a return in the admin: admitted by the access list entries of its
communities, or refused, saying which communities lack one; bound fields must be the form's
numbers; other departments' returns are not theirs to see."""

import pytest

from returns.models import Return

from ..factories import CommunityFactory, DepartmentFactory, StreetFactory
from ..forms.factories import definition_with
from .factories import (
    ADD,
    YEAR_END,
    admit,
    clerk,
    definition_data,
    monthly_form,
    monthly_return,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    street = StreetFactory(name="长江路街道")
    communities = [CommunityFactory(parent=street, name=n) for n in ("五松社区", "长江社区")]
    department = DepartmentFactory(name="区民政局")
    return {
        "street": street,
        "communities": communities,
        "department": department,
        "clerk": clerk(department),
        "form": monthly_form(),
    }


def post_data(setting, entries, bindings=()) -> dict:
    return definition_data(
        setting["department"], setting["form"], [setting["street"]], entries, bindings
    )


def test_a_return_admitted_by_the_access_list_is_saved(client, setting):
    entries = admit(setting["department"], *setting["communities"])
    client.force_login(setting["clerk"])
    answer = client.post(ADD, post_data(setting, entries, [("户数", "households")]))
    assert answer.status_code == 302, answer.context["form"].errors
    saved = Return.objects.get()
    assert list(saved.access_entries.all()) == entries
    # The label typed is kept as the field's name, which outlives a relabelling.
    assert saved.bindings.get().field == setting["form"].fields.get(label="户数").clean_name


def test_a_return_without_an_entry_for_every_community_is_refused(client, setting):
    entries = admit(setting["department"], setting["communities"][0])
    client.force_login(setting["clerk"])
    page = client.post(ADD, post_data(setting, entries)).content.decode()
    assert "The access list does not admit this return in 长江社区" in page
    assert not Return.objects.exists()
    # An entry of another department, or one ending too soon, admits nothing either.
    other = admit(DepartmentFactory(), setting["communities"][1])
    short = admit(
        setting["department"], setting["communities"][1], ends_on=YEAR_END.replace(month=6, day=30)
    )
    for extra in (other, short):
        answer = client.post(ADD, post_data(setting, entries + extra))
        assert answer.status_code == 200
    assert not Return.objects.exists()


def test_bound_fields_must_be_number_fields_of_the_form(client, setting):
    entries = admit(setting["department"], *setting["communities"])
    client.force_login(setting["clerk"])
    page = client.post(
        ADD, post_data(setting, entries, [("工作情况", "households"), ("没有", "units")])
    ).content.decode()
    assert "“工作情况” is not a number field of 民政月报." in page
    assert "“没有” is not a number field of 民政月报." in page
    assert not Return.objects.exists()


def test_a_clerk_manages_only_their_department_s_returns(client, setting):
    theirs = monthly_return(setting["department"], [setting["street"]])
    other_department = DepartmentFactory(name="区城管局")
    others = monthly_return(other_department, [setting["street"]], title="城管周报")
    client.force_login(setting["clerk"])
    listing = client.get("/admin/return_definitions/").content.decode()
    assert "民政月报" in listing, listing
    assert "城管周报" not in listing
    for view in ("edit", "delete", "history", "usage"):
        assert client.get(f"/admin/return_definitions/{view}/{theirs.pk}/").status_code == 200
    for view in ("edit", "delete", "history", "usage"):
        assert client.get(f"/admin/return_definitions/{view}/{others.pk}/").status_code == 404
    # The department offered is their own; another's entries are not offered.
    page = client.get(ADD).content.decode()
    assert "区城管局" not in page


def test_a_form_that_asks_for_personal_data_is_refused(client, setting):
    """A return's answers are summed and read by the street and the district: no phone, ID
    number or field ticked personal."""
    entries = admit(setting["department"], *setting["communities"])
    setting["form"] = definition_with(
        {"label": "户数", "field_type": "number"},
        {"label": "联系电话", "field_type": "phone", "required": False},
        {"label": "负责人", "field_type": "singleline", "is_personal": True},
        title="民政月报",
    )
    client.force_login(setting["clerk"])
    answer = client.post(ADD, post_data(setting, entries))
    assert answer.status_code == 200
    assert answer.context["form"].errors["form"] == [
        "A return's answers are read by the street and the district: its form cannot ask for "
        "personal data (联系电话、负责人)."
    ]
    assert not Return.objects.exists()
