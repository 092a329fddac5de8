"""Services: the public process definitions and their attributes, from the intake form."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from forms import services as form_services
from forms.builder import MULTILINE_MAX_LENGTH, FieldSpec, Row, field_specs, plain_decimal
from forms.models import FormDefinitionField
from grid.models import Area
from workflows import selectors
from workflows.models import (
    ProcessDefinition,
    ProcessVersion,
)

from .common import BY_TYPE, DATATYPES, FALSE, NAME, PARAMETERS, TRUE, Open311Error


@dataclass(frozen=True)
class Attribute:
    code: str
    spec: FieldSpec
    field: FormDefinitionField

    @property
    def variable(self) -> bool:
        return not self.spec.is_section


@dataclass(frozen=True)
class FormMapping:
    """How a version's intake form takes a request (see the module's docstring)."""

    parameters: dict[str, FieldSpec]  # parameter (or NAME) → the field it fills
    located: dict[str, int]  # field name → the level of the area it takes
    attributes: list[Attribute]

    @property
    def inputs(self) -> dict[str, Attribute]:
        return {a.code: a for a in self.attributes if a.variable}

    def place_of(self, field_name: str, where: str) -> str:
        """How an error names a field: its attribute, its parameter or the location."""
        if field_name in self.located:
            return where
        for parameter, spec in self.parameters.items():
            if spec.name == field_name:
                return parameter
        return next(
            (f"attribute[{a.code}]" for a in self.attributes if a.spec.name == field_name), ""
        )


def form_mapping(snapshot: selectors.VersionSnapshot) -> FormMapping:
    fields = list(snapshot.intake_form.fields.all())
    pairs = list(zip(field_specs(fields), fields, strict=True))
    inputs = [(spec, field) for spec, field in pairs if not spec.is_section]
    parameters = {spec.name: spec for spec, _field in inputs if spec.name in PARAMETERS}

    def first_free(test: Callable[[FieldSpec, FormDefinitionField], bool]) -> FieldSpec | None:
        taken = {spec.name for spec in parameters.values()}
        return next((s for s, f in inputs if s.name not in taken and test(s, f)), None)

    def of_type(kind: str) -> Callable[[FieldSpec, FormDefinitionField], bool]:
        return lambda spec, field: spec.type == kind

    for parameter, kind in BY_TYPE.items():
        if parameter not in parameters and (spec := first_free(of_type(kind))):
            parameters[parameter] = spec
    if not {"first_name", "last_name"} & parameters.keys() and (
        spec := first_free(lambda s, f: s.type == "singleline" and f.is_personal)
    ):
        parameters[NAME] = spec
    located = {
        spec.name: field.area_level or Area.Level.COMMUNITY
        for spec, field in inputs
        if spec.type == "area"
    }
    definition = snapshot.definition
    if definition.area_source in (
        ProcessDefinition.AreaSource.FIELD,
        ProcessDefinition.AreaSource.PLACE,
    ):
        spec = first_free(lambda s, f: s.label == definition.area_field and s.type != "area")
        if spec is not None:
            located[spec.name] = definition.area_level
    filled = {spec.name for spec in parameters.values()} | located.keys()
    attributes = []
    sections = 0
    for spec, field in pairs:
        if spec.is_section:
            sections += 1
            attributes.append(Attribute(f"section-{sections}", spec, field))
        elif spec.name not in filled and spec.type != "file":
            attributes.append(Attribute(spec.name, spec, field))
    return FormMapping(parameters, located, attributes)


@dataclass(frozen=True)
class Service:
    definition: ProcessDefinition
    version: ProcessVersion
    snapshot: selectors.VersionSnapshot
    mapping: FormMapping


def refuse_nul(params: Mapping[str, str] | QueryDict) -> None:
    """No parameter may hold a NUL character: PostgreSQL cannot store or compare one, and no
    real address, code or description has it."""
    items = (
        params.lists() if isinstance(params, QueryDict) else ((k, [v]) for k, v in params.items())
    )
    for name, values in items:
        if "\x00" in name or any("\x00" in str(value) for value in values):
            raise Open311Error(
                400,
                _("%(name)s: holds a NUL character, which is not allowed.")
                % {"name": name.replace("\x00", "")},
            )


def open_definitions() -> QuerySet[ProcessDefinition]:
    """Published definitions open to the public that anyone may start."""
    return ProcessDefinition.objects.filter(
        live=True, public_service=True, starter=ProcessDefinition.Starter.ANYONE
    ).order_by("name", "pk")


def service_of(definition: ProcessDefinition) -> Service | None:
    version = selectors.latest_version(definition)
    if version is None:
        return None
    snapshot = selectors.snapshot(version)
    return Service(definition, version, snapshot, form_mapping(snapshot))


def service_for(code: str) -> Service:
    code = code.strip()
    if not code:
        raise Open311Error(400, _("service_code is required."))
    definition = open_definitions().filter(key=code).first()
    service = service_of(definition) if definition else None
    if service is None:
        raise unknown_service(code)
    return service


def unknown_service(code: str) -> Open311Error:
    return Open311Error(
        404, _("service_code “%(code)s” is not a service open to the public.") % {"code": code}
    )


def service_list() -> list[dict]:
    """GET services: every open service."""
    found = (service_of(definition) for definition in open_definitions())
    return [
        {
            "service_code": service.definition.key,
            "service_name": service.definition.name,
            "description": service.definition.description,
            "metadata": bool(service.mapping.attributes),
            "type": "realtime",
            "keywords": "",
            "group": "",
        }
        for service in found
        if service is not None
    ]


def service_definition(code: str) -> dict:
    """GET services/<code>: the attributes a request to this service may or must carry."""
    service = service_for(code)
    return {
        "service_code": service.definition.key,
        "attributes": [
            attribute_description(order, attribute)
            for order, attribute in enumerate(service.mapping.attributes, start=1)
        ],
    }


def attribute_description(order: int, attribute: Attribute) -> dict:
    spec, field = attribute.spec, attribute.field
    datatype = DATATYPES.get(spec.type, "string")
    described = {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": datatype if attribute.variable else "string",
        "required": attribute.variable and spec.required and spec.condition is None,
        "datatype_description": datatype_description(spec, field) if attribute.variable else "",
        "order": order,
        "description": f"{spec.label}: {spec.help_text}" if spec.help_text else spec.label,
    }
    if attribute.variable and datatype.endswith("valuelist"):
        if spec.type == "checkbox":
            described["values"] = [{"key": TRUE, "name": _("Yes")}, {"key": FALSE, "name": _("No")}]
        else:
            choices = form_services.field_choices(field)
            described["values"] = [{"key": choice, "name": choice} for choice in choices]
    return described


def datatype_description(spec: FieldSpec, field: FormDefinitionField) -> str:
    hints = {
        "date": _("A date: YYYY-MM-DD."),
        "datetime": _("A date and time: YYYY-MM-DDThh:mm."),
        "multiline": _("At most %(count)d characters.") % {"count": MULTILINE_MAX_LENGTH},
        "checkboxes": _("One or more of the keys, each as attribute[code][]."),
        "multiselect": _("One or more of the keys, each as attribute[code][]."),
        "id_number": _("An 18-character resident ID number."),
        "phone": _("A mainland mobile or landline number."),
        "email": _("An email address."),
        "url": _("A web address."),
    }
    parts = [hints.get(spec.type, field.pattern_message)]
    low, high = plain_decimal(field.min_value), plain_decimal(field.max_value)
    if spec.type == "number" and (low is not None or high is not None):
        parts.append(
            _("From %(min)s to %(max)s.")
            % {"min": "−∞" if low is None else low, "max": "∞" if high is None else high}
        )
    # Only the condition's wording is read: no bound field is needed.
    parts.append(Row(spec, None, None).condition_hint)  # type: ignore[arg-type]
    return " ".join(part for part in parts if part)
