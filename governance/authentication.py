"""`Authorization: Bearer <token>` for personal and vendor tokens."""

from rest_framework import authentication, exceptions

from governance.actors import VendorActor
from governance.tokens import token_lookup

INVALID_TOKEN = "Invalid, revoked or expired token."


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates a user (personal token) or a vendor (vendor token)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0] != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        token = token_lookup(parts[1])
        if token is None:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        if token.vendor_id is not None:
            return VendorActor(vendor=token.vendor, token=token), token
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword
