"""Process definitions as files in the admin: an admin downloads a definition (with its forms)
and uploads one, as `export_process` and `import_process` do on the command line, so that a
process moves between installations without a shell. The same file rules apply: everything
is checked before anything is written, and each problem is named with its line."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .definition_files import DefinitionFileError, export_definition, import_text
from .models import ProcessDefinition

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
    form = UploadForm(request.POST or None, request.FILES or None)
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
