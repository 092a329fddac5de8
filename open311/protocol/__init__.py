"""Open311 GeoReport v2 on the process engine (http://wiki.open311.org/GeoReport_v2/).

A *service* is a published process definition open to the public (`public_service`) that anyone
may start; its code is the definition's key and its attributes come from the intake form of the
published version. A *request* is an intake submission, validated and stored by forms.services
as a form page's would be, that starts the process; its status is read from the process.
The views (open311/views.py) only parse and render: every rule is here.

How a request fills the intake form (docs/sites.md has the same table):
- a field whose key (its clean name) is an Open311 parameter takes that parameter, e.g. hidden
  fields keyed `lat`, `long` or `address_string` keep what the report app sent;
- otherwise, by type, the first free field: description → paragraph, email → email,
  phone → phone, media_url → URL, first_name and last_name → the first single-line field
  marked as personal data;
- the location fills every community-or-grid field with the area of that field's level that
  contains it, and the text field a definition takes its area from, if any;
- every other field is an attribute whose code is its key (section headings are informational
  attributes; file uploads cannot be sent through Open311 and are left out).

Identifiers: a request's tracking code is the key to it (with it the applicant follows and
revises it on /track/), so the API gives it only to whoever already has it — the app that filed
the request, and callers asking by code. Listings name requests by their public number (the
process number), which `requests/<number>.json` accepts too; by number, the public sees what
anyone may: service, status, stage, area, dates. Messages to the applicant, the description
and the media link are shown only to callers asking by code. Nobody's name, no internal note
and no contact detail ever leaves through this API."""

from .catalogue import (
    Attribute,
    FormMapping,
    Service,
    attribute_description,
    datatype_description,
    form_mapping,
    open_definitions,
    refuse_nul,
    service_definition,
    service_for,
    service_list,
    service_of,
    unknown_service,
)
from .common import (
    ATTRIBUTE,
    BY_TYPE,
    CLOSED,
    DATATYPES,
    FALSE,
    MAX_DAYS,
    MAX_IDS,
    MAX_NUMBER_DIGITS,
    MAX_RESULTS,
    NAME,
    OPEN,
    PARAMETERS,
    TRUE,
    YEARS,
    Open311Error,
)
from .filing import (
    area_label,
    chooser_root,
    create_request,
    form_data,
    form_problems,
    full_name,
    locate,
    service_notice,
)
from .status import (
    agency,
    find_requests,
    moment,
    public_requests,
    record,
    records,
    request_detail,
    requests_by_id,
    split_ids,
    state_text,
    w3c,
)

__all__ = [
    "ATTRIBUTE",
    "BY_TYPE",
    "CLOSED",
    "DATATYPES",
    "FALSE",
    "MAX_DAYS",
    "MAX_IDS",
    "MAX_NUMBER_DIGITS",
    "MAX_RESULTS",
    "NAME",
    "OPEN",
    "PARAMETERS",
    "TRUE",
    "YEARS",
    "Attribute",
    "FormMapping",
    "Open311Error",
    "Service",
    "agency",
    "area_label",
    "attribute_description",
    "chooser_root",
    "create_request",
    "datatype_description",
    "find_requests",
    "form_data",
    "form_mapping",
    "form_problems",
    "full_name",
    "locate",
    "moment",
    "open_definitions",
    "public_requests",
    "record",
    "records",
    "refuse_nul",
    "request_detail",
    "requests_by_id",
    "service_definition",
    "service_for",
    "service_list",
    "service_notice",
    "service_of",
    "split_ids",
    "state_text",
    "unknown_service",
    "w3c",
]
