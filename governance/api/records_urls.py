"""Routes of the records API under /api/v1/ (included from governance/api/urls.py)."""

urlpatterns: list = []
