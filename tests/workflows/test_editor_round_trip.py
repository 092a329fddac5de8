"""The process editor's choosers write what the definition file says: a shipped definition
opened in the editor and saved as it is shown (choosers, mapping rows and all) exports the
same file, and a mapping changed in its rows is the mapping the file then carries."""

import html
import json

import pytest

from demo.processes import PROCESS_FILES
from workflows.definition_files import export_definition
from workflows.models import ProcessDefinition

from .city import fixture_text, import_fixture
from .factories import posted, problems_by_place

pytestmark = pytest.mark.django_db

ADMIN = "/admin/snippets/workflows/processdefinition/"


@pytest.mark.parametrize("name", PROCESS_FILES)
def test_a_shipped_definition_saved_as_shown_is_the_same_file(city_designer, name):
    definition = import_fixture(name)
    page = city_designer.get(f"{ADMIN}edit/{definition.pk}/")
    answer = city_designer.post(
        f"{ADMIN}edit/{definition.pk}/", posted(page.context["form"]) | {"action-publish": "1"}
    )
    assert answer.status_code == 302, answer.context["form"].errors
    assert export_definition(ProcessDefinition.objects.get(pk=definition.pk)) == fixture_text(name)


def test_a_mapping_changed_in_its_rows_is_the_files(city_designer):
    definition = import_fixture("volunteer-registration")
    page = city_designer.get(f"{ADMIN}edit/{definition.pk}/")
    content = page.content.decode()
    kinds = json.loads(html.unescape(content.split('data-kinds="', 1)[1].split('"', 1)[0]))
    assert ["name", "volunteer's name", True] in kinds["activate_volunteer"]
    assert kinds["notify"] == []
    data = posted(page.context["form"])
    mapping = json.loads(data["effects-0-field_map"])
    del mapping["skills"]  # the row set to "not used"
    data["effects-0-field_map"] = json.dumps(mapping, ensure_ascii=False)
    answer = city_designer.post(f"{ADMIN}edit/{definition.pk}/", data | {"action-publish": "1"})
    assert answer.status_code == 302
    text = export_definition(ProcessDefinition.objects.get(pk=definition.pk))
    assert "skills:" not in text and "availability: 可服务时间" in text

    # A required input left unmapped is named by its label.
    del mapping["phone"]
    data["effects-0-field_map"] = json.dumps(mapping, ensure_ascii=False)
    answer = city_designer.post(f"{ADMIN}edit/{definition.pk}/", data | {"action-publish": "1"})
    assert problems_by_place(answer.context["form"]) == {
        "": [],
        "effects-0": {
            "__all__": [
                "Activate a volunteer: map the input “volunteer's phone” to an intake field."
            ]
        },
    }
