from django.urls import path

from . import views

app_name = "returns"

urlpatterns = [
    path("returns/", views.my_returns, name="mine"),
    path("returns/burden/", views.burden_ledger, name="burden"),
    path("returns/<int:pk>/", views.table, name="table"),
    path("returns/<int:pk>/xlsx/", views.table_xlsx, name="table_xlsx"),
    path(
        "returns/<int:pk>/file/<str:area_code>/<str:start>/",
        views.file_return,
        name="file",
    ),
    path(
        "returns/<int:pk>/send-back/<str:area_code>/<str:start>/",
        views.send_back,
        name="send_back",
    ),
]
