"""Pagination and throttling for the API, kept apart from `config.api` because DRF imports
these while its own views module is still loading."""

from rest_framework.pagination import PageNumberPagination
from rest_framework.throttling import SimpleRateThrottle


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class TokenRateThrottle(SimpleRateThrottle):
    """Rate-limits requests made with a bearer token, per token."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if token is None or not hasattr(token, "pk"):
            return None
        return self.cache_format % {"scope": self.scope, "ident": str(token.pk)}
