"""A department's monthly return, filed by three communities (one late), pre-filled from the
registers, summed up the area tree, drilled into and exported; a period filed once; reminders
and overdue notices with a frozen clock."""

import datetime
import io

import openpyxl
import pytest

from forms.models import FormDefinitionField
from returns import periods, selectors, services
from returns.models import Filing, Notice
from workflows.models import Notification

from ..factories import (
    CommunityFactory,
    HouseholdFactory,
    ResidentFactory,
    valid_id_number,
)
from .factories import JANUARY, at, clerk, file, filer, reader

pytestmark = pytest.mark.django_db


def people(community, households: int, elderly: int, young: int) -> None:
    """Households in the community, with `elderly` residents born in 1950 and `young` in 2000."""
    from ..factories import BuildingFactory, GridFactory

    building = BuildingFactory(grid=GridFactory(parent=community))
    made = [HouseholdFactory(building=building) for _ in range(households)]
    for n in range(elderly + young):
        born = datetime.date(1950 if n < elderly else 2000, 3, 1)
        ResidentFactory(
            household=made[n % households],
            id_number=valid_id_number(
                900000 + ResidentFactory._meta.model.objects.count(), birth=born
            ),
        )


def test_the_registers_fill_in_the_bound_fields(city):
    first = city["communities"][0]
    people(first, households=4, elderly=3, young=5)
    period = periods.period_starting(city["return"], JANUARY)
    names = {f.label: f.clean_name for f in city["return"].form.fields.all()}
    assert services.prefill(city["return"], first, period) == {
        names["户数"]: 4,
        names["老年人数"]: 3,
    }


def test_three_communities_file_one_late_and_the_street_sees_the_sums(client, city):
    people(city["communities"][0], households=4, elderly=3, young=1)
    january = periods.period_starting(city["return"], JANUARY)
    assert january.due == datetime.date(2026, 2, 5)
    file(city, 0, {"户数": 4, "老年人数": 3, "新增救助对象": 1}, at(datetime.date(2026, 2, 2)))
    file(city, 1, {"户数": 10, "老年人数": 6, "新增救助对象": 2}, at(datetime.date(2026, 2, 5), 23))
    late = file(
        city,
        2,
        {"户数": 7, "老年人数": 2, "新增救助对象": 0, "工作情况": "已完成"},
        at(datetime.date(2026, 2, 6)),
    )
    assert late.late
    assert Filing.objects.filter(late=False).count() == 2

    official = reader(city["street"])
    client.force_login(official)
    page = client.get(f"/returns/{city['return'].pk}/?period=2026-01-01").content.decode()
    # The street official's table starts at the street: its two communities, with answers.
    assert "五松社区" in page and "长江社区" in page and "铜官山社区" not in page
    assert "2 of 2 filed, 0 late." in page

    department_clerk = clerk(city["department"])
    client.force_login(department_clerk)
    page = client.get(f"/returns/{city['return'].pk}/?period=2026-01-01").content.decode()
    assert "3 of 3 filed, 1 late." in page
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/returns/{city['return'].pk}/xlsx/?period=2026-01-01").content)
    )
    rows = [list(row) for row in book.active.iter_rows(values_only=True)]
    assert rows[0] == [
        "Area",
        "Code",
        "To file",
        "Filed",
        "Late",
        "Sent back",
        "户数",
        "老年人数",
        "新增救助对象",
    ]
    by_street = {row[0]: row for row in rows[1:]}
    assert by_street["长江路街道"][2:] == [2, 2, 0, 0, 14, 9, 3]
    assert by_street["铜官山街道"][2:] == [1, 1, 1, 0, 7, 2, 0]
    assert by_street["Total"][2:] == [3, 3, 1, 0, 21, 11, 3]

    # Drilled into a street: a row per community with its answers.
    street = city["street"].code
    book = openpyxl.load_workbook(
        io.BytesIO(
            client.get(
                f"/returns/{city['return'].pk}/xlsx/?period=2026-01-01&area={street}"
            ).content
        )
    )
    rows = [list(row) for row in book.active.iter_rows(values_only=True)]
    assert rows[0][-4:] == ["Status", "Filed at", "Filed by", "工作情况"]
    assert [row[:9] for row in rows[1:]] == [
        ["五松社区", city["communities"][0].code, 1, 1, 0, 0, 4, 3, 1],
        ["长江社区", city["communities"][1].code, 1, 1, 0, 0, 10, 6, 2],
        ["Total", street, 2, 2, 0, 0, 14, 9, 3],
    ]


def test_a_period_is_filed_once(city):
    when = at(datetime.date(2026, 2, 1))
    file(city, 0, {"户数": 4, "老年人数": 3, "新增救助对象": 1}, when)
    with pytest.raises(services.FilingRefused, match="has already filed this return for 2026-01"):
        file(city, 0, {"户数": 5, "老年人数": 3, "新增救助对象": 1}, when)
    assert Filing.objects.get().submission.form_data  # the first answers stay
    assert Filing.objects.count() == 1


def test_the_filing_page_shows_what_the_registers_filled_in(client, city):
    people(city["communities"][0], households=2, elderly=1, young=0)
    client.force_login(city["filers"][0])
    url = f"/returns/{city['return'].pk}/file/{city['communities'][0].code}/2026-01-01/"
    page = client.get(url).content.decode()
    assert "2 of 4 fields are filled in from the registers" in page
    assert 'value="2"' in page and 'value="1"' in page
    names = {f.label: f.clean_name for f in city["return"].form.fields.all()}
    answer = client.post(
        url, {names["户数"]: "3", names["老年人数"]: "1", names["新增救助对象"]: "x"}
    )
    assert "Enter a number." in answer.content.decode()
    assert not Filing.objects.exists()
    answer = client.post(
        url, {names["户数"]: "3", names["老年人数"]: "1", names["新增救助对象"]: "0"}
    )
    assert answer.status_code == 302
    filing = Filing.objects.get()
    # The filer's correction is kept beside what the registers said.
    assert filing.prefilled == {names["户数"]: 2, names["老年人数"]: 1}
    assert filing.submission.form_data[names["户数"]] == "3"
    assert filing.late  # January was due on 5 February


def test_others_cannot_file_or_read_a_community_s_return(client, city):
    url = f"/returns/{city['return'].pk}/file/{city['communities'][0].code}/2026-01-01/"
    client.force_login(city["filers"][1])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404
    outsider = filer(CommunityFactory(name="别处社区"))
    client.force_login(outsider)
    assert client.get(f"/returns/{city['return'].pk}/").status_code == 404
    assert client.get(f"/returns/{city['return'].pk}/xlsx/").status_code == 404
    assert "民政月报" not in client.get("/returns/").content.decode()
    # A period not begun, or not of the return, is no filing.
    client.force_login(city["filers"][0])
    code = city["communities"][0].code
    for start in ("2027-01-01", "2026-01-02", "nonsense"):
        assert client.get(f"/returns/{city['return'].pk}/file/{code}/{start}/").status_code == 404


def test_the_filers_list_shows_what_is_due_and_overdue(city):
    first = city["filers"][0]
    due = selectors.to_file(first, today=datetime.date(2026, 3, 10))
    assert [(d.period.label, d.area.name) for d in due] == [
        ("2026-01", "五松社区"),
        ("2026-02", "五松社区"),
        ("2026-03", "五松社区"),
    ]
    file(city, 0, {"户数": 1, "老年人数": 0, "新增救助对象": 0}, at(datetime.date(2026, 2, 3)))
    due = selectors.to_file(first, today=datetime.date(2026, 3, 10))
    assert [d.period.label for d in due] == ["2026-02", "2026-03"]


def test_reminders_before_the_due_day_and_overdue_after_it_each_once(city):
    january = periods.period_starting(city["return"], JANUARY)
    file(city, 0, {"户数": 1, "老年人数": 0, "新增救助对象": 0}, at(datetime.date(2026, 2, 1)))
    assert services.send_notices(today=datetime.date(2026, 2, 1)) == 0  # 4 days before
    assert services.send_notices(today=datetime.date(2026, 2, 2)) == 2  # 3 days before
    assert services.send_notices(today=datetime.date(2026, 2, 4)) == 0  # sent already
    reminded = Notification.objects.filter(text__startswith="Due on 2026-02-05")
    assert {n.user_id for n in reminded} == {user.pk for user in city["filers"][1:]}
    assert not Notification.objects.filter(user=city["filers"][0]).exists()
    file(city, 1, {"户数": 1, "老年人数": 0, "新增救助对象": 0}, at(datetime.date(2026, 2, 5)))
    assert services.send_notices(today=datetime.date(2026, 2, 6)) == 1
    overdue = Notification.objects.get(text__startswith="Overdue")
    assert overdue.user == city["filers"][2]
    assert overdue.url == services.filing_url(city["return"], city["communities"][2], january)
    assert services.send_notices(today=datetime.date(2026, 2, 7)) == 0
    assert Notice.objects.filter(kind=Notice.Kind.OVERDUE).count() == 1


def test_a_personal_field_the_form_gained_later_is_masked_in_the_table(client, city):
    """The return's definition refuses a form asking for personal data; should its form be
    given such a field afterwards, the street and the department read its answers masked."""
    form = city["return"].form
    form.fields.add(
        FormDefinitionField(label="负责人电话", field_type="phone", required=False, sort_order=9)
    )
    form.save()
    filed = file(city, 0, {"户数": 4, "老年人数": 3, "新增救助对象": 1}, at(JANUARY))
    filed.submission.form_data[form.fields.get(label="负责人电话").clean_name] = "13912345678"
    filed.submission.save()
    client.force_login(clerk(city["department"]))
    street = city["street"].code
    page = client.get(
        f"/returns/{city['return'].pk}/?period=2026-01-01&area={street}"
    ).content.decode()
    assert "负责人电话" in page and "13912345678" not in page and "139****5678" in page
