"""The demo public sites, in Chinese: the portal, a page per street and community with notices,
service guides, volunteer activities and the access list, the grid map, a grid worker with a
work phone for every grid, and a street on its own hostname.

Pages are matched by slug under their parent and people by username, so a second run creates
nothing. Activity dates are set relative to the day the demo is first built, so that there is
always something to sign up for.
"""

import datetime
import random
from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Task,
    Workflow,
)

from grid.models import Area, Assignment, Department, Role
from pages import services
from pages.models import (
    AccessListEntry,
    AccessListPage,
    ActivitySignup,
    CommunityPage,
    MapPage,
    NoticePage,
    PortalPage,
    ServiceGuidePage,
    StreetPage,
    VolunteerActivityPage,
)

from .registry import DEMO_PASSWORD, load, permissions

PORTAL_SLUG = "portal"
# The district answers where `make run` serves it, http://127.0.0.1:8000/ (PORT), and the first
# street also on its own hostname, http://changjianglu.localhost:8000/.
DISTRICT_HOST = "127.0.0.1"
STREET_SITE = ("340705001", "changjianglu.localhost")
# Who edits a street's or a community's site: its staff, through a group per site, since
# Wagtail grants page permissions to groups on a subtree.
SITE_EDITOR_ROLES = ("street_official", "community_director", "community_worker")
PAGE_PERMISSIONS = ["wagtailcore.add_page", "wagtailcore.change_page", "wagtailcore.publish_page"]
MEDIA_PERMISSIONS = [
    "wagtailimages.add_image",
    "wagtailimages.choose_image",
    "wagtaildocs.add_document",
    "wagtaildocs.choose_document",
]
HOURS = "周一至周五 8:30—12:00，14:30—17:30；周六上午值班"

NOTICES = [
    (
        "notice",
        "关于开展冬季消防安全排查的通知",
        "网格员将于本月入户检查楼道堆物和电动车充电情况，请居民配合。",
    ),
    ("news", "社区“邻里节”活动圆满举行", "三百余名居民参加了邻里节，共同包饺子、写春联。"),
]
PORTAL_NOTICES = [
    (
        "notice",
        "全区推进三级网格化服务管理工作",
        "街道—社区—责任网格三级网格全面运行，每个网格都有专人负责。",
    ),
    ("notice", "社区工作准入清单向社会公开", "未列入清单的事项不得进入社区，居民可查询并监督。"),
]
GUIDES = [
    {
        "slug": "residence-permit",
        "title": "居住证办理",
        "summary": "在本区居住半年以上、有合法稳定就业或住所的非本地户籍居民可申领居住证。",
        "eligibility": (
            "<p>在本区居住满半年，符合合法稳定就业、合法稳定住所或连续就读条件之一。</p>"
        ),
        "materials": "<ul><li>居民身份证</li><li>租房合同或房产证明</li><li>近期一寸照片</li></ul>",
    },
    {
        "slug": "elderly-allowance",
        "title": "高龄津贴申领",
        "summary": "八十周岁以上本区户籍老人可按月领取高龄津贴。",
        "eligibility": "<p>年满八十周岁的本区户籍老年人。</p>",
        "materials": "<ul><li>老人身份证和户口簿</li><li>本人银行卡</li></ul>",
    },
    {
        "slug": "medical-insurance",
        "title": "城乡居民医保参保登记",
        "summary": "未参加职工医保的居民可在社区办理城乡居民基本医疗保险参保登记。",
        "eligibility": "<p>本区户籍或持有本区居住证、未参加职工医保的居民。</p>",
        "materials": "<ul><li>居民身份证或户口簿</li></ul>",
    },
]
ACTIVITIES = [
    ("clean-up", "楼道清洁志愿服务", "清理楼道小广告和堆放杂物", 7, 4, "社区广场集合"),
    (
        "elderly-visit",
        "走访慰问独居老人",
        "陪伴独居老人聊天，检查燃气和用电安全",
        -3,
        3,
        "社区服务中心",
    ),
]
ACCESS_WORK = [
    ("civil_affairs", "城乡低保对象年度复核入户调查"),
    ("social_security", "城乡居民养老保险参保登记协助"),
    ("urban_management", "垃圾分类宣传与督导"),
]
# Work the street's own office put in a community, by community code: published like any
# department's, so that what the street itself asks of the community is on its list too.
OFFICE_WORK = {"340705001001": "社区平安建设工作月报"}


def child(parent: Page, model: type[Page], slug: str, created: Counter, **fields) -> Page:
    page = model.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = model(slug=slug, **fields)
        parent.add_child(instance=page)
        created["pages"] += 1
    return page


def add_guide(parent: Page, guide: dict, place: str, created: Counter, **extra) -> None:
    fields = {key: value for key, value in guide.items() if key != "slug"}
    child(
        parent,
        ServiceGuidePage,
        guide["slug"],
        created,
        place=place,
        opening_hours=HOURS,
        **fields,
        **extra,
    )


def build_portal(created: Counter) -> PortalPage:
    portal = PortalPage.objects.filter(slug=PORTAL_SLUG).first()
    if portal is None:
        district = Area.objects.filter(level=Area.Level.DISTRICT).order_by("code").first()
        portal = PortalPage(
            title=f"{district.name}人民网格" if district else "人民网格",
            slug=PORTAL_SLUG,
            area=district,
            intro="<p>街道—社区—责任网格三级网格，人员在格中、服务在网上。</p>",
        )
        Page.get_first_root_node().add_child(instance=portal)
        created["pages"] += 1
    return portal


def build_sites(portal: PortalPage, created: Counter) -> None:
    """The district's site on the address `make run` serves, and the first street's on its own
    hostname, both on the port it serves (settings.PORT): Wagtail builds every link to another
    site, and every link in an e-mail, from a site's hostname and port."""
    district = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    configure_site(district, created, hostname=DISTRICT_HOST, root_page=portal)
    street = StreetPage.objects.filter(area__code=STREET_SITE[0]).first()
    if street:
        site = Site.objects.filter(hostname=STREET_SITE[1]).first() or Site(site_name=street.title)
        configure_site(site, created, hostname=STREET_SITE[1], root_page=street)


# What a fresh Wagtail install leaves behind in English, and its name in the demo (the page
# tree's root shows in the admin's explorer; the groups and moderation workflow in settings).
WAGTAIL_DEFAULTS = {
    "root": ("Root", "全部站点"),
    "groups": {"Editors": "页面编辑", "Moderators": "页面审核员"},
    "workflow": ("Moderators approval", "页面审核"),
}
WAGTAIL_WELCOME_TITLE = "Welcome to your new Wagtail site!"


def tidy_wagtail_defaults(created: Counter) -> None:
    """Name in Chinese what Wagtail's own migrations create in English, and remove its welcome
    page once no site shows it; only while they still carry Wagtail's names."""
    old, new = WAGTAIL_DEFAULTS["root"]
    Page.objects.filter(depth=1, title=old).update(title=new, draft_title=new)
    for old, new in WAGTAIL_DEFAULTS["groups"].items():
        if not Group.objects.filter(name=new).exists():
            Group.objects.filter(name=old).update(name=new)
    old, new = WAGTAIL_DEFAULTS["workflow"]
    Workflow.objects.filter(name=old).update(name=new)
    Task.objects.filter(name=old).update(name=new)
    welcome = Page.objects.filter(depth=2, title=WAGTAIL_WELCOME_TITLE, numchild=0).exclude(
        sites_rooted_here__isnull=False
    )
    for page in welcome:
        if type(page.specific) is Page:
            page.delete()
            created["Wagtail welcome pages removed"] += 1


def configure_site(site: Site, created: Counter, *, hostname: str, root_page: Page) -> None:
    """Save the site only when it differs, so that a second run with the same port changes
    nothing and a run on another port moves the demo's sites to it."""
    wanted = {"hostname": hostname, "port": settings.PORT, "root_page_id": root_page.pk}
    if site.pk and all(getattr(site, name) == value for name, value in wanted.items()):
        return
    for name, value in wanted.items():
        setattr(site, name, value)
    site.save()
    created["sites"] += 1


def build_grid_workers(grids: list[Area], created: Counter) -> None:
    """A grid worker with a work phone for every grid that has none: the public contact."""
    role = Role.objects.filter(key="grid_worker").first()
    if role is None:
        return
    names = load("names.json")
    staffed = set(Assignment.objects.filter(role=role).values_list("area_id", flat=True))
    User = get_user_model()
    password = None  # hashed once: hashing is deliberately slow
    for grid in grids:
        if grid.pk in staffed:
            continue
        rng = random.Random(f"worker-{grid.code}")
        female = rng.random() < 0.5
        name = rng.choice(names["surnames"]) + rng.choice(
            names["given_female" if female else "given_male"]
        )
        user = User.objects.filter(username=f"gw{grid.code}").first()
        if user is None:
            password = password or make_password(DEMO_PASSWORD)
            user = User.objects.create(
                username=f"gw{grid.code}", first_name=name, password=password
            )
            created["users"] += 1
        Assignment.objects.create(
            user=user, role=role, area=grid, work_phone=f"1395620{grid.code[-6:-3]}{grid.code[-1]}"
        )
        created["assignments"] += 1


def build_community(
    street_page: StreetPage, community: Area, index: int, today: datetime.date, created: Counter
) -> None:
    page = child(
        street_page,
        CommunityPage,
        community.code,
        created,
        title=f"{community.name}服务中心",
        area=community,
        intro=f"<p>{community.name}党群服务中心为居民提供一站式服务。</p>",
        address=f"长江中路{100 + index * 7}号",
        opening_hours=HOURS,
        phone=f"0562-28{community.code[-5:]}",
    )
    for number, (kind, title, summary) in enumerate(NOTICES):
        child(
            page,
            NoticePage,
            f"notice-{number + 1}",
            created,
            title=title,
            kind=kind,
            date=today - datetime.timedelta(days=number * 5 + index),
            summary=summary,
            body=[("rich_text", f"<p>{summary}</p>")],
        )
    for guide in GUIDES[:2]:
        add_guide(page, guide, f"{community.name}党群服务中心一楼窗口", created, phone=page.phone)
    child(
        page,
        AccessListPage,
        "access-list",
        created,
        title=f"{community.name}工作准入清单",
        intro="<p>经街道审核同意进入本社区的工作事项。</p>",
    )
    work = [(Department.objects.filter(key=key).first(), content) for key, content in ACCESS_WORK]
    if community.code in OFFICE_WORK:
        office = Department.objects.filter(street=community.parent_id).first()
        work.append((office, OFFICE_WORK[community.code]))
    for number, (department, content) in enumerate(work):
        reference = f"demo-{community.code}-{number + 1}"
        if department and not AccessListEntry.objects.filter(reference=reference).exists():
            services.publish_access_entry(
                community=community,
                department=department,
                content=content,
                starts_on=today.replace(month=1, day=1),
                ends_on=today.replace(month=12, day=31),
                reference=reference,
            )
            created["access entries"] += 1
    build_activities(page, community, today, created)


def build_activities(
    page: CommunityPage, community: Area, today: datetime.date, created: Counter
) -> None:
    organiser = (
        Assignment.objects.filter(area=community, role__key="community_worker")
        .select_related("user")
        .first()
    )
    grid = community.children.order_by("code").first()
    for slug, title, summary, days, capacity, place in ACTIVITIES:
        starts = timezone.make_aware(
            datetime.datetime.combine(today + datetime.timedelta(days=days), datetime.time(9))
        )
        activity = child(
            page,
            VolunteerActivityPage,
            slug,
            created,
            title=title,
            summary=summary,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=3),
            place=place,
            grid=grid,
            capacity=capacity,
            organiser=organiser.user if organiser else None,
        )
        volunteer = Assignment.objects.filter(area=community, role__key="volunteer").first()
        if days < 0 and volunteer and not activity.signups.exists():
            ActivitySignup.objects.create(
                activity=activity,
                volunteer=volunteer.user,
                status=ActivitySignup.Status.CONFIRMED,
                hours=Decimal(3),
            )
            created["sign-ups"] += 1


@transaction.atomic
def build() -> Counter:
    created: Counter = Counter()
    today = timezone.localdate()
    portal = build_portal(created)
    if portal.area is None:
        build_sites(portal, created)
        tidy_wagtail_defaults(created)
        return created
    child(
        portal,
        MapPage,
        "map",
        created,
        title="网格地图",
        intro="<p>点击街道、社区，逐级查看责任网格和网格员。</p>",
    )
    for number, (kind, title, summary) in enumerate(PORTAL_NOTICES):
        child(
            portal,
            NoticePage,
            f"notice-{number + 1}",
            created,
            title=title,
            kind=kind,
            date=today - datetime.timedelta(days=number * 3),
            summary=summary,
        )
    streets = Area.objects.filter(parent=portal.area).order_by("code")
    grids = list(Area.objects.within(portal.area).grids())
    build_grid_workers(grids, created)
    for index, street in enumerate(streets):
        street_page = child(
            portal,
            StreetPage,
            street.code,
            created,
            title=f"{street.name}网格化服务管理中心",
            area=street,
            intro=f"<p>{street.name}是全区第一级网格，统筹辖区社区和责任网格。</p>",
            address=f"义安大道{20 + index * 11}号",
            opening_hours=HOURS,
            phone=f"0562-27{street.code[-5:]}",
        )
        add_guide(street_page, GUIDES[2], f"{street.name}便民服务中心", created)
        for number, community in enumerate(street.children.order_by("code")):
            build_community(street_page, community, index * 3 + number, today, created)
    build_sites(portal, created)
    tidy_wagtail_defaults(created)
    build_site_editors(created)
    return created


def build_site_editors(created: Counter) -> None:
    """A group per street or community site whose staff have demo accounts, allowed to add,
    edit and publish that site's pages and to upload images and documents."""
    staff = Assignment.objects.filter(role__key__in=SITE_EDITOR_ROLES).select_related("user")
    users_by_area: dict[int, list] = {}
    for assignment in staff:
        users_by_area.setdefault(assignment.area_id, []).append(assignment.user)
    pages = [
        *StreetPage.objects.filter(area_id__in=users_by_area).select_related("area"),
        *CommunityPage.objects.filter(area_id__in=users_by_area).select_related("area"),
    ]
    if not pages:
        return
    page_permissions = permissions(PAGE_PERMISSIONS)
    media_permissions = permissions(MEDIA_PERMISSIONS)
    admin_access = permissions(["wagtailadmin.access_admin"])
    root_collection = Collection.get_first_root_node()
    for page in pages:
        group, group_created = Group.objects.get_or_create(name=f"{page.area.name}网站编辑")
        if group_created:
            created["groups"] += 1
            group.permissions.add(*admin_access)
            for permission in page_permissions:
                GroupPagePermission.objects.create(group=group, page=page, permission=permission)
            for permission in media_permissions:
                GroupCollectionPermission.objects.create(
                    group=group, collection=root_collection, permission=permission
                )
        group.user_set.add(*users_by_area[page.area_id])
