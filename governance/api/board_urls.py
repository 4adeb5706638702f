"""Routes of the board API under /api/v1/ (included from governance/api/urls.py)."""

urlpatterns: list = []
