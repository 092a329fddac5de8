"""Process definitions as files in the admin: an admin downloads a definition (with its forms)
and uploads one, as `export_process` and `import_process` do on the command line, so that a
process moves between installations without a shell. The same file rules apply: everything
is checked before anything is written, and each problem is named with its line. A new process
may also start as a copy of a shipped template (workflows.process_templates)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages as admin_messages
from wagtail.models import Page

from grid.models import Role

from . import dry_run as trial
from . import process_templates, selectors, services
from .definition_files import DefinitionFileError, export_definition, import_text
from .models import ProcessDefinition, ProcessPage

# Far beyond any definition (the shipped ones are 5-20 kB); a larger upload is not one.
MAX_BYTES = 1_000_000


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Definition file"),
        help_text=gettext_lazy("A .yaml file downloaded from a People's Grid installation."),
    )
    publish = forms.BooleanField(
        label=gettext_lazy("Publish at once"),
        required=False,
        help_text=gettext_lazy(
            "Otherwise the process and its forms are saved as drafts, to be checked and "
            "published in the editor."
        ),
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("This file is too large to be a process definition."))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(
                _("This file is not UTF-8 text (byte %(position)d).")
                % {"position": error.start + 1}
            ) from error


def download(request: HttpRequest, pk: str, *, permission_policy) -> HttpResponse:
    definition = get_object_or_404(ProcessDefinition, pk=pk)
    if not permission_policy.user_has_any_permission_for_instance(
        request.user, ["view", "change"], definition
    ):
        raise PermissionDenied
    response = HttpResponse(
        export_definition(definition), content_type="application/yaml; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{definition.key}.yaml"'
    return response


def upload(request: HttpRequest, *, permission_policy, edit_url_name: str) -> HttpResponse:
    if not permission_policy.user_has_permission(request.user, "add"):
        raise PermissionDenied
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        publish = form.cleaned_data["publish"]
        try:
            definition, changed = import_text(
                form.cleaned_data["file"], user=request.user, publish=publish
            )
        except DefinitionFileError as error:
            problems = [str(problem) for problem in error.problems]
        except PermissionDenied:
            problems = [
                _("You may not publish process definitions or forms: upload it as a draft.")
            ]
        else:
            if not changed:
                message = _("%(name)s is already as the file has it: nothing changed.")
            elif publish:
                message = _("%(name)s was imported and published.")
            else:
                message = _("%(name)s was imported as a draft: check it and publish it.")
            messages.success(request, message % {"name": definition.name})
            return redirect(edit_url_name, definition.pk)
    return TemplateResponse(
        request,
        "workflows/admin/definition_upload.html",
        {"form": form, "problems": problems},
        status=400 if problems else 200,
    )


class CopyForm(forms.Form):
    """The one step of copying a template: a name, and the roles to put in the template's."""

    name = forms.CharField(
        label=gettext_lazy("Name of the new process"),
        max_length=100,
        help_text=gettext_lazy(
            "As residents and staff will see it, e.g. 老旧小区加装电梯申请. Its forms are named "
            "after it."
        ),
    )

    def __init__(self, found: process_templates.ProcessTemplate, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.template = found
        roles = Role.objects.filter(scope=Role.Scope.AREA).order_by("level", "sort_order", "key")
        by_key = {role.key: role for role in roles}
        for index, slot in enumerate(found.roles):
            self.fields[f"role_{index}"] = forms.ModelChoiceField(
                queryset=roles,
                initial=by_key.get(slot.key),
                label=capfirst(_("the role that %(uses)s") % {"uses": _("; ").join(slot.uses)}),
            )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if ProcessDefinition.objects.filter(name=name).exists():
            raise forms.ValidationError(
                _("A process named “%(name)s” exists already: choose another name.")
                % {"name": name}
            )
        return name

    def roles(self) -> dict[str, Role]:
        return {
            slot.key: self.cleaned_data[f"role_{index}"]
            for index, slot in enumerate(self.template.roles)
        }


def templates(request: HttpRequest, *, permission_policy, copy_url_name: str) -> HttpResponse:
    if not permission_policy.user_has_permission(request.user, "add"):
        raise PermissionDenied
    return TemplateResponse(
        request,
        "workflows/admin/definition_templates.html",
        {"templates": process_templates.templates(), "copy_url_name": copy_url_name},
    )


def copy_template(
    request: HttpRequest, slug: str, *, permission_policy, edit_url_name: str
) -> HttpResponse:
    if not permission_policy.user_has_permission(request.user, "add"):
        raise PermissionDenied
    found = process_templates.template(slug)
    if found is None:
        raise Http404
    form = CopyForm(found, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            definition = process_templates.copy_template(
                found, name=form.cleaned_data["name"], roles=form.roles(), user=request.user
            )
        except DefinitionFileError as error:
            for problem in error.problems:
                form.add_error(None, problem.message)
        else:
            messages.success(
                request,
                _("%(name)s was copied from the template as a draft: edit it and publish it.")
                % {"name": definition.name},
            )
            return redirect(edit_url_name, definition.pk)
    return TemplateResponse(
        request,
        "workflows/admin/definition_copy.html",
        {"form": form, "template": found},
        status=400 if form.is_bound and form.errors else 200,
    )


class PlaceForm(forms.Form):
    """The pages to place a process page under, each named with the pages above it."""

    pages = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Place it on"),
        queryset=Page.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one page.")},
    )

    def __init__(self, parents: list[Page], *args, **kwargs):
        super().__init__(*args, **kwargs)
        titles = {page.path: page.title for page in parents}
        field = self.fields["pages"]
        field.queryset = Page.objects.filter(pk__in=[page.pk for page in parents])
        field.label_from_instance = lambda page: " / ".join(
            titles[page.path[:end]]
            for end in range(Page.steplen, len(page.path) + 1, Page.steplen)
            if page.path[:end] in titles
        )


def place(request: HttpRequest, pk: str, *, permission_policy, inspect_url_name: str):
    definition = get_object_or_404(ProcessDefinition, pk=pk)
    if not permission_policy.user_has_permission_for_instance(request.user, "publish", definition):
        raise PermissionDenied
    pages_of = list(ProcessPage.objects.filter(process=definition).order_by("path"))
    taken = {page.path[: -Page.steplen] for page in pages_of}
    titles = dict(Page.objects.filter(path__in=taken).values_list("path", "title"))
    placed = [(page, titles.get(page.path[: -Page.steplen], "")) for page in pages_of]
    parents = [p for p in services.placeable_parents(request.user) if p.path not in taken]
    problems = (
        services.publish_problems(definition) if services.needs_publishing(definition) else []
    )
    form = PlaceForm(parents, request.POST if request.method == "POST" else None)
    if request.method == "POST" and not problems and form.is_valid():
        chosen = [page.specific for page in form.cleaned_data["pages"].order_by("path")]
        pages = services.publish_and_place(definition, chosen, request.user)
        admin_messages.success(
            request,
            _("%(name)s is published and placed on %(pages)s.")
            % {
                "name": definition.name,
                "pages": _(", ").join(form.fields["pages"].label_from_instance(p) for p in chosen),
            },
            buttons=[
                admin_messages.button(
                    page.get_url(request),
                    _("View “%(page)s”") % {"page": parent.title},
                    new_window=True,
                )
                for page, parent in zip(pages, chosen, strict=True)
            ],
        )
        return redirect(inspect_url_name, definition.pk)
    return TemplateResponse(
        request,
        "workflows/admin/definition_place.html",
        {
            "definition": definition,
            "form": form,
            "problems": problems,
            "publishes": services.needs_publishing(definition),
            "placed": placed,
        },
        status=400 if form.is_bound and (problems or form.errors) else 200,
    )


def diagram_preview(
    request: HttpRequest, pk: str | None = None, *, permission_policy, form_class
) -> HttpResponse:
    """The stage diagram of a definition as it stands in the editor, unsaved: the editor's
    script posts the form to it whenever the form changes. Nothing is written."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    instance = get_object_or_404(ProcessDefinition, pk=pk) if pk else ProcessDefinition()
    action = "change" if pk else "add"
    if not permission_policy.user_has_permission(request.user, action):
        raise PermissionDenied
    form = form_class()(request.POST, instance=instance, for_user=request.user)
    context: dict = {"complete": False}
    # The fields and stages as typed; the definition's own checks are listed, not required.
    if form.fields_valid():
        definition = form.save(commit=False)
        snapshot = selectors.build_snapshot(definition, [], None, list(definition.stages.all()))
        context = {
            "complete": True,
            "stages": selectors.diagram(snapshot),
            "effects": selectors.effect_texts(snapshot),
            "problems": services.definition_problems(definition),
        }
    return TemplateResponse(request, "workflows/admin/diagram_preview.html", context)


def dry_run(request: HttpRequest, pk: str, *, permission_policy) -> HttpResponse:
    """Run the process as it stands in the editor, touching no real data (workflows.dry_run):
    the intake form, then each decision in turn; a new start begins again."""
    definition = get_object_or_404(ProcessDefinition, pk=pk)
    if not permission_policy.user_has_permission_for_instance(request.user, "change", definition):
        raise PermissionDenied
    result = None
    decisions: list[str] = []
    if request.method == "POST":
        if "decide" in request.POST:
            decisions = [*request.POST.getlist("decisions"), request.POST["decide"]]
        result, form = trial.run(definition, request.POST, decisions, request.user)
    else:
        form = trial.intake_form(definition, None)
    return TemplateResponse(
        request,
        "workflows/admin/dry_run.html",
        {"definition": definition, "form": form, "run": result, "decisions": decisions},
    )
