"""Model fields that store identifiers in one canonical form and validate them on the way in."""

from collections.abc import Callable

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import validators


class NormalizedCharField(models.CharField):
    max_length_default: int
    normalize: Callable[[str], str]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", self.max_length_default)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return type(self).normalize(value) if value else value


class IDNumberField(NormalizedCharField):
    description = _("Chinese resident ID number")
    max_length_default = 18
    default_validators = [validators.validate_id_number]
    normalize = validators.normalize_id_number


class PhoneField(NormalizedCharField):
    description = _("Mainland phone number")
    max_length_default = 20
    default_validators = [validators.validate_phone]
    normalize = validators.normalize_phone


class CreditCodeField(NormalizedCharField):
    description = _("Unified social credit code")
    max_length_default = 18
    default_validators = [validators.validate_credit_code]
    normalize = validators.normalize_credit_code
