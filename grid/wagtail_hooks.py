"""The registry in the Wagtail admin: thin ModelAdmin declarations over grid.admin_views."""

from functools import partial

from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib.admin import SimpleListFilter, display
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup, modeladmin_register
from wagtail_modeladmin.views import InspectView

from . import audit, import_views, registers, selectors, services
from .admin_views import ScopedAdminForm, ScopedModelAdmin, area_filters
from .import_views import TransferAdminMixin
from .masking import mask_id_number, mask_phone
from .models import (
    Area,
    Assignment,
    Building,
    Department,
    Facility,
    Household,
    PartyMember,
    PartyOrganisation,
    PersonalDataLogEntry,
    Resident,
    Role,
    Tag,
    Unit,
    Volunteer,
)


class AreaForm(ScopedAdminForm):
    def clean(self):
        cleaned = super().clean()
        try:
            services.check_area_parent(self.for_user, cleaned.get("parent"))
        except ValidationError as error:
            self.add_error("parent", error)
        return cleaned


class SizeRuleFilter(SimpleListFilter):
    title = _("grid size rule")
    parameter_name = "size_rule"

    def lookups(self, request, model_admin):
        return [("outside", _("Outside the household bounds"))]

    def queryset(self, request, queryset):
        if self.value() != "outside":
            return queryset
        return queryset.filter(level=Area.Level.GRID, kind=Area.Kind.RESIDENTIAL).filter(
            Q(household_count__lt=settings.GRID_HOUSEHOLDS_MIN)
            | Q(household_count__gt=settings.GRID_HOUSEHOLDS_MAX)
        )


class AreaInspectView(InspectView):
    """The area page: its place in the tree, its children and the grids outside the size rule."""

    def get_context_data(self, **kwargs):
        area = self.instance
        children = area.children.all()
        return super().get_context_data(
            ancestors=Area.objects.filter(
                code__in=[area.code[:n] for n in range(6, len(area.code), 3)]
            ),
            children=[
                (child, selectors.size_rule_violation(child, child.household_count))
                for child in children
            ],
            outside_size_rule=selectors.grids_outside_size_rule(Area.objects.within(area)),
            household_bounds=(settings.GRID_HOUSEHOLDS_MIN, settings.GRID_HOUSEHOLDS_MAX),
            **kwargs,
        )


class AreaAdmin(TransferAdminMixin, ScopedModelAdmin):
    resource_class = registers.AreaResource
    model = Area
    menu_label = _("Areas")
    menu_icon = "site"
    base_form_class = AreaForm
    inspect_view_class = AreaInspectView
    inspect_template_name = "grid/admin/area_inspect.html"
    list_display = ("code", "name", "level", "kind", "households", "size_rule")
    list_filter = ("level", "kind", SizeRuleFilter)
    search_fields = ("code", "name")
    panels = [
        FieldPanel("parent"),
        FieldRowPanel([FieldPanel("code"), FieldPanel("name")]),
        FieldPanel("kind"),
        FieldPanel("boundary"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request)

    @display(description=_("households"), ordering="household_count")
    def households(self, area: Area) -> int:
        return area.household_count

    @display(description=_("grid size rule"))
    def size_rule(self, area: Area) -> str:
        return {
            "below": _("Fewer than %(min)d households"),
            "above": _("More than %(max)d households"),
        }.get(selectors.size_rule_violation(area, area.household_count), "") % {
            "min": settings.GRID_HOUSEHOLDS_MIN,
            "max": settings.GRID_HOUSEHOLDS_MAX,
        }


class BuildingAdmin(TransferAdminMixin, ScopedModelAdmin):
    resource_class = registers.BuildingResource
    model = Building
    area_path = "grid"
    menu_label = _("Buildings")
    menu_icon = "home"
    list_display = ("name", "address", "grid", "floors", "units")
    list_filter = area_filters("grid")
    list_select_related = ("grid",)
    search_fields = ("name", "address")
    panels = [
        FieldPanel("grid"),
        FieldRowPanel([FieldPanel("name"), FieldPanel("address")]),
        FieldRowPanel([FieldPanel("floors"), FieldPanel("units")]),
    ]


class MemberForm(WagtailAdminModelForm):
    """A member in the household's form. Its tags wait for HouseholdForm: the household's
    formset saves them before it saves the members, and a member just added has no id yet."""

    def _save_m2m(self):
        pass

    def save_tags(self) -> None:
        if "tags" in self.cleaned_data:
            self.instance.tags.set(self.cleaned_data["tags"])


class HouseholdForm(ScopedAdminForm):
    def _save_m2m(self):
        """Once the household and its members are saved: their tags."""
        super()._save_m2m()
        for form in self.formsets["members"].saved_forms:
            form.save_tags()


class MembersPanel(InlinePanel):
    """The members' inline, with their tags (MemberForm)."""

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["form"] = MemberForm
        return options


class HouseholdInspectView(InspectView):
    """A household's page: its tags and each member's, as the viewer may see them."""

    def get_context_data(self, **kwargs):
        household = self.instance
        user, area = self.request.user, household.building.grid
        return super().get_context_data(
            tags=selectors.tags_shown(user, area, household.tags.all()),
            members=[
                (member, selectors.tags_shown(user, area, member.tags.all()))
                for member in household.members.prefetch_related("tags")
            ],
            **kwargs,
        )


class ViewerColumn:
    """A list column whose cells depend on who looks at the list. Any two of a kind are equal,
    so that a row's buttons find their column whichever request made it."""

    short_description: Promise
    __name__: str  # the column's name in the list's markup

    def __init__(self, viewer) -> None:
        self.viewer = viewer

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    __hash__ = object.__hash__

    def __str__(self) -> str:  # the cells' class names: field-<name>
        return self.__name__


class TagsColumn(ViewerColumn):
    """The household's tags and its members' (`household_tags`), the sensitive ones only where
    the viewer sees personal data (`tags_shown`): each row is asked about its own grid."""

    short_description = _("tags")
    __name__ = "tags"

    def __call__(self, household: Household) -> str:
        tags = selectors.household_tags(household)
        return tag_marks(selectors.tags_shown(self.viewer, household.building.grid, tags))


def tag_marks(tags: list[Tag]) -> str:
    """Tags as their coloured marks with their names, for lists and pages of the admin."""
    return render_to_string("grid/includes/tags.html", {"tags": tags})


class HouseholdAdmin(TransferAdminMixin, ScopedModelAdmin):
    resource_class = registers.HouseholdResource
    model = Household
    area_path = "building__grid"
    shows_personal_data = True
    menu_label = _("Households")
    menu_icon = "group"
    list_display = (
        "household",
        "grid",
        "householder",
        "householder_id_number",
        "householder_phone",
        "members",
        "registered_population",
    )
    list_filter = area_filters("building__grid")
    nowrap_columns = frozenset({"householder_id_number", "householder_phone"})
    search_fields = ("door_number", "building__name", "members__name", "members__id_number")
    inspect_view_fields = ("building", "door_number", "registered_population")
    inspect_view_class = HouseholdInspectView
    inspect_template_name = "grid/admin/household_inspect.html"
    base_form_class = HouseholdForm
    panels = [
        MultiFieldPanel(
            [
                FieldPanel("building"),
                FieldRowPanel([FieldPanel("door_number"), FieldPanel("registered_population")]),
                FieldPanel("tags", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("Household"),
        ),
        MembersPanel(
            "members",
            heading=_("Members"),
            label=_("Member"),
            panels=[
                FieldRowPanel([FieldPanel("name"), FieldPanel("relation")]),
                FieldRowPanel([FieldPanel("id_number"), FieldPanel("phone")]),
                FieldPanel("tags", widget=forms.CheckboxSelectMultiple),
            ],
        ),
    ]

    def get_queryset(self, request):
        return selectors.household_list(request.user)

    def get_list_display(self, request):
        return (*self.list_display, TagsColumn(request.user))

    def count_in_jurisdiction(self, user) -> int:
        return selectors.households_in_jurisdiction(user)

    @display(description=_("household"), ordering="door_number")
    def household(self, household: Household) -> str:
        return f"{household.building.name} {household.door_number}"

    @display(description=_("community · grid"))
    def grid(self, household: Household) -> str:
        return f"{household.building.grid.parent.name} · {household.building.grid.name}"

    @display(description=_("householder"))
    def householder(self, household: Household) -> str:
        return household.householder_name or ""

    @display(description=_("ID number"))
    def householder_id_number(self, household: Household) -> str:
        return mask_id_number(household.householder_id_number)

    @display(description=_("phone"))
    def householder_phone(self, household: Household) -> str:
        return mask_phone(household.householder_phone)

    @display(description=_("members"))
    def members(self, household: Household) -> int:
        return household.member_count


class ReadOnlyPermissionHelper(PermissionHelper):
    """Residents are edited inside their household, so that the household stays whole."""

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class MaskedColumns:
    """List columns for a person's ID number and phone, masked."""

    nowrap_columns = frozenset({"masked_id_number", "masked_phone"})

    @display(description=_("ID number"))
    def masked_id_number(self, person) -> str:
        return mask_id_number(person.id_number)

    @display(description=_("phone"))
    def masked_phone(self, person) -> str:
        return mask_phone(person.phone)


class ResidentAdmin(MaskedColumns, ScopedModelAdmin):
    model = Resident
    area_path = "household__building__grid"
    shows_personal_data = True
    menu_label = _("Residents")
    menu_icon = "user"
    permission_helper_class = ReadOnlyPermissionHelper
    list_display = ("name", "masked_id_number", "masked_phone", "relation", "household_link")
    list_filter = area_filters("household__building__grid")
    list_select_related = ("household__building__grid",)
    search_fields = ("name", "id_number", "phone")
    inspect_view_fields = ("name", "id_number", "phone", "relation", "household")
    panels = []

    @display(description=_("household"))
    def household_link(self, resident: Resident) -> str:
        url = reverse("grid_household_modeladmin_inspect", args=[resident.household_id])
        return format_html('<a href="{}">{}</a>', url, resident.household)


class UnitAdmin(TransferAdminMixin, ScopedModelAdmin):
    resource_class = registers.UnitResource
    model = Unit
    area_path = "grid"
    menu_label = _("Units")
    menu_icon = "doc-full"
    list_display = ("name", "unit_type", "credit_code", "grid", "phone")
    list_filter = ("unit_type", *area_filters("grid"))
    list_select_related = ("grid",)
    search_fields = ("name", "credit_code", "address")
    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("unit_type")]),
        FieldRowPanel([FieldPanel("credit_code"), FieldPanel("phone")]),
        FieldPanel("address"),
        FieldPanel("grid"),
    ]


class FacilityAdmin(TransferAdminMixin, ScopedModelAdmin):
    resource_class = registers.FacilityResource
    model = Facility
    area_path = "grid"
    menu_label = _("Facilities")
    menu_icon = "pick"
    list_display = ("name", "facility_type", "grid", "location")
    list_filter = ("facility_type", *area_filters("grid"))
    list_select_related = ("grid",)
    search_fields = ("name", "location")
    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("facility_type")]),
        FieldPanel("grid"),
        FieldPanel("location"),
        FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
    ]


class JobsMenuItem(MenuItem):
    """The user's own imports or exports: for everyone with the work console."""

    def is_shown(self, request):
        return request.user.has_perm("wagtailadmin.access_admin")


class VolunteerAdmin(MaskedColumns, ScopedModelAdmin):
    """Volunteers activated by the volunteer registration process; edited here afterwards."""

    model = Volunteer
    area_path = "community"
    shows_personal_data = True
    menu_label = _("Volunteers")
    menu_icon = "group"
    list_display = ("name", "masked_id_number", "masked_phone", "community", "grid", "active")
    list_filter = ("active", *area_filters("community"))
    list_select_related = ("community", "grid")
    search_fields = ("name", "id_number", "phone", "skills")
    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("active")]),
        FieldRowPanel([FieldPanel("id_number"), FieldPanel("phone")]),
        FieldRowPanel([FieldPanel("community"), FieldPanel("grid")]),
        FieldPanel("skills"),
        FieldPanel("availability"),
    ]


class PermittedHistoryAdmin(ModelAdmin):
    """wagtail-modeladmin's history view checks no permission: here it is for those who may
    list the model (registers scoped by area check more, see ScopedModelAdmin)."""

    def history_view(self, request, instance_pk):
        if not self.permission_helper.user_can_list(request.user):
            raise PermissionDenied
        return super().history_view(request, instance_pk)


class TagAdmin(PermittedHistoryAdmin):
    """Tags are the same throughout the installation: defined by those who hold the tag
    permissions (platform admins), read by those who may view them."""

    model = Tag
    menu_label = _("Tags")
    menu_icon = "tag"
    list_display = ("name", "mark", "sensitive", "visit_interval_days", "sort_order")
    list_filter = ("sensitive",)
    search_fields = ("name",)
    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("short"), FieldPanel("colour")]),
        FieldPanel("sensitive"),
        FieldRowPanel([FieldPanel("visit_interval_days"), FieldPanel("sort_order")]),
    ]

    @display(description=_("mark"))
    def mark(self, tag: Tag) -> str:
        return format_html('<span class="grid-tag {}">{}</span>', tag.css_class, tag.short)


class PartyOrganisationAdmin(TransferAdminMixin, ScopedModelAdmin):
    resource_class = registers.PartyOrganisationResource
    model = PartyOrganisation
    area_path = "area"
    menu_label = _("Party organisations")
    menu_icon = "group"
    list_display = ("name", "kind", "area", "parent")
    list_filter = ("kind",)
    list_select_related = ("area", "parent")
    search_fields = ("name",)
    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("kind")]),
        FieldRowPanel([FieldPanel("area"), FieldPanel("parent")]),
    ]


class PartyMemberForm(ScopedAdminForm):
    """A member is named by their ID number, found among the residents whose personal data the
    editor sees: choosing from a million names is no choice."""

    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        help_text=_("The resident's ID number, as on the households register."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.resident_id:
            self.initial["id_number"] = self.instance.resident.id_number

    def clean_id_number(self) -> str:
        number = self.cleaned_data["id_number"].strip().upper()
        found = selectors.in_personal_data_scope(
            Resident.objects.filter(id_number=number), self.for_user, "household__building__grid"
        ).first()
        if found is None:
            raise ValidationError(
                _("No resident with this ID number where you may see personal data.")
            )
        self.instance.resident = found
        return number


class PartyMemberAdmin(TransferAdminMixin, ScopedModelAdmin):
    resource_class = registers.PartyMemberResource
    model = PartyMember
    area_path = "organisation__area"
    shows_personal_data = True
    menu_label = _("Party members")
    menu_icon = "user"
    list_display = ("member", "organisation", "duty", "joined_on", "member_id_number")
    list_filter = ("duty",)
    list_select_related = ("resident", "organisation")
    search_fields = ("resident__name", "organisation__name")
    nowrap_columns = frozenset({"member_id_number"})
    base_form_class = PartyMemberForm
    panels = [
        FieldPanel("organisation"),
        FieldPanel("id_number"),
        FieldRowPanel([FieldPanel("duty"), FieldPanel("joined_on")]),
    ]

    @display(description=_("full name"), ordering="resident__name")
    def member(self, member: PartyMember) -> str:
        return member.resident.name

    @display(description=_("ID number"))
    def member_id_number(self, member: PartyMember) -> str:
        return mask_id_number(member.resident.id_number)


class RegistryGroup(ModelAdminGroup):
    menu_label = _("Registry")
    menu_icon = "table"
    menu_order = 200
    items = (
        AreaAdmin,
        BuildingAdmin,
        HouseholdAdmin,
        ResidentAdmin,
        UnitAdmin,
        FacilityAdmin,
        VolunteerAdmin,
        TagAdmin,
        PartyOrganisationAdmin,
        PartyMemberAdmin,
    )

    def get_submenu_items(self):
        return [
            *super().get_submenu_items(),
            JobsMenuItem(
                _("Imports"),
                reverse("grid_import_jobs"),
                name="grid-imports",
                icon_name="upload",
                order=len(self.items) + 1,
            ),
            JobsMenuItem(
                _("Exports"),
                reverse("grid_export_jobs"),
                name="grid-exports",
                icon_name="download",
                order=len(self.items) + 2,
            ),
        ]


class DepartmentAdmin(TransferAdminMixin, PermittedHistoryAdmin):
    resource_class = registers.DepartmentResource
    model = Department
    menu_label = _("Departments")
    menu_icon = "group"
    list_display = ("name", "key", "street", "phone")
    search_fields = ("name", "key")


class RoleAdmin(PermittedHistoryAdmin):
    model = Role
    menu_label = _("Roles")
    menu_icon = "tag"
    list_display = ("name", "key", "scope", "level", "group", "is_public")
    list_filter = ("scope", "is_public")
    search_fields = ("name", "key")


class AssignmentForm(ScopedAdminForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is None:
            return
        field = self.fields["user"]
        field.queryset = selectors.assignable_accounts(self.for_user)
        field.label_from_instance = partial(selectors.account_label, self.for_user)
        field.error_messages["invalid_choice"] = _(
            "Choose an account holding a role in your jurisdiction, or one holding none yet."
        )

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if (
            role
            and self.for_user
            and not services.can_grant(self.for_user, role, cleaned.get("area"))
        ):
            self.add_error("role", _("You cannot grant this role on this area."))
        return cleaned


class AccountColumn(ViewerColumn):
    """The assignment's account as the assignment form names it to this viewer (a volunteer's
    account, opened under the volunteer's phone, masked: `account_label`)."""

    short_description = _("user")
    __name__ = "account"

    def __call__(self, assignment: Assignment) -> str:
        return selectors.account_label(self.viewer, assignment.user)


class AssignmentAdmin(TransferAdminMixin, ScopedModelAdmin):
    resource_class = registers.AssignmentResource
    model = Assignment
    area_path = "area"
    menu_label = _("Role assignments")
    menu_icon = "user"
    base_form_class = AssignmentForm
    list_filter = ("role", *area_filters("area"))
    list_select_related = ("user__volunteer__community", "role", "area", "department")
    search_fields = ("user__username", "user__first_name", "user__last_name", "area__name")
    panels = [
        FieldRowPanel([FieldPanel("user"), FieldPanel("role")]),
        FieldRowPanel([FieldPanel("area"), FieldPanel("department")]),
        FieldPanel("work_phone"),
    ]

    def get_list_display(self, request):
        return (AccountColumn(request.user), "role", "area", "department", "work_phone")

    def get_queryset(self, request):
        # account_label reads each account's other assignments: in one query for the page.
        return super().get_queryset(request).prefetch_related("user__assignments__area")

    def get_search_fields(self, request):
        """A volunteer's username is their phone: searching by it would tell whose it is."""
        fields = super().get_search_fields(request)
        if selectors.finds_volunteers_by_phone(request.user):
            return fields
        return tuple(f for f in fields if f != "user__username")


class LockoutPermissionHelper(PermissionHelper):
    """A lockout is made by failed logins (django-axes) and is only ever lifted, by deleting it."""

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False


class LoginLockoutAdmin(ModelAdmin):
    """Failed logins per username and client address; deleting a row unlocks that pair."""

    model = AccessAttempt
    menu_label = _("Login lockouts")
    menu_icon = "lock"
    list_display = ("username", "ip_address", "failures_since_start", "attempt_time")
    search_fields = ("username", "ip_address")
    ordering = ("-attempt_time",)
    permission_helper_class = LockoutPermissionHelper
    # Lockouts are written by failed logins, not edited: no history to show, to anyone.
    history_view_enabled = False


class OrganisationGroup(ModelAdminGroup):
    menu_label = _("Organisation")
    menu_icon = "group"
    menu_order = 210
    items = (DepartmentAdmin, RoleAdmin, AssignmentAdmin, LoginLockoutAdmin)


modeladmin_register(RegistryGroup)
modeladmin_register(OrganisationGroup)


@hooks.register("register_admin_urls")
def register_import_urls():
    return import_views.urlpatterns


@hooks.register("insert_global_admin_css")
def registry_admin_css():
    return format_html_join(
        "",
        '<link rel="stylesheet" href="{}">',
        [(static("grid/admin.css"),), (static("grid/tags.css"),)],
    )


@hooks.register("register_log_actions")
def register_personal_data_actions(actions):
    for action, (label, message) in audit.ACTIONS.items():
        actions.register_action(action, label, message)
    for model in PersonalDataLogEntry.records:
        actions.register_model(model, PersonalDataLogEntry)
