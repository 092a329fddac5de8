import pytest

from ..factories import CommunityFactory, DepartmentFactory, StreetFactory
from .factories import filer, monthly_return


@pytest.fixture
def city():
    """区民政局's monthly return, filed by two communities of one street and one of another,
    each with a filer."""
    street = StreetFactory(name="长江路街道")
    other_street = StreetFactory(name="铜官山街道")
    communities = [
        CommunityFactory(parent=street, name="五松社区"),
        CommunityFactory(parent=street, name="长江社区"),
        CommunityFactory(parent=other_street, name="铜官山社区"),
    ]
    department = DepartmentFactory(name="区民政局")
    return_form = monthly_return(department, [street, other_street])
    return {
        "street": street,
        "communities": communities,
        "department": department,
        "return": return_form,
        "filers": [filer(c) for c in communities],
    }
