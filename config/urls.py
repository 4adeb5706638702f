"""URL routes: the web app, the admin and the v1 API."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from audits import web as audits_web
from governance import views as web

api_v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("", include("audits.api.urls")),
    path("", include("governance.api.urls")),
]

urlpatterns = [
    path("", web.home, name="home"),
    path("systems/<uuid:pk>/", web.system_detail, name="web-system"),
    path("versions/<uuid:pk>/audits/", audits_web.version_audits, name="web-version-audits"),
    path("audits/<uuid:pk>/", audits_web.audit_detail, name="web-audit"),
    path("board/", include("governance.board_web")),
    path("login/", auth_views.LoginView.as_view(template_name="login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
]
