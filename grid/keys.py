"""Keys made from names, so that nobody types an identifier: a form's, a process's or a stage's
key is the pinyin of its Chinese name (社区报修 → she-qu-bao-xiu), with a counter when taken.
Admin forms leave the key empty to have it made (`KeyFromName`)."""

from collections.abc import Callable

from anyascii import anyascii
from django import forms
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.admin.panels import MultiFieldPanel


def transliterated(name: str) -> str:
    """Latin letters for a name, a syllable per Chinese character: `slugify` alone would drop
    every character of a Chinese name."""
    return slugify("".join(f" {anyascii(char)} " if ord(char) > 127 else char for char in name))


def generated_key(
    name: str, *, taken: Callable[[str], bool], max_length: int, fallback: str
) -> str:
    """A free key for `name`: its transliteration, then -2, -3… until `taken` says no. A name
    without a letter or digit to keep gets `fallback`."""
    base = transliterated(name)[:max_length].strip("-") or fallback
    key, counter = base, 1
    while taken(key):
        counter += 1
        suffix = f"-{counter}"
        key = base[: max_length - len(suffix)].rstrip("-") + suffix
    return key


class KeyFromName(forms.ModelForm):
    """An admin form whose key may be left empty: it is then made from the name, so that
    nobody has to invent an identifier. `key_names` pairs the key field with the field it is
    made from; `key_taken` says whether a key is used by another object."""

    key_names: tuple[str, str] = ("key", "name")
    key_fallback = "item"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        key = self.fields.get(self.key_names[0])
        if key is not None:
            key.required = False
            made = _("Left empty, it is made from the name.")
            key.help_text = f"{key.help_text} {made}"

    def key_taken(self, key: str) -> bool:
        others = type(self.instance)._default_manager.exclude(pk=self.instance.pk)
        return others.filter(**{self.key_names[0]: key}).exists()

    def clean(self):
        cleaned = super().clean()
        key_name, name_name = self.key_names
        if key_name in self.fields and not cleaned.get(key_name) and cleaned.get(name_name):
            field = self.instance._meta.get_field(key_name)
            cleaned[key_name] = generated_key(
                cleaned[name_name],
                taken=self.key_taken,
                max_length=field.max_length,
                fallback=self.key_fallback,
            )
        return cleaned


class AdvancedPanel(MultiFieldPanel):
    """Settings folded away under `summary` (a key, most often) at any depth: Wagtail folds
    only top-level panels, not those inside a stage or a field. Open when one has an error."""

    def __init__(self, *args, summary: str | Promise = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.summary = summary

    def clone_kwargs(self):
        return {**super().clone_kwargs(), "summary": self.summary}

    class BoundPanel(MultiFieldPanel.BoundPanel):
        template_name = "grid/admin/advanced_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            names = self.panel.get_form_options().get("fields", [])
            context["open"] = any(
                self.form[name].errors for name in names if name in self.form.fields
            )
            return context
