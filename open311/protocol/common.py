"""Limits, parameters and the error every Open311 rule raises."""

import re

MAX_RESULTS = 1000
MAX_IDS = 100
MAX_DAYS = 90
# Public numbers are process keys: bigint on PostgreSQL.
MAX_NUMBER_DIGITS = 18
# Dates a filter may name: wide enough for any real request, narrow enough that a period
# around them never leaves the range Python and the databases can hold.
YEARS = range(1900, 3000)
OPEN, CLOSED = "open", "closed"

# The parameters of POST requests.json a field can take by its key.
PARAMETERS = frozenset(
    {
        "description",
        "email",
        "first_name",
        "last_name",
        "phone",
        "media_url",
        "address_string",
        "address_id",
        "lat",
        "long",
        "device_id",
        "account_id",
    }
)
BY_TYPE = {"description": "multiline", "email": "email", "phone": "phone", "media_url": "url"}
NAME = "first_name/last_name"
DATATYPES = {
    "multiline": "text",
    "number": "number",
    "date": "datetime",
    "datetime": "datetime",
    "dropdown": "singlevaluelist",
    "radio": "singlevaluelist",
    "checkbox": "singlevaluelist",
    "checkboxes": "multivaluelist",
    "multiselect": "multivaluelist",
}
ATTRIBUTE = re.compile(r"attribute\[([^\[\]]+)\](?:\[\])?")
TRUE, FALSE = "true", "false"


class Open311Error(Exception):
    """An answer in the spec's error format: an HTTP status and one description per problem."""

    def __init__(self, status: int, *messages: str):
        super().__init__(*messages)
        self.status = status
        self.messages = list(messages)
