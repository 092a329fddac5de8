"""A filing sent back for correction by the asking side and refiled by its community, counted
as not filed in between; a filing amended by its filer until the period's due day, each
amendment kept in a history the asking side reads; every refusal said and changing nothing.
The clock is set for the pages (January 2026 is due on 5 February)."""

import datetime
import io

import openpyxl
import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from returns import periods, services
from returns.models import Filing, FilingEvent
from workflows.models import Notification

from ..factories import CommunityFactory, StreetFactory
from .factories import JANUARY, answered, at, clerk, file, reader

pytestmark = pytest.mark.django_db

BEFORE_DUE = datetime.date(2026, 2, 3)
AFTER_DUE = datetime.date(2026, 2, 10)


@pytest.fixture
def clock(monkeypatch):
    """Sets the pages' today (and now, at 10:00)."""

    def set_to(day: datetime.date) -> None:
        moment = at(day)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


@pytest.fixture
def filed(city):
    """January filed by all three communities, before its due day."""
    when = at(datetime.date(2026, 2, 2))
    file(city, 0, {"户数": 4, "老年人数": 3, "新增救助对象": 1}, when)
    file(city, 1, {"户数": 10, "老年人数": 6, "新增救助对象": 2}, when)
    file(city, 2, {"户数": 7, "老年人数": 2, "新增救助对象": 0}, when)
    return city


def names(city) -> dict[str, str]:
    return {f.label: f.clean_name for f in city["return"].form.fields.all()}


def urls(city, index: int = 0) -> dict[str, str]:
    code, pk = city["communities"][index].code, city["return"].pk
    return {
        "file": f"/returns/{pk}/file/{code}/2026-01-01/",
        "send_back": f"/returns/{pk}/send-back/{code}/2026-01-01/",
        "street": f"/returns/{pk}/?period=2026-01-01&area={city['street'].code}",
        "xlsx": f"/returns/{pk}/xlsx/?period=2026-01-01",
    }


def filing_of(city, index: int = 0) -> Filing:
    return Filing.objects.get(area=city["communities"][index])


def totals(client, city) -> list:
    book = openpyxl.load_workbook(io.BytesIO(client.get(urls(city)["xlsx"]).content))
    return [list(row) for row in book.active.iter_rows(values_only=True)][-1]


def test_a_filing_sent_back_is_corrected_refiled_and_counted_again(client, filed, clock):
    city = filed
    clock(datetime.date(2026, 2, 12))
    department_clerk = clerk(city["department"], first_name="丽", last_name="王")
    client.force_login(department_clerk)
    page = client.get(urls(city)["send_back"]).content.decode()
    assert "Send back for correction" in page and "五松社区" in page
    answer = client.post(
        urls(city)["send_back"] + "?version=1", {"reason": "户数与上月相差较大，请核实。"}
    )
    assert answer.status_code == 302 and answer.url == urls(city)["street"]
    filing = filing_of(city)
    assert filing.state == Filing.State.RETURNED and filing.version == 2
    assert filing.submission.form_data[names(city)["户数"]] == "4"  # the answers are kept

    # The filers of 五松社区, and nobody else, are told why, with a link to the form.
    told = Notification.objects.get()
    assert told.user == city["filers"][0]
    assert "户数与上月相差较大，请核实。" in told.text and told.url == urls(city)["file"]

    # The table counts it as not filed and leaves its figures out of the sums.
    page = client.get(urls(city)["street"]).content.decode()
    assert "1 of 2 filed, 0 late." in page
    assert "1 sent back for correction: not counted until refiled." in page
    assert totals(client, city)[2:] == [3, 2, 0, 1, 17, 8, 2]

    # The filer finds it first on their list, with the reason, and the form holds their answers.
    client.force_login(city["filers"][0])
    page = client.get("/returns/").content.decode()
    items = page.split('class="returns-item')[1:]
    assert "Sent back" in items[0] and "2026-01" in items[0]
    assert "Reason: 户数与上月相差较大，请核实。" in items[0]
    assert "2026-02" in items[1] and "Sent back" not in items[1]
    page = client.get(urls(city)["file"]).content.decode()
    assert 'value="4"' in page and "户数与上月相差较大，请核实。" in page
    assert "?version=2" in page
    answer = client.post(
        urls(city)["file"] + "?version=2",
        {names(city)["户数"]: "5", names(city)["老年人数"]: "3", names(city)["新增救助对象"]: "1"},
    )
    assert answer.status_code == 302
    filing = filing_of(city)
    assert filing.state == Filing.State.REFILED and filing.version == 3
    assert filing.submission.form_data[names(city)["户数"]] == "5"
    assert [e.kind for e in filing.events.all()] == ["sent_back", "refiled"]
    assert filing.events.last().answers[names(city)["户数"]] == "4"
    # Whoever sent it back is told it is refiled.
    assert Notification.objects.get(user=department_clerk).text.startswith("Refiled: 民政月报")

    client.force_login(department_clerk)
    page = client.get(urls(city)["street"]).content.decode()
    assert "2 of 2 filed, 0 late." in page and "Refiled" in page
    assert "户数: 4 → 5" in page and "Reason: 户数与上月相差较大，请核实。" in page
    assert totals(client, city)[2:] == [3, 3, 0, 0, 22, 11, 3]
    actions = [
        (entry.action, entry.user_id, entry.data["area"])
        for entry in ModelLogEntry.objects.for_instance(filing).order_by("pk")
    ]
    assert actions == [
        (services.FILE_ACTION, city["filers"][0].pk, city["communities"][0].code),
        (services.SEND_BACK_ACTION, department_clerk.pk, city["communities"][0].code),
        (services.REFILE_ACTION, city["filers"][0].pk, city["communities"][0].code),
    ]


def test_a_street_official_sends_back_only_the_street_s_filings(client, filed, clock):
    """Who reads a filing in the table may send it back: the same rules, nobody else."""
    city = filed
    clock(AFTER_DUE)
    client.force_login(reader(city["street"]))
    assert client.get(urls(city)["send_back"]).status_code == 200
    other_street = urls(city, 2)["send_back"]
    assert client.get(other_street).status_code == 404
    assert client.post(other_street + "?version=1", {"reason": "请核实"}).status_code == 404
    with pytest.raises(services.FilingRefused, match="You do not read this return's filings"):
        services.send_back(
            reader(city["street"]),
            city["return"],
            city["communities"][2],
            periods.period_starting(city["return"], JANUARY),
            "请核实",
            1,
        )
    # Readers of another community get a 404 whatever they ask; so do the community's own
    # filers, who read their filing but may not send it back to themselves (that would
    # amend it after the due day).
    for user in (city["filers"][0], reader(CommunityFactory(parent=StreetFactory()))):
        client.force_login(user)
        assert client.get(urls(city)["send_back"]).status_code == 404
        assert (
            client.post(urls(city)["send_back"] + "?version=1", {"reason": "x"}).status_code == 404
        )
    client.force_login(city["filers"][0])
    assert "/send-back/" not in client.get(urls(city)["street"]).content.decode()
    # A period not filed, not begun, or not of the return.
    client.force_login(clerk(city["department"]))
    code = city["communities"][0].code
    for start in ("2026-02-01", "2026-03-01", "2026-01-02", "nonsense"):
        url = f"/returns/{city['return'].pk}/send-back/{code}/{start}/"
        assert client.get(url).status_code == 404, start
    assert not FilingEvent.objects.exists()
    assert set(Filing.objects.values_list("state", flat=True)) == {Filing.State.FILED}


def test_sending_back_is_refused_with_a_reason_and_changes_nothing(client, filed, clock):
    city = filed
    clock(AFTER_DUE)
    client.force_login(clerk(city["department"]))
    url = urls(city)["send_back"]
    for reason, message in [
        ("   ", "Say what is to be corrected: a filing is sent back with a reason."),
        ("长" * 201, "Keep the reason to 200 characters."),
    ]:
        page = client.post(url + "?version=1", {"reason": reason}).content.decode()
        assert message in page
    # A page opened before the filer amended it: refused, and shown as it is now.
    page = client.post(url + "?version=7", {"reason": "请核实"}).content.decode()
    assert "was changed while you had it open" in page and "?version=1" in page
    assert filing_of(city).state == Filing.State.FILED and not FilingEvent.objects.exists()
    assert not Notification.objects.exists()

    client.post(url + "?version=1", {"reason": "请核实户数"})
    page = client.post(url + "?version=2", {"reason": "再次退回"}).content.decode()
    assert "is already sent back, waiting for its filers" in page
    assert "This filing is sent back already" in client.get(url).content.decode()
    assert FilingEvent.objects.count() == 1 and Notification.objects.count() == 1


def test_a_filer_amends_before_the_due_day_and_the_asking_side_reads_the_history(
    client, filed, clock
):
    city = filed
    clock(BEFORE_DUE)
    client.force_login(city["filers"][0])
    page = client.get("/returns/").content.decode()
    assert "Amend (until 2026-02-05)" in page
    page = client.get(urls(city)["file"]).content.decode()
    assert "You may amend it until 2026-02-05" in page and 'value="4"' in page
    fields = names(city)
    unchanged = {fields["户数"]: "4", fields["老年人数"]: "3", fields["新增救助对象"]: "1"}
    page = client.post(urls(city)["file"] + "?version=1", unchanged).content.decode()
    assert "Nothing was changed: the filing stays as it was." in page
    assert not FilingEvent.objects.exists()

    first = {**unchanged, fields["老年人数"]: "5"}
    assert client.post(urls(city)["file"] + "?version=1", first).status_code == 302
    second = {**first, fields["工作情况"]: "补报两户"}
    assert client.post(urls(city)["file"] + "?version=2", second).status_code == 302
    filing = filing_of(city)
    assert filing.state == Filing.State.FILED and not filing.late and filing.version == 3
    assert [e.kind for e in filing.events.all()] == ["amended", "amended"]

    client.force_login(clerk(city["department"]))
    page = client.get(urls(city)["street"]).content.decode()
    assert "2 changes" in page and "老年人数: 3 → 5" in page and "工作情况: — → 补报两户" in page
    assert page.index("老年人数: 3 → 5") < page.index("工作情况: — → 补报两户")
    assert totals(client, city)[2:] == [3, 3, 0, 0, 21, 13, 3]
    assert ModelLogEntry.objects.filter(action=services.AMEND_ACTION).count() == 2


def test_amending_after_the_due_day_or_another_area_s_filing_is_refused(client, filed, clock):
    city = filed
    clock(AFTER_DUE)
    client.force_login(city["filers"][0])
    assert "Amend (until" not in client.get("/returns/").content.decode()
    fields = names(city)
    for answer in (
        client.get(urls(city)["file"], follow=True),
        client.post(urls(city)["file"] + "?version=1", {fields["户数"]: "9"}, follow=True),
    ):
        assert answer.redirect_chain[-1][0] == "/returns/"
        assert (
            "It was due on 2026-02-05 and can no longer be amended: should a figure be wrong, "
            "ask 区民政局 to send it back." in answer.content.decode()
        )
    with pytest.raises(services.FilingRefused, match="can no longer be amended"):
        services.amend(
            city["filers"][0],
            city["return"],
            city["communities"][0],
            periods.period_starting(city["return"], JANUARY),
            answered(city["return"], {"户数": 9, "老年人数": 3, "新增救助对象": 1}),
            1,
            now=at(AFTER_DUE),
        )
    # Another community's filing, even before the due day, is a 404 to its neighbour's filer.
    clock(BEFORE_DUE)
    client.force_login(city["filers"][1])
    assert client.post(urls(city)["file"] + "?version=1", {fields["户数"]: "9"}).status_code == 404
    assert not FilingEvent.objects.exists()
    assert filing_of(city).submission.form_data[fields["户数"]] == "4"


def test_a_form_opened_before_a_send_back_is_shown_again(client, filed, clock):
    """The filer opened the amendment form; the clerk sent the filing back meanwhile: the
    filer's send is refused, and the form comes back as the refiling, with the reason."""
    city = filed
    clock(BEFORE_DUE)
    client.force_login(clerk(city["department"]))
    client.post(urls(city)["send_back"] + "?version=1", {"reason": "老年人数有误"})
    client.force_login(city["filers"][0])
    fields = names(city)
    answer = client.post(
        urls(city)["file"] + "?version=1",
        {fields["户数"]: "4", fields["老年人数"]: "9", fields["新增救助对象"]: "1"},
        follow=True,
    )
    page = answer.content.decode()
    assert answer.redirect_chain == [(urls(city)["file"], 302)]
    assert "was changed while you had it open" in page and "老年人数有误" in page
    filing = filing_of(city)
    assert filing.state == Filing.State.RETURNED
    assert filing.submission.form_data[fields["老年人数"]] == "3"
