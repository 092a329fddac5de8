from django.urls import path

from . import views

app_name = "workflows"

urlpatterns = [
    path("track/", views.track_lookup, name="track_lookup"),
    path("track/<str:code>/", views.track, name="track"),
    path("accounts/notifications/", views.notifications, name="notifications"),
    path("tasks/", views.tasks, name="tasks"),
    path("processes/", views.processes, name="processes"),
    path(
        "processes/<int:process_pk>/files/<int:file_pk>/",
        views.process_file,
        name="process_file",
    ),
]
