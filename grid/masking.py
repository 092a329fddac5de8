"""Masks for personal data shown in lists: enough to recognise a record, not to copy it."""


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if value.startswith("1") and "-" not in value:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    # A landline keeps its area code, which names a city rather than a person.
    area, _sep, local = value.partition("-")
    if not local:
        return "*" * (len(value) - 4) + value[-4:]
    return f"{area}-" + "*" * max(len(local) - 4, 0) + local[-4:]


def mask_name(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_email(value: str | None) -> str:
    """The first letter of the mailbox and the whole domain: the owner recognises their address,
    nobody else learns it."""
    if not value:
        return ""
    local, _at, domain = value.rpartition("@")
    if not local:
        return "*" * len(value)
    return f"{local[0]}***@{domain}"


def mask_code(value: str | None) -> str:
    """A tracking or reference code (7K3M-9QXP-2D4F) is the applicant's key to what they sent:
    staff see its first group, enough to tell two apart when the applicant reads theirs out,
    never enough to open it."""
    if not value:
        return ""
    first, sep, rest = value.partition("-")
    return first + sep + "".join("-" if char == "-" else "*" for char in rest)
