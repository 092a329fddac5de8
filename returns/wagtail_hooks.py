"""Returns in the admin: a department's people (a street office's: the street's officials)
define them (form, period, areas, the access list entries that admit them, the fields the
registers fill in); the menu leads filers and readers to their list."""

from django import forms
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet

from forms.selectors import is_personal
from grid import selectors as grid_selectors
from grid.models import Area
from pages.models import AccessListEntry

from . import figures, selectors, services
from .models import Return


class ReturnForm(WagtailAdminModelForm):
    """Offers the editor's departments (a street official's: their street's office) and their
    access list entries, and refuses a street office's return reaching beyond its street, a
    return the access list does not admit, fields that are not the form's numbers, and forms
    that ask for files or personal data."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        self.fields["areas"].queryset = Area.objects.filter(
            level__in=[Area.Level.STREET, Area.Level.COMMUNITY]
        ).order_by("code")
        self.fields["areas"].widget = forms.CheckboxSelectMultiple()
        self.fields["areas"].widget.choices = self.fields["areas"].choices
        entries = AccessListEntry.objects.select_related("community", "department")
        if user is not None and not user.is_superuser:
            departments = selectors.departments_of(user)
            self.fields["department"].queryset = departments
            entries = entries.filter(department__in=departments)
        self.fields["access_entries"].queryset = entries.order_by("community__code", "starts_on")
        self.fields["access_entries"].label_from_instance = lambda entry: (
            f"{entry.community.name} · {entry.department.name} · {entry.content} "
            f"({entry.starts_on:%Y-%m-%d} – {entry.ends_on:%Y-%m-%d})"
        )
        self.fields["access_entries"].widget = forms.CheckboxSelectMultiple()
        self.fields["access_entries"].widget.choices = self.fields["access_entries"].choices

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The return must end on or after its first day."))
            return data
        definition = data.get("form")
        if definition is not None:
            fields = list(definition.fields.all())
            if any(f.field_type == "file" for f in fields):
                self.add_error("form", _("A return's form cannot ask for files."))
            personal = [f.label for f in fields if is_personal(f.field_type, f.is_personal)]
            if personal:
                self.add_error(
                    "form",
                    _(
                        "A return's answers are read by the street and the district: its form "
                        "cannot ask for personal data (%(fields)s)."
                    )
                    % {"fields": "、".join(personal)},
                )
            self.check_bindings(definition)
        department, areas = data.get("department"), data.get("areas")
        if department and areas:
            for refusal in department.outside_street(areas):
                self.add_error("areas", refusal)
        if department and areas and starts_on and ends_on and "level" in data:
            for problem in selectors.access_problems(
                department,
                data["level"],
                list(areas),
                list(data.get("access_entries") or []),
                starts_on,
                ends_on,
            ):
                self.add_error("access_entries", problem)
        return data

    def check_bindings(self, definition) -> None:
        bindings = self.formsets.get("bindings")
        if bindings is None or not bindings.is_valid():
            return
        for form in bindings.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            target = selectors.field_named(definition, data.get("field", ""))
            if target is None or target.field_type != selectors.NUMBER:
                form.add_error(
                    "field",
                    _("“%(field)s” is not a number field of %(form)s.")
                    % {"field": data.get("field", ""), "form": definition.title},
                )
                continue
            form.instance.field = target.clean_name
            figure = figures.FIGURES.get(data.get("figure", ""))
            if figure and figure.needs_tag and not data.get("tag"):
                form.add_error("tag", _("Choose the tag this figure counts."))


def managed(request):
    return selectors.managed_returns(request.user)


class Managed:
    """A return of another department is a 404 whatever the URL."""

    def get_object(self, queryset=None):
        return get_object_or_404(managed(self.request), pk=self.kwargs[self.pk_url_kwarg])


class ReturnIndexView(generic.IndexView):
    def get_base_queryset(self):
        return managed(self.request).prefetch_related("bindings", "form__fields")


class ReturnEditView(Managed, generic.EditView):
    pass


class ReturnDeleteView(Managed, generic.DeleteView):
    pass


class ReturnHistoryView(Managed, history.HistoryView):
    pass


class ReturnUsageView(Managed, usage.UsageView):
    pass


def prefilled_share(return_form: Return) -> str:
    fields = sum(1 for f in return_form.form.fields.all() if f.field_type != "section")
    return _("%(bound)d of %(fields)d") % {
        "bound": len({b.field for b in return_form.bindings.all()}),
        "fields": fields,
    }


class ReturnViewSet(ModelViewSet):
    model = Return
    icon = "table"
    menu_label = gettext_lazy("Returns")
    menu_name = "returns"
    menu_order = 230
    add_to_admin_menu = True
    copy_view_enabled = False
    list_display = [
        "title",
        "department",
        "period",
        "starts_on",
        "ends_on",
        Column("prefilled", label=gettext_lazy("Pre-filled fields"), accessor=prefilled_share),
    ]
    list_filter = ["department", "period"]
    search_fields = ["title"]
    index_view_class = ReturnIndexView
    edit_view_class = ReturnEditView
    delete_view_class = ReturnDeleteView
    history_view_class = ReturnHistoryView
    usage_view_class = ReturnUsageView
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldRowPanel([FieldPanel("department"), FieldPanel("form")]),
            FieldRowPanel([FieldPanel("period"), FieldPanel("level")]),
            FieldPanel("areas"),
            FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
            FieldRowPanel([FieldPanel("due_days"), FieldPanel("remind_days")]),
            FieldPanel("access_entries"),
            InlinePanel(
                "bindings",
                heading=gettext_lazy("Filled in from the registers"),
                label=gettext_lazy("Pre-filled field"),
                panels=[
                    FieldRowPanel([FieldPanel("field"), FieldPanel("figure"), FieldPanel("tag")])
                ],
            ),
        ],
        base_form_class=ReturnForm,
    )


@hooks.register("register_admin_viewset")
def register_returns():
    return ReturnViewSet("return_definitions")


class FilingMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        user = request.user
        return (
            grid_selectors.permitted_somewhere(user, selectors.FILE)
            or grid_selectors.permitted_somewhere(user, selectors.READ)
            or selectors.departments_of(user).filter(returns__isnull=False).exists()
        )


@hooks.register("register_admin_menu_item")
def my_returns_menu_item():
    return FilingMenuItem(
        gettext_lazy("My returns"), reverse("returns:mine"), icon_name="doc-full", order=226
    )


@hooks.register("register_log_actions")
def register_filing_actions(actions):
    for action, label, message in [
        (services.FILE_ACTION, gettext_lazy("File a return"), gettext_lazy("Return filed")),
        (
            services.SEND_BACK_ACTION,
            gettext_lazy("Send a filing back"),
            gettext_lazy("Filing sent back for correction"),
        ),
        (services.AMEND_ACTION, gettext_lazy("Amend a filing"), gettext_lazy("Filing amended")),
        (services.REFILE_ACTION, gettext_lazy("Refile a filing"), gettext_lazy("Filing refiled")),
    ]:
        actions.register_action(action, label, message)
