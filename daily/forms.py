"""The round's form on the worker's phone: for each checklist item fine or a problem, a note
and photos; general notes."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Inspection, Visit
from .services import MAX_PHOTOS, Answer

OK, PROBLEM = "ok", "problem"
# A photo from a phone camera; larger files are refused by name.
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Photos are made at most this many pixels wide and high on the phone before they are sent.
PHOTO_PIXELS = 1600


class PhotosInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.ImageField):
    """Several photos at once, each checked as an image (how many an item may carry, the form
    checks with those it has)."""

    # Shown through its label, styled as a button: the browser's own "choose files" text is in
    # the browser's language, not the page's.
    widget = PhotosInput(
        attrs={"accept": "image/*", "class": "upload-input", "data-resize": PHOTO_PIXELS}
    )

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        cleaned = []
        for file in files:
            if file.size > MAX_PHOTO_BYTES:
                raise forms.ValidationError(
                    _("%(name)s is larger than 10 MB.") % {"name": file.name}
                )
            cleaned.append(super().clean(file, initial))
        return cleaned


class InspectionForm(forms.Form):
    notes = forms.CharField(
        label=_("General notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Chosen anew for each save (by the phone, see daily/offline.js): a save sent again is
    # applied once.
    client_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, inspection: Inspection, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.inspection = inspection
        self.findings = list(inspection.findings.prefetch_related("photos"))
        self.fields["notes"].initial = inspection.notes
        self.fields["client_key"].initial = uuid.uuid4()
        for finding in self.findings:
            self.fields[f"result_{finding.pk}"] = forms.ChoiceField(
                label=finding.item,
                help_text=finding.guidance,
                choices=[
                    (OK, pgettext_lazy("inspection result", "Fine")),
                    (PROBLEM, pgettext_lazy("inspection result", "Problem")),
                ],
                widget=forms.RadioSelect,
                initial=PROBLEM if finding.problem else OK,
            )
            self.fields[f"note_{finding.pk}"] = forms.CharField(
                label=_("What is wrong"),
                required=False,
                initial=finding.note,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"photos_{finding.pk}"] = PhotosField(label=_("Add photos"), required=False)

    def rows(self):
        """Each finding with its three fields, in checklist order."""
        for finding in self.findings:
            yield (
                finding,
                self[f"result_{finding.pk}"],
                self[f"note_{finding.pk}"],
                self[f"photos_{finding.pk}"],
            )

    def clean(self):
        cleaned = super().clean()
        for finding in self.findings:
            room = MAX_PHOTOS - len(finding.photos.all())
            if len(cleaned.get(f"photos_{finding.pk}") or []) > room:
                self.add_error(
                    f"photos_{finding.pk}",
                    _("At most %(count)d photos for one item.") % {"count": MAX_PHOTOS},
                )
            if (
                cleaned.get(f"result_{finding.pk}") == PROBLEM
                and not (cleaned.get(f"note_{finding.pk}") or "").strip()
            ):
                self.add_error(f"note_{finding.pk}", _("Say what the problem is."))
        return cleaned

    def answers(self) -> dict[int, Answer]:
        data = self.cleaned_data
        return {
            finding.pk: Answer(
                problem=data[f"result_{finding.pk}"] == PROBLEM,
                note=data.get(f"note_{finding.pk}") or "",
                photos=data.get(f"photos_{finding.pk}") or [],
            )
            for finding in self.findings
        }


class VisitForm(forms.ModelForm):
    """A visit as the worker writes it on the doorstep."""

    # The server's messages, in the page's language, rather than the browser's bubbles.
    use_required_attribute = False
    # The visit's key, chosen when the form is shown: the same visit sent twice is stored once.
    client_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Visit
        fields = ["visited_on", "met", "category", "text", "mood", "follow_up"]
        widgets = {
            # A date input reads and writes ISO dates, whatever the language.
            "visited_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "text": forms.Textarea(attrs={"rows": 4}),
            "category": forms.RadioSelect,
            "mood": forms.RadioSelect,
        }

    def clean_visited_on(self):
        visited_on = self.cleaned_data["visited_on"]
        if visited_on > timezone.localdate():
            raise forms.ValidationError(_("A visit cannot be in the future."))
        return visited_on

    def clean(self):
        cleaned = super().clean()
        raised = cleaned.get("category") not in (None, Visit.Category.NOTHING)
        if (raised or cleaned.get("follow_up")) and not cleaned.get("text", "").strip():
            self.add_error("text", _("Write down what they raised."))
        return cleaned
