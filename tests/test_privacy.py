"""docs/privacy.md, row by row, on the demo city as `seed_demo` builds it and as its people
sign in: what each role sees masked, in full, or not at all."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from wagtail.models import ModelLogEntry
from wagtail.models import Task as PageTask

from demo import processes as process_demo
from forms.models import Submission
from grid.models import Household, PersonalDataLogEntry, Resident
from workflows import selectors as workflow_selectors
from workflows import services as workflow_services
from workflows.models import Notification, ProcessInstance

from .forms.factories import data
from .imports.files import csv_bytes
from .imports.helpers import run
from .workflows import inbox

User = get_user_model()

# Eighteen-character ID numbers as the registry stores them (17 digits and a check character).
FULL_ID_NUMBER = re.compile(r"\b\d{17}[\dX]\b")
REPORTER, REPORTER_PHONE = "李秀英", "13905621234"  # a named supervision report, referred


@pytest.fixture
def city(demo_city, db):
    return None


def as_user(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def process_of(name: str) -> ProcessInstance:
    return next(
        process
        for process in ProcessInstance.objects.select_related("submission")
        if name in process.submission.form_data.values()
    )


def household_in(grid_code: str) -> Household:
    return (
        Household.objects.filter(building__grid__code=grid_code, members__id_number__isnull=False)
        .distinct()
        .first()
    )


def test_registry_lists_mask_ids_and_phones_for_every_role(city):
    for username in (
        "admin",
        "street_official",
        "community_worker",
        "grid_worker",
        "party_secretary",
    ):
        client = as_user(username)
        for register in ("household", "resident"):
            response = client.get(f"/admin/grid/{register}/")
            assert response.status_code == 200, (username, register)
            page = response.content.decode()
            assert not FULL_ID_NUMBER.search(page), (username, register)
            assert not re.search(r"\b1[3-9]\d{9}\b", page), (username, register)


def test_record_pages_need_the_personal_data_permission(city):
    """A party branch secretary reads the masked list of their grid; the household's page, with
    ID numbers in full, is refused them (and its button hidden). The grid worker opens it, and
    that is audited."""
    household = household_in("340705001001002")
    member = household.members.exclude(id_number=None).first()
    secretary = as_user("party_secretary")
    listing = secretary.get("/admin/grid/household/?q=" + household.door_number).content.decode()
    assert f"/admin/grid/household/inspect/{household.pk}/" not in listing
    refused = secretary.get(f"/admin/grid/household/inspect/{household.pk}/", follow=True)
    assert refused.redirect_chain[0] == ("/admin/", 302)
    assert member.id_number not in refused.content.decode()

    own = household_in("340705001001001")
    own_member = own.members.exclude(id_number=None).first()
    worker = User.objects.get(username="grid_worker")
    page = as_user("grid_worker").get(f"/admin/grid/household/inspect/{own.pk}/")
    assert page.status_code == 200 and own_member.id_number in page.content.decode()
    entry = PersonalDataLogEntry.objects.filter(action="grid.personal_data.view").latest("pk")
    assert entry.user == worker and entry.object_id == str(own.pk)


def test_searching_by_id_number_needs_the_personal_data_permission(city):
    """A search that finds a household by an ID number tells who has that number."""
    household = household_in("340705001001002")
    member = household.members.exclude(id_number=None).first()
    url = f"/admin/grid/household/?q={member.id_number}"
    secretary = as_user("party_secretary").get(url).content.decode()
    assert household.door_number not in secretary
    director = as_user("community_director").get(url).content.decode()
    assert household.door_number in director


def test_household_export_needs_the_personal_data_permission(city):
    assert as_user("party_secretary").get("/admin/grid/household/?export=csv").status_code in (
        302,
        403,
    )
    response = as_user("grid_worker").get("/admin/grid/household/?export=csv")
    assert response.status_code == 200
    exported = b"".join(response.streaming_content).decode("utf-8-sig")
    ids = set(FULL_ID_NUMBER.findall(exported))
    assert ids, "the grid worker's export carries ID numbers in full"
    grids = set(
        Resident.objects.filter(id_number__in=ids).values_list(
            "household__building__grid__code", flat=True
        )
    )
    assert grids == {"340705001001001"}


def test_submissions_list_masks_for_everyone(city):
    report = process_of(REPORTER).submission
    listing = as_user("admin").get(
        f"/admin/forms/submission/?definition__id__exact={report.definition_id}"
    )
    page = listing.content.decode()
    assert REPORTER_PHONE not in page and REPORTER not in page
    assert report.reference not in page


def test_submission_detail_follows_the_seal(city):
    """Supervision reports ship sealed to the community's supervision committee: a platform
    admin reads the report with the reporter masked, exports it masked, and cannot find it by
    the reporter's phone."""
    report = process_of(REPORTER).submission
    assert report.definition.is_sealed
    admin = as_user("admin")
    page = admin.get(f"/admin/forms/submission/inspect/{report.pk}/").content.decode()
    assert REPORTER not in page and REPORTER_PHONE not in page
    assert "李*英" in page and "139****1234" in page
    exported = admin.get(
        f"/admin/forms/submission/?definition__id__exact={report.definition_id}&export=csv"
    )
    text = (
        b"".join(exported.streaming_content).decode("utf-8-sig")
        if exported.streaming
        else (exported.content.decode("utf-8-sig"))
    )
    assert "139****1234" in text and REPORTER_PHONE not in text and REPORTER not in text
    found = admin.get(f"/admin/forms/submission/?q={REPORTER_PHONE}").content.decode()
    assert f"/admin/forms/submission/inspect/{report.pk}/" not in found


def test_the_committee_sees_a_sealed_reporter_and_the_viewing_is_audited(city):
    process = process_of(REPORTER)
    page = as_user("supervisor").get(f"/workflow/generic/{process.pk}/").content.decode()
    assert REPORTER in page and REPORTER_PHONE in page
    entry = ModelLogEntry.objects.filter(action="grid.personal_data.view").latest("pk")
    assert entry.user.username == "supervisor" and entry.object_id == str(process.pk)


def test_the_department_never_sees_a_sealed_reporter_after_a_revision(city):
    """The referred department answers without learning who reported: not in the intake, not
    in a revision the reporter sent after a return, not in its notifications."""
    process = process_of("王建平")  # a named report, waiting for the committee
    supervisor = User.objects.get(username="supervisor")
    inbox.decide(supervisor, process, "return", message="请写明具体时间")
    revised = process_demo.report(
        0,
        process_demo.WUSONG,
        "社区服务中心",
        "11 月 3 日办理居住证明时被要求提供无关材料。",
        "王建平",
    ) | {"联系电话": "13905629999"}
    intake = process.version.definition.intake_form
    response = Client().post(f"/track/{process.reference}/", data(intake, revised))
    assert response.status_code == 302
    inbox.decide(supervisor, process, "approve")
    inbox.decide(supervisor, process, "refer", department=process_department("civil_affairs"))
    clerk = as_user("department_clerk")
    task = inbox.open_task(process)
    clerk.post(inbox.task_url(task, "assign"))
    for url in (inbox.task_url(task, "execute"), f"/workflow/generic/{process.pk}/"):
        page = clerk.get(url).content.decode()
        assert "11 月 3 日" in page  # what the department needs to answer
        for secret in ("王建平", "13905629999", "13905621234"):
            assert secret not in page, (url, secret)
    notes = Notification.objects.filter(user__username="department_clerk").values_list(
        "text", flat=True
    )
    assert not any("王建平" in text or "13905629999" in text for text in notes)
    # The committee reads the revision whole.
    page = as_user("supervisor").get(f"/workflow/generic/{process.pk}/").content.decode()
    assert "13905629999" in page


def process_department(key: str) -> int:
    from grid.models import Department

    return Department.objects.get(key=key).pk


def test_a_cleaner_cannot_read_an_applicants_id_number(city):
    """A cleaner, a building leader and a volunteer of the community do not work a volunteer
    registration: its page is not theirs, and nothing of it reaches them."""
    process = process_of("周晓梅")
    for username in ("cleaner", "building_leader", "volunteer", "group_leader"):
        response = as_user(username).get(f"/workflow/generic/{process.pk}/")
        assert response.status_code in (302, 403, 404), username
        assert "340705199003150020" not in response.content.decode()
    worker = as_user("community_worker").get(f"/workflow/generic/{process.pk}/")
    assert "340705199003150020" in worker.content.decode()


def test_staff_never_see_a_reference_code(city):
    # A process's reference code is its intake's.
    codes = list(Submission.objects.values_list("reference", flat=True))
    for username in (
        "admin",
        "community_worker",
        "supervisor",
        "street_official",
        "grid_worker",
        "department_clerk",
    ):
        client = as_user(username)
        pages = [
            "/tasks/",
            "/workflow/generic/queue/",
            "/workflow/generic/",
            "/admin/",
            "/accounts/",
        ]
        user = User.objects.get(username=username)
        if user.is_superuser:
            pages += [
                f"/admin/forms/submission/{view}/{pk}/"
                for pk in Submission.objects.values_list("pk", flat=True)[:4]
                for view in ("inspect", "delete")
            ]
        visible = workflow_selectors.visible_processes(user).values_list("pk", flat=True)
        pages += [f"/workflow/generic/{pk}/" for pk in visible]
        pages += [f"/workflow/generic/{pk}/chart/" for pk in visible[:2]]
        for url in pages:
            text = client.get(url, follow=True).content.decode()
            leaked = [code for code in codes if code in text]
            assert not leaked, (username, url, leaked)


def test_the_assignment_form_offers_only_accounts_of_the_jurisdiction_and_masks_volunteers(city):
    """A volunteer's account is opened under the volunteer's phone: the street official, who
    may not see volunteers, reads it masked; accounts holding roles only in another street are
    not offered, and posting one is refused."""
    from grid.models import Area, Role, Volunteer

    volunteer = Volunteer.objects.select_related("user").get(user__username__regex=r"^1\d{10}$")
    elsewhere = User.objects.get(username="community_worker_2")
    official = as_user("street_official")
    page = official.get("/admin/grid/assignment/create/").content.decode()
    assert volunteer.phone not in page and volunteer.name not in page
    assert "吴*强 (138****0102)" in page
    assert "陈静 (community_worker)" in page  # a colleague of the street, in full
    accounts = re.search(r'<select name="user".*?</select>', page, re.S).group(0)
    assert f'value="{elsewhere.pk}"' not in accounts and "community_worker_2" not in page
    refused = official.post(
        "/admin/grid/assignment/create/",
        {
            "user": elsewhere.pk,
            "role": Role.objects.get(key="cleaner").pk,
            "area": Area.objects.get(code="340705001001001").pk,
        },
    )
    assert refused.status_code == 200
    assert "Choose an account holding a role in your jurisdiction" in refused.content.decode()
    assert not elsewhere.assignments.filter(role__key="cleaner").exists()
    admin = as_user("admin").get("/admin/grid/assignment/create/").content.decode()
    assert f"{volunteer.name} ({volunteer.user.username})" in admin
    # An import of assignments reads such an account as no account at all.
    rows = [
        ["用户名", "角色标识", "区域编码"],
        ["community_worker_2", "cleaner", "340705001001001"],
    ]
    report = run("assignments", csv_bytes(rows), user=User.objects.get(username="street_official"))
    assert [(e.row, e.message) for e in report.errors] == [(2, "There is no such user.")]


def test_the_assignment_list_names_a_volunteers_account_masked_and_is_not_searched_by_it(city):
    """The list names accounts as the form does: the street official reads the volunteer
    masked, typing the volunteer's phone into the search finds nobody, and the export leaves
    the volunteer out; the platform admin reads, finds and exports them."""
    from grid.models import Role, Volunteer

    volunteer = Volunteer.objects.select_related("user").get(user__username__regex=r"^1\d{10}$")
    listing = "/admin/grid/assignment/"
    volunteers = {"role": str(Role.objects.get(key="volunteer").pk)}
    official = as_user("street_official")
    page = official.get(listing, volunteers).content.decode()
    assert volunteer.phone not in page and volunteer.name not in page
    assert "吴*强 (138****0102)" in page
    found = official.get(listing, {"q": volunteer.phone}).content.decode()
    assert "吴*强 (138****0102)" not in found
    admin = as_user("admin")
    in_full = f"{volunteer.name} ({volunteer.phone})"
    assert in_full in admin.get(listing, volunteers).content.decode()
    assert in_full in admin.get(listing, {"q": volunteer.phone}).content.decode()
    # Exports leave out the assignments of volunteers one may not see (their usernames).
    exported = b"".join(official.get(listing, {**volunteers, "export": "csv"}).streaming_content)
    assert volunteer.phone not in exported.decode()
    exported = b"".join(admin.get(listing, {**volunteers, "export": "csv"}).streaming_content)
    assert volunteer.phone in exported.decode()


def test_the_access_list_chooser_and_bulk_delete_stop_at_the_jurisdiction(city):
    """The chooser lists the entries the access list's index would: a community worker given
    the access list's view permission chooses among their community's entries, never another
    community's (named neither in the list, nor by the chosen step, nor by the bulk delete's
    confirmation); a role without the permission chooses none."""
    from django.contrib.auth.models import Group, Permission

    from pages.models import AccessListEntry

    worker = User.objects.get(username="community_worker")
    group = Group.objects.get(user=worker)
    group.permissions.add(Permission.objects.get(codename="view_accesslistentry"))
    own = AccessListEntry.objects.filter(community__code="340705001001").first()
    other = AccessListEntry.objects.filter(community__code="340705002002").first()
    chooser = "/admin/snippets/choose/pages/accesslistentry/"
    client = as_user("community_worker")
    listing = client.get(chooser + "results/").content.decode()
    listed = {int(pk) for pk in re.findall(rf"{chooser}chosen/(\d+)/", listing)}
    assert listed == set(
        AccessListEntry.objects.filter(community=own.community).values_list("pk", flat=True)
    )
    assert client.get(f"{chooser}chosen/{own.pk}/").status_code == 200
    assert client.get(f"{chooser}chosen/{other.pk}/").status_code == 404
    confirm = client.get(f"/admin/bulk/pages/accesslistentry/delete/?id={other.pk}")
    assert str(other) not in confirm.content.decode()
    denied = as_user("grid_worker").get(chooser + "results/").content.decode()
    assert f"{chooser}chosen/{own.pk}/" not in denied


def test_a_role_told_of_an_outcome_gets_no_link_to_a_process_it_may_not_open(
    city, django_capture_on_commit_callbacks, mailoutbox
):
    """The supervision process tells the community director its outcome; the director does
    not work supervision reports, so the notification names the process by its public number
    and area, without a link (in the app or by e-mail) and without the reporter. The committee,
    which works them, keeps its links."""
    director = User.objects.get(username="community_director")
    notes = list(
        Notification.objects.filter(
            user=director, process__version__definition__key="supervision-review"
        ).select_related("process")
    )
    assert notes, "the demo closes supervision reports"
    page = as_user("community_director").get("/accounts/notifications/").content.decode()
    for note in notes:
        assert not workflow_selectors.may_view_process(director, note.process)
        assert note.url == "" and f"/workflow/generic/{note.process_id}/" not in page
        assert note.text in page and REPORTER not in note.text
    committee = Notification.objects.filter(
        user__username="supervisor", process__in=[n.process for n in notes]
    )
    assert committee and all(n.url == f"/workflow/generic/{n.process_id}/" for n in committee)
    # By e-mail alike: one message with the link, to those who may open the process.
    process = notes[0].process
    supervisor = User.objects.get(username="supervisor")
    with django_capture_on_commit_callbacks(execute=True):
        workflow_services.notify(
            [director, supervisor], "结果", workflow_services.process_url(process), process
        )
    bodies = {tuple(mail.to): mail.body for mail in mailoutbox}
    assert bodies[(director.email,)] == "结果"
    assert bodies[(supervisor.email,)].endswith(f"/workflow/generic/{process.pk}/")


def test_the_moderation_task_chooser_is_for_moderation_designers(city):
    """Wagtail's chooser of page-moderation tasks names every task to anyone in the admin; it
    serves those who design moderation, and the street official is refused it."""
    task = PageTask.objects.first()
    for url in ("/admin/workflows/task_chooser/", f"/admin/workflows/task_chooser/{task.pk}/"):
        refused = as_user("street_official").get(url)  # Wagtail redirects to the dashboard
        assert refused.status_code in (302, 403) and task.name not in refused.content.decode()
        answer = as_user("admin").get(url)
        assert answer.status_code == 200, url
        assert task.name in json.dumps(answer.json(), ensure_ascii=False), url
