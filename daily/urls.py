from django.urls import path

from . import views

app_name = "daily"

urlpatterns = [
    path("today/", views.today, name="today"),
    path("today/sw.js", views.service_worker, name="service_worker"),
    path("signed-out/", views.signed_out, name="signed_out"),
    path("today/grids/<int:grid_pk>/", views.grid_history, name="grid_history"),
    path("today/grids/<int:grid_pk>/inspect/", views.start, name="start"),
    path("today/grids/<int:grid_pk>/households/", views.grid_visits, name="grid_visits"),
    path("today/inspections/<int:pk>/", views.inspection, name="inspection"),
    path("today/photos/<int:pk>/", views.photo, name="photo"),
    path("today/findings/<int:pk>/report/", views.report, {"source": "finding"}, name="report"),
    path(
        "today/visits/<int:pk>/report/",
        views.report,
        {"source": "visit"},
        name="report_visit",
    ),
    path("today/visits/<int:pk>/done/", views.follow_up_done, name="follow_up_done"),
    path("today/households/<int:pk>/", views.household, name="household"),
    path(
        "today/households/<int:pk>/visit/",
        views.log_visit,
        {"kind": "household"},
        name="visit_household",
    ),
    path("today/buildings/<int:pk>/", views.building, name="building"),
    path("today/units/<int:pk>/", views.unit, name="unit"),
    path("today/units/<int:pk>/visit/", views.log_visit, {"kind": "unit"}, name="visit_unit"),
]
