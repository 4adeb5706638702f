"""The project's routes plus the board's web pages, as the lead is asked to include them."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *project_urlpatterns,
    path("board/", include("governance.board_web")),
]
