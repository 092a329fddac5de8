"""Completion effects of the community services, offered to process definitions through the
engine's registry: publishing on a community's work access list, and activating a volunteer."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grid.masking import mask_email
from grid.models import Area, Assignment, Role, Volunteer
from grid.validators import code_at_level
from workflows import selectors as workflow_selectors
from workflows import services as workflow_services
from workflows.effects import EffectKind, as_date, as_text, register
from workflows.models import Effect, ProcessInstance

from . import accounts, services


def communities_named(process: ProcessInstance, value: object) -> list[Area]:
    """Communities within the process's area named by an answer (names or codes); all of them
    when the answer is empty."""
    within = Area.objects.within(process.area).filter(level=Area.Level.COMMUNITY)
    names = value if isinstance(value, list) else [value] if value else []
    names = [n.get("code") if isinstance(n, dict) else str(n).strip() for n in names]
    if not names:
        return list(within)
    return list(within.filter(code__in=names) | within.filter(name__in=names))


def publish_access_entry(effect: Effect, process: ProcessInstance, values: dict) -> tuple[str, str]:
    department = workflow_selectors.department_named(values["department"])
    if department is None:
        raise ValueError(_("no known department in the answers"))
    communities = communities_named(process, values.get("communities"))
    for community in communities:
        services.publish_access_entry(
            community=community,
            department=department,
            content=str(values["content"])[:300],
            starts_on=as_date(values["starts_on"]),
            ends_on=as_date(values["ends_on"]),
            reference=f"{process.reference}/{community.code}",
        )
    return _("Published on the access list of %(n)d communities.") % {"n": len(communities)}, ""


def activate_volunteer(effect: Effect, process: ProcessInstance, values: dict) -> tuple[str, str]:
    """A volunteer profile in the community (and grid) and the volunteer role. Filed while
    signed in, it goes to that account and no other. Filed anonymously, it gets a new account of
    its own (never one found by the phone given: anyone can type a phone), which only the person
    who controls the e-mail address given can open, through a one-time link sent there."""
    community_code = code_at_level(process.area.code, Area.Level.COMMUNITY)
    community = Area.objects.get(code=community_code)
    grid_value = values.get("grid")
    grid = None
    if isinstance(grid_value, dict):
        grid = Area.objects.filter(code=grid_value.get("code"), parent=community).first()
    name, phone, email = str(values["name"]), str(values["phone"]), str(values.get("email") or "")
    user = process.applicant
    if user is None:
        if not email:
            raise ValueError(_("no e-mail address to send the sign-in link to"))
        user = accounts.open_account(username=phone, name=name, email=email)
    volunteer = Volunteer.objects.filter(user=user).first() or Volunteer(user=user)
    profile = {
        "community": community,
        "grid": grid,
        "name": name,
        "phone": phone,
        "id_number": values.get("id_number") or None,
        "skills": as_text(values.get("skills")),
        "availability": as_text(values.get("availability")),
        "active": True,
    }
    for field, value in profile.items():
        setattr(volunteer, field, value)
    # Before saving: an ID number already registered is refused with a message staff can read.
    volunteer.full_clean()
    volunteer.save()
    role = Role.objects.get(key=services.VOLUNTEER_ROLE)
    Assignment.objects.get_or_create(user=user, role=role, area=community)
    if process.applicant_id:
        text = _("Your volunteer profile is on your account: sign in as usual.")
    else:
        accounts.send_set_password_link(user, process.submission, community.name)
        text = _(
            "Your volunteer account is ready. A link to set its password was sent to %(address)s."
        ) % {"address": mask_email(email)}
    workflow_services.notify_applicant(process, text)
    note = _("Volunteer %(name)s activated in %(community)s.") % {
        "name": volunteer.name,
        "community": community.name,
    }
    return note, text


def register_effects() -> None:
    register(
        "publish_access_entry",
        EffectKind(
            gettext_lazy("Publish on the community work access list"),
            ("department", "content", "starts_on", "ends_on"),
            ("communities",),
            publish_access_entry,
            input_labels={
                "department": gettext_lazy("requesting department"),
                "content": gettext_lazy("work content"),
                "starts_on": gettext_lazy("start date"),
                "ends_on": gettext_lazy("end date"),
                "communities": gettext_lazy("target communities"),
            },
        ),
    )
    register(
        "activate_volunteer",
        EffectKind(
            gettext_lazy("Activate a volunteer"),
            ("name", "phone"),
            ("id_number", "email", "grid", "skills", "availability"),
            activate_volunteer,
            input_labels={
                "name": gettext_lazy("volunteer's name"),
                "phone": gettext_lazy("volunteer's phone"),
                "id_number": gettext_lazy("volunteer's ID number"),
                "email": gettext_lazy("volunteer's e-mail"),
                "grid": gettext_lazy("volunteer's grid"),
                "skills": gettext_lazy("volunteer's skills"),
                "availability": gettext_lazy("available times"),
            },
        ),
    )
