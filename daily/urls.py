from django.urls import path

from . import views

app_name = "daily"

urlpatterns = [
    path("today/", views.today, name="today"),
    path("today/grids/<int:grid_pk>/", views.grid_history, name="grid_history"),
    path("today/grids/<int:grid_pk>/inspect/", views.start, name="start"),
    path("today/inspections/<int:pk>/", views.inspection, name="inspection"),
    path("today/photos/<int:pk>/", views.photo, name="photo"),
]
