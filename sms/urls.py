from django.urls import path

from . import views

app_name = "sms"

urlpatterns = [
    path("status/<str:token>/", views.delivery_reports, name="delivery_reports"),
]
