from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views import workflows as moderation
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

from grid import views as grid_views
from grid.admin_views import SiteHistoryView
from pages import views as pages_views
from workflows.viewsets import site as workflow_site

from . import views

# Wagtail's headless API: pages (with each page type's api_fields), images and documents.
api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PagesAPIViewSet)
api_router.register_endpoint("images", ImagesAPIViewSet)
api_router.register_endpoint("documents", DocumentsAPIViewSet)

urlpatterns = [
    # Wagtail's site history report, scoped to the reader's jurisdiction (ahead of Wagtail's).
    path(
        "admin/reports/site-history/",
        require_admin_access(SiteHistoryView.as_view()),
        name="site_history",
    ),
    path(
        "admin/reports/site-history/results/",
        require_admin_access(SiteHistoryView.as_view(results_only=True)),
        name="site_history_results",
    ),
    # Wagtail's page-moderation task chooser, for moderation designers (ahead of Wagtail's).
    path(
        "admin/workflows/task_chooser/",
        views.for_moderation_designers(moderation.TaskChooserView.as_view()),
        name="moderation_task_chooser",
    ),
    path(
        "admin/workflows/task_chooser/results/",
        views.for_moderation_designers(moderation.TaskChooserResultsView.as_view()),
        name="moderation_task_chooser_results",
    ),
    path(
        "admin/workflows/task_chooser/<int:task_id>/",
        views.for_moderation_designers(moderation.task_chosen),
        name="moderation_task_chosen",
    ),
    path("admin/logout/", views.AdminLogoutView.as_view(), name="wagtailadmin_logout"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("language/<str:code>/", views.switch_language, name="switch_language"),
    path("api/v2/", api_router.urls),
    path("api/grid/", include(("grid.api", "grid-api"))),
    path("open311/v2/", include("open311.urls")),
    path("sms/", include("sms.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", pages_views.account, name="account"),
    path("accounts/start/", views.landing, name="landing"),
    path("accounts/volunteering/", pages_views.my_volunteering, name="my_volunteering"),
    path("accounts/password-reset/", grid_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("workflow/", workflow_site.urls),
    path("", include("workflows.urls")),
    path("", include("daily.urls")),
    path("", include("returns.urls")),
    path("", include("dashboards.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]

handler400 = views.bad_request
