"""Every URL the project mounts, asked by every demo role for objects that are not theirs.

The patterns come from the URL resolver, not from a list: a view added tomorrow is swept
without editing this file. For each pattern with an object in its arguments, the sweep works
out which model the URL is about (the ModelAdmin or viewset behind the view, else what the
argument or the URL's name says) and picks, for each demo role, objects of that model the role
may not see: the nearest one outside the role's areas (a sibling grid before another street),
one inside them when the role holds no permission on the model, and for processes and tasks
also one of the role's areas that the role does not work (a cleaner and a grid incident of her
own grid). Which objects a role may see is worked out here from the data (assignments, the
roles' permissions, page and collection permissions, owners, the processes' tasks and
overseers), never with the project's selectors, so that a broken selector cannot hide itself.

Each such URL is asked with GET, and with an empty POST where the view takes one, in a
savepoint rolled back afterwards (a POST that wrongly succeeds changes nothing for the next
request). The answer must be a refusal (a 4xx, or a redirect to the login or the dashboard, or
elsewhere to a page that does not show the object) and must not show the object's texts: its
reference code, ID numbers and phones, names, answers, a draft's or a file's marker. A server
error is always a failure. Public views (tracking, Open311, the public APIs and site) are
allowed to answer, but not with personal data, internal notes or drafts.

Lists: each role searches every list of a scoped model (registers, submissions, processes, the
access list) for its foreign objects, as the page and as its CSV and XLSX export; the platform
admin makes the same searches and must find the objects (a search that finds nothing for
anyone proves nothing). The pages of a role's own work (dashboard, inbox, queue, archive, task
and process lists, notifications, site history, forms offering scoped choices) are asked by each
role; no page may link to an object the role may not see, nor show a foreign object's own texts.
Anonymous visitors are sent to the login from every staff URL.

An answer that can only depend on permissions (an object of no area, owner or process: form
and process designs, departments, Wagtail's sites, users, media...) is asked once per
permission profile, by its first role, and staff URLs of roles without access to the admin by
the first of them; Wagtail's own views about its own objects with GET only. That keeps the sweep
to a few thousand requests.

UNSWEPT and LISTS_UNSWEPT say which patterns are not swept and why; KNOWN_HOLES lists what the
sweep found and is not fixed yet (it fails once a hole is fixed, so that the entry goes).
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import logging
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache, cached_property
from urllib.parse import unquote, urlencode, urlsplit

import openpyxl
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.test import Client
from django.urls import Resolver404, URLResolver, get_resolver, resolve, reverse
from django.views.static import serve as static_serve
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS
from wagtail.admin.api.views import PagesAdminAPIViewSet
from wagtail.admin.models import EditingSession
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.admin.views.generic import IndexView as GenericIndexView
from wagtail.admin.views.generic.chooser import BaseChooseView
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import (
    BaseLogEntry,
    Collection,
    CollectionViewRestriction,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    PageViewRestriction,
    TaskState,
    UploadedFile,
    WorkflowState,
)
from wagtail.models import Task as PageTask
from wagtail.models import Workflow as PageWorkflow

from daily.models import Finding, FindingPhoto, Inspection, Visit
from forms.models import FormDefinition, FormPage, Submission, SubmissionFile
from grid.models import (
    Area,
    Assignment,
    Building,
    Department,
    ExportJob,
    Household,
    ImportJob,
    Resident,
    Role,
    Unit,
)
from pages.models import CommunityPage, NoticePage
from sms.models import SmsMessage
from workflows import services
from workflows.definition_files import import_definition
from workflows.models import ProcessDefinition, ProcessInstance, StageTask

from .forms.factories import submit
from .workflows.test_countersign import JOINT

pytestmark = pytest.mark.django_db

Image = get_image_model()
Document = get_document_model()
ORGANISATION = json.loads(
    (settings.BASE_DIR / "fixtures" / "demo" / "organisation.json").read_text(encoding="utf-8")
)
# Every demo role but the platform admin (who may see everything).
ROLE_USERS = [row["username"] for row in ORGANISATION["users"] if not row.get("superuser")]
MARK = "SWEEPMARK"

# --- The URL patterns ------------------------------------------------------------------------

ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>|\((?!\?)")


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str | None
    callback: object = field(compare=False)
    args: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.name or self.route

    @property
    def objects(self) -> tuple[str, ...]:
        """The arguments naming objects (not a format)."""
        return tuple(arg for arg in self.args if arg not in FORMAT_ARGS)

    @property
    def positional(self) -> bool:
        return any(arg.isdigit() for arg in self.args)

    @property
    def takes_post(self) -> bool:
        method = innermost(self.callback)
        view_class = getattr(method, "view_class", None)
        owner = getattr(method, "__self__", None)
        if view_class is None and owner is not None:  # a ModelAdmin's view, by its class
            view_class = getattr(owner, method.__name__.replace("_view", "_view_class"), None)
        if view_class is None:
            return True  # a function view: it may take anything
        return "post" in view_class.http_method_names and hasattr(view_class, "post")

    def url(self, kwargs: dict) -> str:
        if self.positional:
            return reverse(self.name, args=[kwargs[str(i)] for i in range(len(self.args))])
        return reverse(self.name, kwargs=kwargs)


def walk(resolver, prefix: str = "", namespace: str | None = None):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry, prefix + str(entry.pattern), inner)
            continue
        if entry.callback is static_serve:
            continue  # Django's development file server, mounted only with DEBUG
        route = prefix + str(entry.pattern)
        names = [a or b for a, b in ARGUMENT.findall(route)]
        args = tuple(name or str(i) for i, name in enumerate(names))
        name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
        yield Pattern(route, name, entry.callback, args)


def url_patterns() -> list[Pattern]:
    resolver = get_resolver()
    if _PATTERNS.get("resolver") is not resolver:
        _PATTERNS.update(resolver=resolver, patterns=list(walk(resolver)))
    return _PATTERNS["patterns"]


_PATTERNS: dict = {}


def innermost(callback):
    """The view a decorated callback calls: through functools.wraps, and through closures of
    decorators that do not use it (Wagtail's require_admin_access)."""
    seen = set()
    while id(callback) not in seen:
        seen.add(id(callback))
        if hasattr(callback, "view_class") or hasattr(callback, "__self__"):
            return callback
        wrapped = getattr(callback, "__wrapped__", None)
        if wrapped is None:
            cells = [c.cell_contents for c in getattr(callback, "__closure__", None) or ()]
            views = [c for c in cells if hasattr(c, "view_class") or hasattr(c, "__self__")]
            inner = [c for c in cells if getattr(c, "__closure__", None) is not None]
            wrapped = next(iter(views + inner), None)
        if wrapped is None:
            return callback
        callback = wrapped
    return callback


@cache
def view_model(pattern: Pattern) -> type[models.Model] | None:
    """The model the view behind a pattern serves: its ModelAdmin's, or its viewset's."""
    callback = innermost(pattern.callback)
    owner = getattr(callback, "__self__", None)
    model = getattr(owner, "model", None)
    if model is None:
        model = (getattr(callback, "view_initkwargs", None) or {}).get("model")
    if model is None:
        model = getattr(getattr(callback, "view_class", None), "model", None)
    if isinstance(model, str):
        model = apps.get_model(model)
    return model if isinstance(model, type) and issubclass(model, models.Model) else None


# Arguments that name an object, the first found being the one the URL is about.
PRIMARY_ARGS = (
    "task_pk",
    "instance_pk",
    "pk",
    "object_id",
    "page_view_restriction_id",
    "page_id",
    "parent_page_id",
    "page_to_move_id",
    "page_pk",
    "image_id",
    "document_id",
    "doc_id",
    "redirect_id",
    "collection_id",
    "restriction_id",
    "uploaded_file_id",
    "session_id",
    "process_pk",
    "grid_pk",
    "task_id",
    "code",
    "request_id",
    "0",
)
# Arguments that choose a format, not an object.
FORMAT_ARGS = {"response_format"}
ARG_MODELS = {
    "task_pk": FlowTask,
    "page_id": Page,
    "parent_page_id": Page,
    "page_to_move_id": Page,
    "page_pk": Page,
    "image_id": Image,
    "document_id": Document,
    "doc_id": Document,
    "redirect_id": Redirect,
    "collection_id": Collection,
    "restriction_id": CollectionViewRestriction,
    "page_view_restriction_id": PageViewRestriction,
    "uploaded_file_id": UploadedFile,
    "session_id": EditingSession,
    "process_pk": ProcessInstance,
    "grid_pk": Area,
}
# Views whose argument does not say what it names, nor the view which model it serves (or
# says another: a workflow's usage lists pages).
NAMED_MODELS = {
    r"wagtailadmin_pages:\w+": Page,
    r"wagtailadmin_api:pages:\w+": Page,
    r"wagtailadmin_api:images:\w+": Image,
    r"wagtailadmin_api:documents:\w+": Document,
    r"wagtailapi:pages:\w+": Page,
    r"wagtailapi:images:\w+": Image,
    r"wagtailapi:documents:\w+": Document,
    r"wagtailadmin_workflows:(enable|disable|edit|usage|usage_results)": PageWorkflow,
    r"wagtailadmin_workflows:(edit_task|enable_task|disable_task|task_chosen)": PageTask,
    r"moderation_task_chosen": PageTask,
    r"wagtailadmin_workflows:remove": Page,
    r"wagtailforms:\w+": FormPage,
    r"grid_import_(job|progress)": ImportJob,
    r"grid_export_(job|progress|download)": ExportJob,
    r"forms_submission_file": SubmissionFile,
    r"grid-api:area-detail": Area,
    r"open311:service": ProcessDefinition,
    r"wagtailsnippets_workflows_processdefinition:(download|place|diagram|dry_run)": (
        ProcessDefinition
    ),
    r"wagtailsnippets_workflows_processdefinition:form_fields": FormDefinition,
    r"open311:request": ProcessInstance,
    r"workflows:track": ProcessInstance,
    r"wagtaildocs_serve": Document,
    r"wagtail_serve": Page,
    r"wagtailadmin_editing_sessions:release": EditingSession,
    r"daily:inspection": Inspection,
    r"daily:photo": FindingPhoto,
    r"daily:report": Finding,
    r"daily:(report_visit|follow_up_done)": Visit,
    r"daily:(visit_)?household": Household,
    r"daily:(visit_)?unit": Unit,
    r"daily:building": Building,
    # An appraisal figure's records: of a community, of a grid worker (by account).
    r"dashboards:community_records": Area,
    r"dashboards:worker_records": get_user_model(),
}

# Patterns with arguments that name no object the sweep can give them, and why.
UNSWEPT = {
    "password_reset_confirm": "a password-reset token, not an object (tests/test_password_reset)",
    "wagtailadmin_password_reset_confirm": "a password-reset token, not an object",
    "switch_language": "a language code, not an object",
    "wagtailsnippets_workflows_processdefinition:copy_template": "names a shipped template file, "
    "not an object; who may copy one: tests/workflows/test_process_templates.py",
    "wagtailadmin_tag_model_autocomplete": "names a taggable model; tags are shared, unscoped",
    "wagtailadmin_workflows:add_task": "names a task type to create, not an object",
    "sms:delivery_reports": "a secret given to the SMS provider, not an object (tests/sms)",
    "workflows:process_file": "a file of a process's application, named by the process and the "
    "file together (tests/workflows/test_process_files.py)",
    "returns:table": "a return read at an area, by its asking department everywhere: every demo "
    "role at every area in tests/returns/test_jurisdiction.py",
    "returns:table_xlsx": "as returns:table (tests/returns/test_jurisdiction.py)",
    "returns:file": "a return, an area and a period together: every demo role for every "
    "community in tests/returns/test_jurisdiction.py",
    "returns:send_back": "as returns:file, GET and POST: every demo role for every community "
    "in tests/returns/test_jurisdiction.py",
}
# Served to anyone by design: swept only for what must stay hidden even there (personal data,
# internal notes, drafts) and for server errors.
PUBLIC = {
    "workflows:track": "the applicant's tracking page: whoever holds the code reads the status",
    "open311:request": "Open311 service requests are public, without personal data",
    "open311:service": "Open311 service definitions are public",
    "grid-api:area-detail": "the public registry API: areas and their public contacts",
    "wagtailapi:pages:detail": "the public content API: live pages",
    "wagtailapi:images:detail": "the public content API: images",
    "wagtailapi:documents:detail": "the public content API: documents",
    "wagtaildocs_serve": "documents are public media",
    "wagtail_serve": "the public site: live pages",
    "wagtaildocs_authenticate_with_password": "the password form of a private collection",
    "wagtailcore_authenticate_with_password": "the password form of a private page",
}


@cache
def named_model(pattern: Pattern) -> type[models.Model] | None:
    for expression, model in NAMED_MODELS.items():
        if pattern.name and re.fullmatch(expression, pattern.name):
            return model
    return None


@cache
def primary_arg(pattern: Pattern) -> str | None:
    return next((arg for arg in PRIMARY_ARGS if arg in pattern.args), None)


@cache
def pattern_model(pattern: Pattern) -> type[models.Model] | None:
    """The model of the object a pattern's URL is about."""
    arg = primary_arg(pattern)
    return named_model(pattern) or ARG_MODELS.get(arg) or (arg and view_model(pattern))


# --- Who may see what, from the data -----------------------------------------------------------


# Relations to an area that say where something works, not who may see it: a street office is
# named everywhere like every department, and who manages its returns is the returns' own rule
# (tests/returns/test_street_office.py), not the street's jurisdiction.
NOT_SCOPING = {(Department, "street")}


@cache
def area_path(model: type[models.Model]) -> str | None:
    """The shortest chain of foreign keys from a model to its area ("" for areas)."""
    if model is Area:
        return ""
    level, seen = [(model, "")], {model}
    for _depth in range(4):
        following = []
        for current, path in level:
            for relation in current._meta.get_fields():
                if not (relation.concrete and (relation.many_to_one or relation.one_to_one)):
                    continue
                if (current, relation.name) in NOT_SCOPING:
                    continue
                step = f"{path}__{relation.name}" if path else relation.name
                if relation.related_model is Area:
                    return step
                if relation.related_model not in seen and not relation.name.endswith("_ptr"):
                    seen.add(relation.related_model)
                    following.append((relation.related_model, step))
        level = following
    return None


@cache
def owner_field(model: type[models.Model]) -> str | None:
    """The field naming the user an object belongs to, for objects of no area."""
    names = [f.name for f in model._meta.concrete_fields if f.related_model is get_user_model()]
    return next((name for name in ("user", "uploaded_by_user") if name in names), None)


PROJECT_APPS = {"grid", "forms", "pages", "workflows"}


@cache
def global_model(model: type[models.Model]) -> type[models.Model] | None:
    """The model itself if who may see its objects depends only on permissions on it (no
    area, owner or process decides), else None (see Target.model)."""
    if issubclass(model, Page):
        return Page  # whoever edits pages under it, in Wagtail's page permissions
    if issubclass(model, BaseLogEntry):
        return None  # the audit log: entries about records in areas
    if model in (FlowTask, ProcessInstance) or area_path(model) is not None:
        return None
    if owner_field(model) is not None and model not in (Image, Document):
        return None
    return model


# Models whose texts are public (the registry API), left out of the lists' sentinels.
PUBLIC_MODELS = {Area, Assignment}

# Whose permissions decide who may see a model's objects, where it is not the model's own: an
# uploaded file is seen by those who see its submission, a round's photo and finding by those who
# see the round.
PERMISSION_MODELS = {SubmissionFile: Submission, FindingPhoto: Inspection, Finding: Inspection}


def common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


class Viewer:
    """A demo user and what the data says they may see."""

    def __init__(self, user):
        self.user = user
        held = Assignment.objects.filter(user=user).select_related("role", "area")
        self.codes = tuple(
            a.area.code for a in held if a.area_id and a.role.scope == Role.Scope.AREA
        )
        self.held = [(a.role_id, a.area.level, a.area.code) for a in held if a.area_id]
        self.perms = user.get_all_permissions()
        self.page_paths = tuple(
            GroupPagePermission.objects.filter(group__user=user).values_list(
                "page__path", flat=True
            )
        )
        self.collection_perms = set(
            GroupCollectionPermission.objects.filter(group__user=user).values_list(
                "permission__codename", flat=True
            )
        )

    def inside(self, code: str | None) -> bool:
        return code is not None and any(code.startswith(own) for own in self.codes)

    def closeness(self, code: str) -> int:
        return max((common_prefix(code, own) for own in self.codes), default=0)

    def may_use(self, model: type[models.Model]) -> bool:
        """Whether any of the user's permissions is on the model."""
        model = PERMISSION_MODELS.get(model, model)
        meta = model._meta
        return any(
            perm.startswith(f"{meta.app_label}.") and perm.endswith(f"_{meta.model_name}")
            for perm in self.perms
        )

    def works(self, process: ProcessInstance, tasks: list) -> bool:
        """The process's applicant, who owns or is offered (by queue or department permission)
        one of its tasks, or who holds an overseer role of its definition on an area at the
        overseer's level containing the process's area."""
        if process.applicant_id == self.user.pk:
            return True
        if any(t.owner_id == self.user.pk or t.owner_permission in self.perms for t in tasks):
            return True
        for overseer in process.version.definition.overseers.all():
            for role_id, level, code in self.held:
                if (role_id, level) == (overseer.role_id, overseer.role_level) and (
                    process.area.code.startswith(code)
                ):
                    return True
        return False

    def owns(self, page: Page) -> bool:
        return any(page.path.startswith(path) for path in self.page_paths)

    @cached_property
    def admin_access(self) -> bool:
        return "wagtailadmin.access_admin" in self.perms

    def profile(self, model: type[models.Model] | None) -> tuple:
        """The permissions that decide answers about a model's objects: access to the admin,
        the permissions on the model (pages: whether the user edits some; media: those on
        collections); for a model of None, all of them (not the queues of their areas)."""
        perms = {p for p in self.perms if ":" not in p}
        if model == "wagtail":
            perms = {p for p in perms if p.split(".")[0] not in PROJECT_APPS}
        elif model is not None:
            meta = model._meta
            perms = {
                p
                for p in perms
                if p.startswith(f"{meta.app_label}.") and p.endswith(f"_{meta.model_name}")
            }
        return (
            self.admin_access,
            frozenset(perms),
            bool(self.page_paths) if model in (None, "wagtail", Page) else None,
            frozenset(self.collection_perms)
            if model in (None, "wagtail", Image, Document)
            else None,
        )


# --- What an object looks like on a page -------------------------------------------------------


@dataclass(frozen=True)
class Texts:
    """What shows an object: `strong` texts are its own (an ID number, a reference code, a
    marker), never on any page of someone who may not see it; `weak` ones describe it (a name,
    a door number) and must not be on a page answering a URL about it; `secret` ones must not
    be shown even where the object is public (personal data, internal notes, drafts)."""

    strong: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    secret: tuple[str, ...] = ()

    def __add__(self, other: Texts) -> Texts:
        return Texts(self.strong + other.strong, self.weak + other.weak, self.secret + other.secret)


SKIPPED_FIELDS = {"password", "search_text", "path", "url_path", "user_agent", "http_accept"}
# Words of code ("households", "zh-hans") and short numbers tell nothing; long codes do.
IDENTIFIER = re.compile(r"[a-z0-9_.:-]*[a-z][a-z0-9_.:-]*|\d{1,5}(\.\d+)?")
PERSONAL_STRONG = {"id_number", "phone"}
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def own_texts(obj: models.Model) -> Texts:
    """Texts of an object's own fields: unique ones strong, others weak; personal data secret."""
    model = type(obj)
    strong, weak, secret = [], [], []
    personal = set(getattr(model, "personal_fields", ()))
    for model_field in model._meta.concrete_fields:
        if not isinstance(model_field, (models.CharField, models.TextField)):
            continue
        if model_field.choices or model_field.name in SKIPPED_FIELDS:
            continue
        value = getattr(obj, model_field.attname)
        if not isinstance(value, str) or len(value.strip()) < 2:
            continue
        value = value.strip()
        if model_field.name in personal:
            (strong if model_field.name in PERSONAL_STRONG else weak).append(value)
            secret.append(value)
        elif len(value) >= 4:
            unique = model._default_manager.filter(**{model_field.name: value}).count() == 1
            if unique and len(value) >= 6:
                strong.append(value)
            elif not IDENTIFIER.fullmatch(value):
                weak.append(value)
    shown = str(obj)
    if not shown.endswith(f"({obj.pk})") and len(shown) >= 4:
        weak.append(shown)
    return Texts(tuple(strong), tuple(weak), tuple(secret))


def answer_texts(submission: Submission, counts: dict[str, int]) -> Texts:
    """The reference code, and the answers: strong if no other submission has the same
    (`counts`: in how many submissions each is) and long enough to tell it, or an ID number
    or phone; the personal ones (and every ID number and phone) secret."""
    strong, weak, secret = [], [], []
    for name, _label, field_type, personal in submission.fields_snapshot:
        value = submission.form_data.get(name)
        personal = personal or field_type in PERSONAL_STRONG
        if isinstance(value, dict) and personal:
            value = value.get("name")
        if not isinstance(value, str) or not value.strip() or DATE.match(value.strip()):
            continue
        value = value.strip()
        unique = counts.get(value, 0) <= 1
        if unique and (field_type in PERSONAL_STRONG or len(value) >= (6 if personal else 8)):
            strong.append(value)
        elif len(value) >= (2 if personal else 6):
            weak.append(value)
        if personal:
            secret.append(value)
    return Texts((submission.reference, *strong), tuple(weak), tuple(secret))


def describe(obj: models.Model) -> str:
    area = getattr(obj, "_sweep_area", "")
    return f"{obj._meta.label} {obj.pk}" + (f" in {area}" if area else "")


@dataclass(frozen=True)
class Target:
    url: str
    texts: Texts
    about: str
    # The model of an object whose answer depends on the user's permissions on the model only
    # (no area, owner or process of its own); None when it depends on the user.
    model: type[models.Model] | None = None
    # What KNOWN_HOLES calls it, where the pattern's name does not say enough.
    hole: str = ""


# --- The demo city, with what the demo does not make ---------------------------------------


def png() -> bytes:
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def add_missing_objects(admin) -> None:
    """Objects the demo city has none of, so that every kind of URL has one to ask for: a
    draft (with a marker) and a moderation workflow on each street and community page, an
    uploaded file on a submission in each area that has some, an import of two community
    workers, media, a collection, a redirect, view restrictions, editing sessions, a lockout."""
    from axes.models import AccessAttempt
    from django.contrib.contenttypes.models import ContentType
    from django.core.files.images import ImageFile
    from django.utils import timezone

    from pages.models import StreetPage

    for page in [*StreetPage.objects.all(), *CommunityPage.objects.all()]:
        page.intro = f"<p>{MARK}-draft-{page.area.code}</p>"
        page.save_revision(user=admin)
        workflow = page.get_workflow()
        if workflow is not None:
            workflow.start(page, admin)
        EditingSession.objects.create(
            user=admin, content_object=page.page_ptr, last_seen_at=timezone.now()
        )
    first_by_area = {}
    for submission in Submission.objects.filter(area__isnull=False).order_by("pk"):
        first_by_area.setdefault(submission.area_id, submission)
    for submission in first_by_area.values():
        content = f"{MARK}-file-content-{submission.pk}".encode()
        SubmissionFile.objects.create(
            submission=submission,
            field_name="sweep_file",
            file=ContentFile(content, name="sweep.txt"),
            original_name=f"{MARK}-file-{submission.pk}.txt",
            content_type="text/plain",
            size=len(content),
        )
    add_countersigned_processes()
    SmsMessage.objects.create(
        event="submission_received",
        phone="13956209999",
        values={"reference": f"{MARK}-sms-code"},
        about=f"{MARK}-sms",
        status=SmsMessage.Status.QUEUED,
    )
    for user in get_user_model().objects.filter(username__startswith="community_worker"):
        ImportJob.objects.create(
            user=user,
            resource="households",
            file_name=f"{MARK}-import-{user.username}.csv",
            language="zh-hans",
            status=ImportJob.Status.CHECKED,
        )
        ExportJob.objects.create(
            user=user,
            resource="households",
            file_format="csv",
            language="zh-hans",
            status=ExportJob.Status.EXPORTED,
            file=ContentFile(f"{MARK}-export-{user.username}".encode(), name="households.csv"),
        )
    root = Collection.get_first_root_node()
    collection = root.add_child(name=f"{MARK}-collection")
    Image.objects.create(
        title=f"{MARK}-image",
        file=ImageFile(io.BytesIO(png()), name="sweep.png"),
        uploaded_by_user=admin,
    )
    Document.objects.create(
        title=f"{MARK}-document",
        file=ContentFile(f"{MARK}-document-content".encode(), name="sweep.txt"),
        uploaded_by_user=admin,
    )
    for model in (Image, Document):
        UploadedFile.objects.create(
            file=ContentFile(png(), name=f"{MARK}-upload.png"),
            for_content_type=ContentType.objects.get_for_model(model),
            uploaded_by_user=admin,
        )
    Redirect.objects.create(
        old_path=f"/{MARK.lower()}-old", redirect_link=f"https://example.invalid/{MARK}-redirect"
    )
    CollectionViewRestriction.objects.create(
        collection=collection, restriction_type="password", password="sweep"
    )
    notice = NoticePage.objects.order_by("path").first()
    PageViewRestriction.objects.create(page=notice, restriction_type="password", password="sweep")
    AccessAttempt.objects.create(
        username=f"{MARK}-lockout",
        ip_address="203.0.113.9",
        user_agent="sweep",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=3,
    )


def add_countersigned_processes() -> None:
    """A countersigned process in each demo community worker's community (the shipped processes
    have none), signed by that worker, so that every countersign node has a task."""
    any_one = JOINT.replace(
        "    countersign_rule: at_least\n    countersign_count: 2\n", "    countersign_rule: any\n"
    )
    definition = import_definition(any_one)
    version = definition.versions.get()
    intake = definition.intake_form
    for worker in get_user_model().objects.filter(username__startswith="community_worker"):
        community = worker.assignments.get(role__key="community_worker").area
        process = services.start_process(
            version, submit(intake, {"所在社区": community.code, "事项": f"{MARK}-countersign"})
        )
        task = next(
            t
            for t in StageTask.objects.filter(process=process, flow_task=process.flow_class.sign)
            if t.flow_task.can_assign(worker, t)
        )
        services.sign(task, worker, services.Decision(services.APPROVE))


class City:
    """The demo city and, for each demo role, the objects it may not see."""

    def __init__(self):
        User = get_user_model()
        self.users = {u.username: u for u in User.objects.filter(username__in=ROLE_USERS)}
        self.admin = User.objects.get(username="admin")
        self.areas = list(Area.objects.order_by("code"))
        self.processes = list(
            ProcessInstance.objects.select_related("area", "version__definition", "submission")
            .prefetch_related("version__definition__overseers")
            .order_by("pk")
        )
        self.tasks = defaultdict(list)
        for task in FlowTask.objects.order_by("pk"):
            self.tasks[task.process_id].append(task)
        self.marked_pages = [
            page.specific
            for page in Page.objects.filter(latest_revision__content__icontains=MARK).order_by(
                "path"
            )
        ]
        self.answers = defaultdict(int)  # each answer: in how many submissions
        for form_data in Submission.objects.values_list("form_data", flat=True):
            values = [v.get("name") if isinstance(v, dict) else v for v in form_data.values()]
            for value in {v.strip() for v in values if isinstance(v, str)}:
                self.answers[value] += 1
        self.controls: dict[str, Answer] = {}
        self.exporter: dict[str, str] = {}  # the role that asks for each list's XLSX
        self._viewers: dict[str, Viewer] = {}
        self._foreign: dict[tuple, list] = {}
        self._texts: dict[tuple, Texts] = {}

    def viewer(self, username: str) -> Viewer:
        if username not in self._viewers:
            self._viewers[username] = Viewer(self.users[username])
        return self._viewers[username]

    def methods(self, viewer: Viewer, target: Target, pattern: Pattern) -> list[str]:
        """How this viewer asks for this target: GET, and an empty POST where the view takes
        one; nothing where another role asks the same question.

        An answer that can only depend on the user's permissions (an object of no area, owner
        or process, or a task of processes the user does not work at all) is asked once per
        permission profile, by its first role; so are staff URLs of roles without access to
        the admin, which Wagtail refuses before any view runs, with GET only. Wagtail's own
        views about Wagtail's own objects are asked with GET only: Wagtail checks the same
        permission for both, and what the project decides is who holds it."""
        by_profile, model = target.model is not None, target.model
        if not by_profile and pattern.args[:2] == ("process_pk", "task_pk"):
            by_profile = not any(viewer.works(p, self.tasks[p.pk]) for p in self.processes)
        no_admin = pattern.route.startswith("admin/") and not viewer.admin_access
        if no_admin:
            by_profile, model = True, None
        if by_profile:
            mine = viewer.profile(model)
            same = [n for n in ROLE_USERS if self.viewer(n).profile(model) == mine]
            if same[0] != viewer.user.username:
                return []
        wagtails = model is not None and model._meta.app_label not in PROJECT_APPS
        if pattern.label in PUBLIC or not pattern.takes_post or no_admin or wagtails:
            return ["get"]
        return ["get", "post"]

    # Which objects are foreign to whom.

    def foreign(self, viewer: Viewer, model, pattern: Pattern | None = None) -> list:
        """Up to two objects of the model the viewer may not see: the nearest outside their
        areas, and (for processes and tasks, and for roles without the model's permissions)
        one inside them."""
        node = pattern.name.split(":")[2] if model is FlowTask and pattern else None
        # Choosers, the admin API and bulk actions' confirmations read media: whoever may
        # choose them may read them; the other views change them.
        choosing = not pattern or any(w in (pattern.name or "") for w in ("choose", "_api:"))
        key = (viewer.user.pk, model, node, choosing)
        if key not in self._foreign:
            self._foreign[key] = self.find_foreign(viewer, model, node, choosing)
        return self._foreign[key]

    def find_foreign(self, viewer: Viewer, model, node: str | None, choosing: bool) -> list:
        if model is FlowTask:
            return self.foreign_tasks(viewer, node)
        if model is ProcessInstance:
            return self.foreign_processes(viewer)
        if issubclass(model, Page):
            return self.foreign_pages(viewer, model)
        if model in (TaskState, WorkflowState):
            states = []
            for page in self.foreign_pages(viewer, Page):
                state = WorkflowState.objects.filter(object_id=str(page.pk)).first()
                if state is not None:
                    states.append(state if model is WorkflowState else state.current_task_state)
            return states[:1]
        if model in (Image, Document):
            action = "choose" if choosing else "change"
            perm = f"{action}_{model._meta.model_name}"
            if perm in viewer.collection_perms:
                return []
            return list(model.objects.exclude(uploaded_by_user=viewer.user).order_by("pk")[:1])
        if model in (FormDefinition, ProcessDefinition) and choosing and viewer.page_paths:
            # Page editors choose forms and processes to place on their pages: designs of the
            # whole district, named on the public sites (docs/privacy.md).
            return []
        if model in (PageViewRestriction, CollectionViewRestriction, ProcessDefinition):
            return list(model.objects.order_by("pk")[:1])
        path = area_path(model)
        if path is not None:
            return self.foreign_in_areas(viewer, model, path)
        owner = owner_field(model)
        if owner is not None:
            return list(model.objects.exclude(**{owner: viewer.user}).order_by("pk")[:1])
        if viewer.may_use(model):
            return []
        if model is get_user_model():
            others = [u for n, u in sorted(self.users.items()) if n not in viewer.user.username]
            return [u for u in others if viewer.user.username not in u.username][:1]
        if model is Group:
            return list(Group.objects.exclude(user=viewer.user).order_by("pk")[:1])
        return list(model._default_manager.order_by("pk")[:1])

    def foreign_in_areas(self, viewer: Viewer, model, path: str) -> list:
        objects = model._default_manager.all()
        if model is Submission:
            objects = objects.filter(is_scoped=True)
        owner = owner_field(model)
        if owner is not None:  # one's own (submission) is one's own wherever it is
            objects = objects.exclude(**{owner: viewer.user})
        if viewer.may_use(model):
            # The nearest areas outside the viewer's: a sibling grid before another street.
            order = sorted(
                (a for a in self.areas if not viewer.inside(a.code)),
                key=lambda a: (-viewer.closeness(a.code), a.code),
            )
        else:
            # A role without the model's permissions may not see it even in its own areas.
            order = sorted(self.areas, key=lambda a: (not viewer.inside(a.code), a.code))
        for area in order:
            found = objects.filter(**{path or "pk": area if path else area.pk}).order_by("pk")
            obj = found.first()
            if obj is not None:
                obj._sweep_area = area.code
                return [obj]
        return []

    def split(self, viewer: Viewer, processes: list) -> list:
        """The nearest process outside the viewer's areas and one inside them, among those the
        viewer does not work (open ones first)."""
        foreign = [p for p in processes if not viewer.works(p, self.tasks[p.pk])]
        outside = sorted(
            (p for p in foreign if not viewer.inside(p.area.code)),
            key=lambda p: (-viewer.closeness(p.area.code), bool(p.outcome), p.pk),
        )
        inside = sorted(
            (p for p in foreign if viewer.inside(p.area.code)),
            key=lambda p: (bool(p.outcome), p.pk),
        )
        return [group[0] for group in (outside, inside) if group]

    def foreign_processes(self, viewer: Viewer) -> list:
        chosen = self.split(viewer, self.processes)
        for process in chosen:
            process._sweep_area = process.area.code
        return chosen

    def foreign_tasks(self, viewer: Viewer, node: str) -> list:
        """A task at the node in each of the processes foreign() would pick among those that
        have one; open tasks first."""
        with_node = [
            p for p in self.processes if any(t.flow_task.name == node for t in self.tasks[p.pk])
        ]
        chosen = []
        # One task per node (they are many): in a process of the viewer's own areas if any.
        for process in self.split(viewer, with_node)[-1:]:
            tasks = [t for t in self.tasks[process.pk] if t.flow_task.name == node]
            tasks.sort(key=lambda t: (t.status not in (STATUS.NEW, STATUS.ASSIGNED), t.pk))
            tasks[0]._sweep_area = process.area.code
            chosen.append(tasks[0])
        return chosen

    def foreign_pages(self, viewer: Viewer, model) -> list:
        # Pages with a draft (and its marker); form pages, with their submissions.
        candidates = self.marked_pages if model is Page else list(model.objects.order_by("path"))
        foreign = [page for page in candidates if not viewer.owns(page)]

        def nearness(page):
            code = getattr(getattr(page, "area", None), "code", "")
            return (-viewer.closeness(code), page.path)

        return sorted(foreign, key=nearness)[:1]

    def is_foreign(self, viewer: Viewer, obj) -> bool:
        """For an object a page links to: whether the viewer may not see it."""
        model = type(obj)
        if isinstance(obj, FlowTask):
            process = ProcessInstance.objects.filter(pk=obj.process_id).first()
            return process is not None and self.is_foreign(viewer, process)
        if isinstance(obj, ProcessInstance):
            return not viewer.works(obj, self.tasks[obj.pk])
        if isinstance(obj, Page) or model in (Image, Document, TaskState, WorkflowState):
            return False  # shared in the admin by design; edits are Wagtail's to refuse
        path = area_path(model)
        owner = owner_field(model)
        if path is not None:
            if owner is not None and getattr(obj, f"{owner}_id") == viewer.user.pk:
                return False
            if model is Submission and not obj.is_scoped:
                return not viewer.may_use(model)
            if not viewer.may_use(model):
                return True
            area = obj
            for step in path.split("__") if path else []:
                area = getattr(area, step)
            return area is None or not viewer.inside(area.code)
        if owner is not None:
            return getattr(obj, f"{owner}_id") != viewer.user.pk
        return False

    # What shows an object.

    def texts(self, obj) -> Texts:
        key = (type(obj), obj.pk)
        if key not in self._texts:
            self._texts[key] = self.find_texts(obj)
        return self._texts[key]

    def find_texts(self, obj) -> Texts:
        if isinstance(obj, FlowTask):
            return self.texts(ProcessInstance.objects.get(pk=obj.process_id))
        if isinstance(obj, ProcessInstance):
            notes = tuple(
                note
                for note in obj.events.exclude(comment="").values_list("comment", flat=True)
                if len(note) >= 6
            )
            return answer_texts(obj.submission, self.answers) + Texts(notes, (), notes)
        if isinstance(obj, Submission):
            return answer_texts(obj, self.answers)
        if isinstance(obj, FormPage):
            references = tuple(
                Submission.objects.filter(page=obj).values_list("reference", flat=True)
            )
            return Texts(references, (), references)
        if isinstance(obj, Page):
            draft = f"{MARK}-draft-{obj.specific.area.code}"
            return Texts((draft,), (), (draft,))
        if isinstance(obj, (TaskState, WorkflowState)):
            state = obj if isinstance(obj, WorkflowState) else obj.workflow_state
            return self.texts(Page.objects.get(pk=state.object_id).specific)
        if isinstance(obj, SubmissionFile):
            content = f"{MARK}-file-content-{obj.submission_id}"
            return Texts((obj.original_name, content), (), (content,))
        if isinstance(obj, UploadedFile):
            return Texts((obj.file.name,))
        if isinstance(obj, Household):
            members = Texts()
            for resident in Resident.objects.filter(household=obj):
                members += own_texts(resident)
            return own_texts(obj) + members
        if isinstance(obj, EditingSession):
            return Texts()
        return own_texts(obj)

    @cached_property
    def views(self) -> dict[int, list[Pattern]]:
        return patterns_by_view()

    @cache  # noqa: B019 (one city per module)
    def sentinels(self, viewer: Viewer) -> list[str]:
        """The strong texts of the objects the object sweep found foreign to the viewer, but
        those public by design: every area, with its public contacts' work phones, is in the
        public registry API."""
        found = []
        for pattern in object_patterns():
            model = pattern_model(pattern)
            if model is None or model is FlowTask or global_model(model) is not None:
                continue
            if model in PUBLIC_MODELS:
                continue
            for obj in self.foreign(viewer, model, pattern):
                found.extend(self.texts(obj).strong)
        return sorted(set(found))

    def asks_list(self, viewer: Viewer, pattern: Pattern) -> bool:
        """Whether this viewer asks for this argument-free page (see list_scope); staff URLs
        of roles without access to the admin are asked by the first of them."""
        scope = list_scope(pattern)
        if scope == "public":
            return viewer.user.username == ROLE_USERS[0]
        no_admin = pattern.route.startswith("admin/") and not viewer.admin_access
        if scope in ("user", "probe") and not no_admin:
            return True
        model = None if scope in ("user", "probe") else scope
        mine = viewer.profile(model)
        same = [n for n in ROLE_USERS if self.viewer(n).profile(model) == mine]
        return same[0] == viewer.user.username

    def control(self, admin: Client, probe: str) -> Answer:
        """The platform admin's answer to a probe (asked once)."""
        if probe not in self.controls:
            self.controls[probe] = ask(admin, "get", probe)
        return self.controls[probe]

    def finds(self, answer: Answer, obj, query: str, alone: bool) -> bool:
        """Whether an answer to a search for the object has it: links to it, or shows its
        strong texts (but, on a page, the text searched for, which the page repeats); an
        export, which has no links, its weak texts too, or any row at all when no other
        object has the value searched for (`alone`)."""
        texts = self.texts(obj)
        if answer.is_export:
            rows = [line for line in answer.body.splitlines()[1:] if line.strip()]
            if alone and rows:
                return True
            texts = texts.strong + texts.weak
        else:
            texts = texts.strong
        return obj in linked(answer.body, self.views) or bool(
            shown(echoed(texts, query, answer), answer.body)
        )

    # The URLs.

    def targets(self, pattern: Pattern, viewer: Viewer) -> list[Target]:
        if pattern.name == "wagtail_bulk_action":
            return self.bulk_targets(viewer)
        if pattern.name == "wagtailadmin_editing_sessions:ping":
            return self.ping_targets(viewer)
        model = pattern_model(pattern)
        if model is None:
            return []
        found = []
        for obj in self.foreign(viewer, model, pattern):
            texts = self.texts(obj)
            for kwargs in arguments(pattern, obj):
                found.append(Target(pattern.url(kwargs), texts, describe(obj), global_model(model)))
        return found

    def bulk_targets(self, viewer: Viewer) -> list[Target]:
        found = []
        for app_label, by_model in sorted(bulk_actions().items()):
            for model_name, by_action in sorted(by_model.items()):
                model = apps.get_model(app_label, model_name)
                for obj in self.foreign(viewer, model):
                    for action in sorted(by_action):
                        url = reverse("wagtail_bulk_action", args=[app_label, model_name, action])
                        query = urlencode({"id": obj.pk, "next": "/admin/"})
                        found.append(
                            Target(
                                f"{url}?{query}",
                                self.texts(obj),
                                describe(obj),
                                global_model(model),
                                f"wagtail_bulk_action:{app_label}.{model_name}.{action}",
                            )
                        )
        return found

    def ping_targets(self, viewer: Viewer) -> list[Target]:
        found = []
        for page in self.foreign_pages(viewer, Page):
            session = EditingSession.objects.filter(object_id=str(page.pk)).first()
            kwargs = {
                "app_label": "wagtailcore",
                "model_name": "page",
                "object_id": page.pk,
                "session_id": session.pk,
            }
            found.append(
                Target(
                    reverse("wagtailadmin_editing_sessions:ping", kwargs=kwargs),
                    self.texts(page),
                    describe(page),
                    Page,
                )
            )
        return found


PAGE_API_ACTIONS = sorted(PagesAdminAPIViewSet.actions)


def bulk_actions() -> dict[str, dict[str, dict]]:
    """Wagtail's registered bulk actions: {app label: {model name: {action: class}}}."""
    bulk_action_registry.get_bulk_actions_for_model("", "")  # registers them on first use
    return bulk_action_registry.actions


def arguments(pattern: Pattern, obj) -> list[dict]:
    """The URL arguments for an object: its key, and what else the pattern asks for."""
    primary = primary_arg(pattern)
    kwargs = {primary: obj.pk} if primary else {}
    if isinstance(obj, FlowTask):
        kwargs["process_pk"] = obj.process_id
    elif primary == "code" and isinstance(obj, Area):
        kwargs["code"] = obj.code
    elif primary in ("code", "request_id") and isinstance(obj, ProcessInstance):
        kwargs[primary] = obj.submission.reference
    elif primary == "code" and isinstance(obj, ProcessDefinition):
        kwargs["code"] = obj.key
    elif pattern.name == "wagtail_serve":
        kwargs["0"] = obj.get_url_parts()[2].lstrip("/")
    elif pattern.name == "wagtaildocs_serve":
        kwargs["1"] = obj.filename
    choices = [kwargs]
    for arg in pattern.args:
        if arg in kwargs:
            continue
        values = fill(pattern, arg, obj)
        if not values:
            return []
        choices = [{**c, arg: v} for c in choices for v in values]
    return choices


def fill(pattern: Pattern, arg: str, obj) -> list:
    """Values of a pattern's other arguments for an object (none: the object has no such)."""
    page = obj if isinstance(obj, Page) else None
    state = WorkflowState.objects.filter(object_id=str(obj.pk)).first() if page else None
    values = {
        "revision_id_a": ["earliest"],
        "revision_id_b": ["latest"],
        "filter_spec": ["original"],
        "response_format": ["json"],
        # Which figure's records: who may open them does not depend on it.
        "figure": ["rounds"],
        "revision_id": [obj.latest_revision_id] if getattr(obj, "latest_revision_id", 0) else [],
        "destination_id": [page.get_parent().pk] if page else [],
        "content_type_app_name": [page.specific_class._meta.app_label] if page else [],
        "content_type_model_name": [page.specific_class._meta.model_name] if page else [],
        "app_label": [page.specific_class._meta.app_label] if page else [],
        "model_name": [page.specific_class._meta.model_name] if page else [],
        "workflow_pk": list(PageWorkflow.objects.values_list("pk", flat=True)[:1]),
        "workflow_state_id": [state.pk] if state else [],
        "task_state_id": [state.current_task_state_id] if state else [],
        "task_id": [state.current_task_state.task_id] if state else [],
        "page_id": [obj.page_id] if isinstance(obj, PageViewRestriction) else [],
        "action_name": (
            PAGE_API_ACTIONS
            if pattern.name == "wagtailadmin_api:pages:action"
            else (["approve"] if state else [])
        ),
    }
    return values.get(arg, [])


# --- Asking, and judging the answer ------------------------------------------------------------

LOGIN_PATHS = ("/accounts/login/", "/admin/login/", "/_util/login/")
DASHBOARD = "/admin/"  # where Wagtail sends whoever lacks a permission


@dataclass
class Answer:
    status: int
    location: str = ""
    body: str = ""
    error: str = ""
    content_type: str = ""

    @property
    def is_export(self) -> bool:
        return not self.content_type.startswith(("text/html", "application/json"))


def readable(response) -> str:
    """The response's content as text a person would read: HTML entities, JSON escapes and
    spreadsheet files (XLSX, a zip of XML) undone."""
    # The test client closes the response (and a streamed one once read): closing it again
    # would signal the end of a request, and close the database connection (PostgreSQL).
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if data[:2] == b"PK":  # a spreadsheet: its rows, one a line
        with contextlib.suppress(zipfile.BadZipFile, OSError, KeyError):
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
            return "\n".join(
                "\t".join("" if cell is None else str(cell) for cell in row)
                for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True)
            )
    text = data.decode("utf-8", "replace")
    if "json" in response.get("Content-Type", ""):
        with contextlib.suppress(ValueError):
            text = "\n".join(strings(json.loads(text)))
    return html.unescape(text)


def strings(value) -> list[str]:
    """Every key and string in a JSON document (a chooser's modal is HTML inside JSON)."""
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in [str(key), *strings(item)]]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return [str(value)] if value is not None else []


def ask(client: Client, method: str, url: str) -> Answer:
    """One request, in a savepoint rolled back afterwards; the client's session is kept (a
    logout or a session cycled inside would otherwise leave it anonymous for what follows)."""
    session = client.cookies.get(settings.SESSION_COOKIE_NAME)
    try:
        with transaction.atomic():
            response = getattr(client, method)(url)
            answer = Answer(
                response.status_code,
                unquote(response.get("Location", "")),
                readable(response),
                content_type=response.get("Content-Type", ""),
            )
            transaction.set_rollback(True)
    except Exception as error:  # a server error: the test client raises what the view raised
        answer = Answer(500, error=f"{type(error).__name__}: {error}"[:300])
    if session is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = session.value
    return answer


def refused_by_redirect(location: str) -> bool:
    path = urlsplit(location).path
    return path.startswith(LOGIN_PATHS) or path == DASHBOARD


def shown(texts, *places: str) -> list[str]:
    return [text for text in dict.fromkeys(texts) if any(text in place for place in places)]


def judge(client: Client, method: str, target: Target, public: bool) -> str | None:
    """What is wrong with the answer to a URL about an object the client may not see."""
    answer = ask(client, method, target.url)
    if answer.status >= 500:
        return f"{answer.status} {answer.error}"
    texts = target.texts
    if public:
        watched, everywhere = texts.secret, texts.secret
    else:
        watched, everywhere = texts.strong + texts.weak + texts.secret, texts.strong
    if 200 <= answer.status < 300:
        found = shown(watched, answer.body)
        return f"{answer.status} showing {found}" if found else None
    if answer.status in (301, 302, 303, 307, 308):
        found = shown(everywhere, answer.location)
        if found:
            return f"{answer.status} to {answer.location}, which names {found}"
        if public or refused_by_redirect(answer.location):
            return None
        if answer.location not in client.followed:
            client.followed[answer.location] = ask(client, "get", answer.location)
        followed = client.followed[answer.location]
        # Another page than the object's: only what is the object's own may not be on it.
        found = shown(everywhere, followed.body) if followed.status == 200 else []
        if followed.status >= 500 or found:
            return f"{answer.status} to {answer.location}: {followed.status} showing {found}"
        return None
    found = shown(everywhere, answer.body)
    return f"{answer.status} showing {found}" if found else None


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    client.followed = {}  # the pages redirects led to: many lead to the same
    return client


# --- The sweep ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def city(demo_city, django_db_blocker):
    """The demo city as `make run` builds it (shared, tests/demo_city.py), with what the demo
    does not make added for this module in a savepoint rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        add_missing_objects(get_user_model().objects.get(username="admin"))
        yield City()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _quiet():
    """Refusals are what the sweep expects: Django's log of each 403 and 404 (and of a 500's
    traceback, which the sweep reports itself) would bury its report."""
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def object_patterns() -> list[Pattern]:
    return [p for p in url_patterns() if p.objects and p.label not in UNSWEPT]


def test_every_pattern_with_an_object_is_swept_or_said_why_not(city):
    labels = {p.label for p in url_patterns()}
    bulk = {
        f"wagtail_bulk_action:{app}.{model}.{action}"
        for app, by_model in bulk_actions().items()
        for model, by_action in by_model.items()
        for action in by_action
    }
    tables = {
        "UNSWEPT": UNSWEPT,
        "PUBLIC": PUBLIC,
        "LISTS_UNSWEPT": LISTS_UNSWEPT,
        "ANONYMOUS_OK": ANONYMOUS_OK,
        "PER_USER_PAGES": PER_USER_PAGES,
        "KNOWN_HOLES": KNOWN_HOLES,
    }
    for table, names in tables.items():
        assert sorted(set(names) - labels - bulk) == [], f"{table} names patterns that are gone"
    assert set().union(*(h.users for h in KNOWN_HOLES.values())) <= set(ROLE_USERS)
    without = []
    for pattern in object_patterns():
        if not any(city.targets(pattern, city.viewer(name)) for name in ROLE_USERS):
            without.append(pattern.label)
    assert not without, "No foreign object for (add one, or to UNSWEPT):\n" + "\n".join(without)


@dataclass(frozen=True)
class Hole:
    what: str
    users: frozenset[str]


# Holes the sweep found that are not fixed yet: by pattern (a bulk action by
# "wagtail_bulk_action:<app>.<model>.<action>"), what leaks, and the roles that reach it (for
# answers asked once per permission profile, the profile's first role). Like a strict xfail,
# each must still leak: once one is fixed, the sweep fails until its entry is taken off.
KNOWN_HOLES: dict[str, Hole] = {}


def holes_of(username: str, labels: set[str]) -> set[str]:
    return {key for key, hole in KNOWN_HOLES.items() if username in hole.users and key in labels}


def settle(username: str, problems: dict[str, list[str]], labels: set[str]) -> list[str]:
    """The problems not in KNOWN_HOLES, and the known holes that no longer leak."""
    expected = holes_of(username, labels)
    left = [p for key, found in problems.items() if key not in expected for p in found]
    fixed = sorted(expected - set(problems))
    if fixed:
        left.append(f"Fixed, take off KNOWN_HOLES for {username}: {fixed}")
    return left


@pytest.mark.parametrize("username", ROLE_USERS)
def test_no_role_is_served_an_object_it_may_not_see(city, username):
    viewer = city.viewer(username)
    client = signed_in(viewer.user)
    problems = defaultdict(list)
    labels = set()
    for pattern in object_patterns():
        public = pattern.label in PUBLIC
        for target in city.targets(pattern, viewer):
            key = target.hole or pattern.label
            labels.add(key)
            for method in city.methods(viewer, target, pattern):
                problem = judge(client, method, target, public)
                if problem is not None:
                    line = f"{method.upper()} {target.url} ({target.about}): {problem}"
                    problems[key].append(line)
    left = settle(username, problems, labels)
    assert not left, f"{username} was served what it may not see:\n" + "\n".join(left)


# --- Lists ------------------------------------------------------------------------------------

# Argument-free patterns the list sweep does not ask, and why.
LISTS_UNSWEPT = {
    "wagtailadmin_error_test": "Wagtail's deliberate server error, to try the error page",
    "admin/^.*/$": "Wagtail's catch-all for unknown admin URLs: no name, no list",
}
# Wagtail's dashboard: the project's panels list the user's own tasks.
PER_USER_PAGES = {"wagtailadmin_home"}
PROJECT_PACKAGES = ("grid.", "forms.", "pages.", "workflows.", "config.")
STAFF_ROUTES = ("admin/", "workflow/", "accounts/")
HREF = re.compile(r"""href=["']([^"'#]+)""")
LISTINGS = (GenericIndexView, BaseChooseView)


def list_url(pattern: Pattern) -> str:
    if pattern.name:
        return pattern.url(dict.fromkeys(pattern.args, "json"))
    return "/" + pattern.route


def list_patterns() -> list[Pattern]:
    return [p for p in url_patterns() if not p.objects and p.label not in LISTS_UNSWEPT]


def view_module(pattern: Pattern) -> str:
    callback = innermost(pattern.callback)
    view = getattr(callback, "view_class", None) or callback
    owner = getattr(view, "__self__", None)
    return (type(owner) if owner is not None else view).__module__


def search_fields(pattern: Pattern) -> tuple[str, ...]:
    callback = innermost(pattern.callback)
    fields = getattr(getattr(callback, "__self__", None), "search_fields", None)
    if fields is None:
        fields = (getattr(callback, "view_initkwargs", None) or {}).get("search_fields")
    if fields is None:
        fields = getattr(getattr(callback, "view_class", None), "search_fields", None)
    return tuple(fields) if isinstance(fields, (list, tuple)) else ()


def is_listing(pattern: Pattern) -> bool:
    """A list of a model's objects (a ModelAdmin's index, a viewset's or a chooser's list)."""
    method = innermost(pattern.callback)
    if getattr(method, "__self__", None) is not None:
        return method.__name__ == "index_view"
    view_class = getattr(method, "view_class", None)
    return view_class is not None and issubclass(view_class, LISTINGS)


def list_scope(pattern: Pattern):
    """How a list is swept: "probe" (searched by each role for its foreign objects), "user"
    (asked by each role: it shows the user's own work), or the model whose permissions alone
    decide it ("wagtail" for Wagtail's own pages), asked once per permission profile."""
    model = view_model(pattern)
    if not pattern.route.startswith(STAFF_ROUTES) or pattern.label in ANONYMOUS_OK:
        return "public"  # the same for everyone
    if model is not None:
        if global_model(model) is not None:
            return global_model(model)
        return "probe" if is_listing(pattern) and search_fields(pattern) else "user"
    if (
        pattern.route.startswith(("workflow/", "accounts/"))
        or pattern.name in PER_USER_PAGES
        or view_module(pattern).startswith(PROJECT_PACKAGES)
    ):
        return "user"
    return "wagtail"


def search_value(model, fields: tuple[str, ...], obj) -> tuple[str, int] | None:
    """The value of the object's search fields that finds fewest others (and how many rows
    have it): what its list is searched for."""
    manager, best = model._default_manager, None
    for path in fields:
        path = path.lstrip("^=@")
        for value in manager.filter(pk=obj.pk).values_list(path, flat=True):
            if not isinstance(value, str) or len(value.strip()) < 2:
                continue
            found = manager.filter(**{f"{path}__icontains": value}).count()
            if best is None or (found, len(value)) < best[0]:
                best = ((found, len(value)), (value, found))
    return best[1] if best else None


def patterns_by_view() -> dict[int, list[Pattern]]:
    found = defaultdict(list)
    for pattern in url_patterns():
        found[id(pattern.callback)].append(pattern)
    return found


def object_at(pattern: Pattern, kwargs: dict):
    """The object a URL of the pattern is about, if it is one whose visibility depends on
    the user (an area's, a process's, an owner's)."""
    model = pattern_model(pattern)
    primary = primary_arg(pattern)
    if model is None or primary is None or global_model(model) is not None:
        return None
    value = kwargs.get(primary)
    if model is ProcessInstance and primary in ("code", "request_id"):
        return ProcessInstance.objects.filter(submission__reference=value).first()
    if model is Area and primary == "code":
        return Area.objects.filter(code=value).first()
    try:
        return model._default_manager.filter(pk=value).first()
    except (ValueError, TypeError):
        return None


def linked(body: str, views: dict[int, list[Pattern]]) -> list:
    """The objects a page links to."""
    found: list = []
    for href in set(HREF.findall(body)):
        path = urlsplit(html.unescape(href)).path
        if not path.startswith("/"):
            continue
        try:
            match = resolve(path)
        except Resolver404:
            continue
        given = set(match.kwargs) or {str(i) for i in range(len(match.args))}
        kwargs = match.kwargs or {str(i): arg for i, arg in enumerate(match.args)}
        for pattern in views.get(id(match.func), []):
            if set(pattern.args) == given:
                obj = object_at(pattern, kwargs)
                if obj is not None and obj not in found:
                    found.append(obj)
                break
    return found


def echoed(texts, query: str, answer: Answer) -> list[str]:
    """The texts that tell an object on a page searched for `query`: a page repeats the
    query (in its search box), an export does not."""
    if not query or answer.is_export:
        return list(texts)
    return [t for t in texts if query not in t and t not in query]


def list_problems(city: City, viewer: Viewer, answer: Answer, query: str = "") -> list[str]:
    """A list page may not link to an object the viewer may not see, nor show the strong
    texts of the objects the object sweep found foreign to them."""
    if answer.status >= 500:
        return [f"{answer.status} {answer.error}"]
    if not 200 <= answer.status < 300:
        return []
    problems = [
        f"links to {describe(obj)}"
        for obj in linked(answer.body, city.views)
        if city.is_foreign(viewer, obj)
    ]
    found = shown(echoed(city.sentinels(viewer), query, answer), answer.body)
    if found:
        problems.append(f"shows {found}")
    return problems


@pytest.mark.parametrize("username", ROLE_USERS)
def test_no_role_finds_objects_it_may_not_see_in_lists(city, username):
    """Each list searched for the role's foreign objects (and exported, where it exports),
    the pages of the role's own work, and every other argument-free page once per
    permission profile: no link to a foreign object, no foreign object's text, no error.
    Each search is also made by the platform admin, who must find the object: a search that
    finds nothing for anyone would prove nothing."""
    viewer = city.viewer(username)
    client, admin = signed_in(viewer.user), signed_in(city.admin)
    problems = defaultdict(list)
    for pattern in list_patterns():
        if not city.asks_list(viewer, pattern):
            continue
        url, found = list_url(pattern), problems[pattern.label]
        if list_scope(pattern) != "probe" or not viewer.admin_access:
            found += [
                f"GET {url}: {p}" for p in list_problems(city, viewer, ask(client, "get", url))
            ]
            continue
        model = view_model(pattern)
        for obj in city.foreign(viewer, model):
            searched = search_value(model, search_fields(pattern), obj)
            if searched is None:
                found.append(f"{url}: nothing to search {describe(obj)} by")
                continue
            value, alone = searched[0], searched[1] == 1
            for export in ("", "csv", "xlsx"):
                if export == "xlsx" and city.exporter.setdefault(url, username) != username:
                    break  # one role asks for XLSX: it goes through the same scoping as CSV
                probe = f"{url}?{urlencode({'q': value, **({'export': export} if export else {})})}"
                control = city.control(admin, probe)
                if export and not (control.is_export and control.body.strip()):
                    break  # the list does not export (or only an empty file)
                answer = ask(client, "get", probe)
                found += [
                    f"GET {probe} ({describe(obj)}): {p}"
                    for p in list_problems(city, viewer, answer, value)
                ]
                if 200 <= answer.status < 300 and city.finds(answer, obj, value, alone):
                    found.append(f"GET {probe}: finds {describe(obj)}")
                if not city.finds(control, obj, value, alone):
                    found.append(f"GET {probe}: blind, the admin does not find {describe(obj)}")
                if export and not answer.is_export:
                    break  # the role may not export it
    left = settle(username, {k: v for k, v in problems.items() if v}, set(problems))
    assert not left, f"{username} found in lists what it may not see:\n" + "\n".join(left)


# --- Anonymous visitors ---------------------------------------------------------------------

# Staff-side URLs an anonymous visitor may open, and why.
ANONYMOUS_OK = {
    "wagtailadmin_login": "the login form",
    "login": "the login form",
    "logout": "logging out",
    "wagtailadmin_logout": "logging out",
    "wagtailadmin_password_reset": "asking for a password reset",
    "wagtailadmin_password_reset_done": "the password reset's confirmation",
    "wagtailadmin_password_reset_complete": "the password reset's confirmation",
    "password_reset": "asking for a password reset",
    "password_reset_done": "the password reset's confirmation",
    "password_reset_complete": "the password reset's confirmation",
    "wagtailadmin_javascript_catalog": "the admin's translations (scripts of the login page)",
    "wagtail_modeladmin:javascript_catalog": "modeladmin's translations",
    "wagtailadmin_sprite": "the admin's icons (the login page's)",
}


def test_anonymous_visitors_are_sent_to_the_login(city):
    """Every staff URL (admin, processes, accounts), with a real object where it takes one:
    a redirect to the login, or a refusal, showing nothing of the object."""
    client = Client()
    client.followed = {}
    problems = []
    for pattern in url_patterns():
        if not pattern.route.startswith(STAFF_ROUTES) or pattern.label in ANONYMOUS_OK:
            continue
        if pattern.label in UNSWEPT or pattern.label in LISTS_UNSWEPT:
            continue
        if pattern.objects:
            targets = next(
                (t for n in ROLE_USERS if (t := city.targets(pattern, city.viewer(n)))), []
            )[:1]
        else:
            targets = [Target(list_url(pattern), Texts(), "")]
        for target in targets:
            answer = ask(client, "get", target.url)
            refused = answer.status in (403, 404, 405) or (
                answer.status in (301, 302)
                and urlsplit(answer.location).path.startswith(LOGIN_PATHS)
            )
            found = shown(target.texts.strong + target.texts.weak, answer.body, answer.location)
            if not refused or found:
                problems.append(f"GET {target.url}: {answer.status} {answer.location} {found}")
    assert not problems, "Served to anonymous visitors:\n" + "\n".join(problems)
