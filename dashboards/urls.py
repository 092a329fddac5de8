from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/xlsx/", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("dashboard/processes/xlsx/", views.processes_xlsx, name="processes_xlsx"),
    path("dashboard/appraisal/", views.appraisal_page, name="appraisal"),
    path(
        "dashboard/appraisal/communities/<int:pk>/<slug:figure>/",
        views.community_records,
        name="community_records",
    ),
    path(
        "dashboard/appraisal/workers/<int:pk>/<slug:figure>/",
        views.worker_records,
        name="worker_records",
    ),
]
