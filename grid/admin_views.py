"""A thin layer over wagtail-modeladmin: it limits every list, form and object page to the
user's jurisdiction (via grid.selectors) and masks personal data in lists."""

from django.contrib.admin import SimpleListFilter
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import Column, DateColumn, UserColumn
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.models import ModelLogEntry
from wagtail_modeladmin.helpers.search import DjangoORMSearchHandler
from wagtail_modeladmin.options import ModelAdmin
from wagtail_modeladmin.views import HistoryView

from . import audit, search, selectors
from .models import Area, Building, Household, PartyOrganisation, PersonalDataLogEntry

# How each model that others point to reaches its area, for limiting choices in forms.
AREA_PATHS: dict[type[Model], str] = {
    Area: "",
    Building: "grid",
    Household: "building__grid",
    PartyOrganisation: "area",
}


class ScopedAdminForm(WagtailAdminModelForm):
    """Offers only areas, buildings and households inside the editing user's jurisdiction."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is None:
            return
        for field in self.fields.values():
            model = getattr(getattr(field, "queryset", None), "model", None)
            if model in AREA_PATHS:
                field.queryset = selectors.in_scope(
                    field.queryset, self.for_user, AREA_PATHS[model]
                )


class AreaListFilter(SimpleListFilter):
    """Filter a register by one community or grid within the user's jurisdiction."""

    level: int
    area_path: str

    def lookups(self, request, model_admin):
        areas = selectors.visible_areas(request.user).filter(level=self.level)
        community = request.GET.get("community")
        if self.level == Area.Level.GRID and community:
            areas = areas.filter(code__startswith=community)
        return [(area.code, area.name) for area in areas]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        prefix = f"{self.area_path}__code" if self.area_path else "code"
        return queryset.filter(**{f"{prefix}__startswith": self.value()})


def area_filters(area_path: str) -> list[type[SimpleListFilter]]:
    community = type(
        "CommunityFilter",
        (AreaListFilter,),
        {
            "title": _("community"),
            "parameter_name": "community",
            "level": Area.Level.COMMUNITY,
            "area_path": area_path,
        },
    )
    grid = type(
        "GridFilter",
        (AreaListFilter,),
        {
            "title": _("grid"),
            "parameter_name": "grid",
            "level": Area.Level.GRID,
            "area_path": area_path,
        },
    )
    return [community, grid]


class RegisterSearchHandler(DjangoORMSearchHandler):
    """Each search field through its own index, with no DISTINCT over the list (grid.search)."""

    def search_queryset(self, queryset, search_term, **kwargs):
        if not search_term or not self.search_fields:
            return queryset
        return search.search(queryset, self.search_fields, search_term)


class RecordHistoryView(HistoryView):
    """A record's history, every heading in the reader's language: wagtail-modeladmin's own
    leaves the user column headed by its field's name and entries without a user "system",
    in English on a Chinese screen."""

    columns = [
        Column("message", label=_("Action")),
        UserColumn("user", label=_("User"), blank_display_name=_("system")),
        DateColumn("timestamp", label=_("Date")),
    ]


class ScopedModelAdmin(ModelAdmin):
    """Lists show only the jurisdiction; an object outside it is a 404, whatever the URL."""

    area_path: str = ""
    search_handler_class = RegisterSearchHandler
    # Whether the detail and edit pages show personal data (ID numbers, phones) unmasked.
    shows_personal_data = False
    list_per_page = 50
    inspect_view_enabled = True
    history_view_enabled = True
    history_view_class = RecordHistoryView

    def get_queryset(self, request) -> QuerySet:
        return selectors.in_scope(super().get_queryset(request), request.user, self.area_path)

    base_form_class: type[WagtailAdminModelForm] = ScopedAdminForm
    panels: list
    # Masked identifiers read as one token: keep them on one line.
    nowrap_columns: frozenset[str] = frozenset()

    def get_extra_class_names_for_field_col(self, obj, field_name):
        return ["nowrap"] if field_name in self.nowrap_columns else []

    def get_edit_handler(self):
        return ObjectList(self.panels, base_form_class=self.base_form_class)

    def get_search_fields(self, request):
        """Searching by an ID number or a phone would tell who has it: only for those who see
        personal data throughout their jurisdiction."""
        fields = super().get_search_fields(request)
        if not self.shows_personal_data or selectors.sees_personal_data_throughout(request.user):
            return fields
        return tuple(f for f in fields if not f.endswith(("id_number", "phone")))

    def area_of(self, instance: Model) -> Area:
        area = instance
        for step in self.area_path.split("__") if self.area_path else ():
            area = getattr(area, step)
        return area

    def get_permission_helper_class(self):
        """Detail and edit pages of a register with personal data show it in full: only to
        those who may see personal data where the record is (their buttons are hidden and the
        pages refused to everyone else, who keep the masked list)."""
        helper = super().get_permission_helper_class()
        if not self.shows_personal_data:
            return helper
        area_of = self.area_of

        class PersonalDataPermissionHelper(helper):
            def user_can_inspect_obj(self, user, obj):
                return super().user_can_inspect_obj(user, obj) and selectors.can_see_personal_data(
                    user, area_of(obj)
                )

            def user_can_edit_obj(self, user, obj):
                return super().user_can_edit_obj(user, obj) and selectors.can_see_personal_data(
                    user, area_of(obj)
                )

        return PersonalDataPermissionHelper

    def require_in_scope(self, request, instance_pk: str) -> None:
        try:
            pk = self.model._meta.pk.to_python(unquote(instance_pk))
        except ValidationError:
            raise Http404 from None
        if not self.get_queryset(request).filter(pk=pk).exists():
            raise Http404

    def inspect_view(self, request, instance_pk):
        self.require_in_scope(request, instance_pk)
        self.audit_view(request, instance_pk, "inspect")
        return super().inspect_view(request, instance_pk)

    def edit_view(self, request, instance_pk):
        self.require_in_scope(request, instance_pk)
        if request.method == "GET":
            self.audit_view(request, instance_pk, "edit")
        return super().edit_view(request, instance_pk)

    def audit_view(self, request, instance_pk: str, page: str) -> None:
        """Detail and edit pages show a register's personal data in full: each showing is
        written to the audit log."""
        if not self.shows_personal_data:
            return
        instance = self.get_queryset(request).get(pk=unquote(instance_pk))
        area = self.area_of(instance)
        if selectors.can_see_personal_data(request.user, area):  # else the page is refused
            audit.log_view(instance, user=request.user, area=area, page=page)

    def delete_view(self, request, instance_pk):
        self.require_in_scope(request, instance_pk)
        return super().delete_view(request, instance_pk)

    def history_view(self, request, instance_pk):
        """The history names the record and what changed in it: for those who may open the
        record itself (wagtail-modeladmin's history view checks no permission of its own)."""
        self.require_in_scope(request, instance_pk)
        instance = self.get_queryset(request).get(pk=unquote(instance_pk))
        if not self.permission_helper.user_can_inspect_obj(request.user, instance):
            raise PermissionDenied
        return super().history_view(request, instance_pk)


class LogEntriesPaginator(WagtailPaginator):
    """The count under the report names all its entries, not the model of whichever log
    happens to lead the union of logs."""

    verbose_name = _("log entry")
    verbose_name_plural = _("log entries")


class SiteHistoryView(LogEntriesView):
    """Wagtail's site history report, with the entries about records (personal data, views of
    it) limited like the records: a platform admin reads them all, anyone else their own
    actions and the entries about records in their jurisdiction. Page entries keep Wagtail's
    own rule (the pages one may edit)."""

    paginator_class = LogEntriesPaginator

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if queryset.model in (ModelLogEntry, PersonalDataLogEntry):
            queryset = audit.visible_entries(queryset, self.request.user)
        return queryset
