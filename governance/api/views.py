"""Thin API views: validate input, call one service or selector, serialize."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from governance import selectors, services
from governance.actors import is_vendor
from governance.api import serializers as s
from governance.filters import LedgerEventFilterSet, SystemFilterSet, VersionFilterSet
from governance.ledger import verify_chain
from governance.models import (
    AISystem,
    ApiToken,
    LedgerEvent,
    Membership,
    ModelVersion,
    Organization,
    Vendor,
)
from governance.permissions import ANY_MEMBER, OWNER, NotVendor, require_role

ORGANIZATION_NOT_FOUND = "Organization not found."
ORGANIZATION_REQUIRED = (
    "You belong to several organizations where you may do this: say which with 'organization'."
)
NO_ORGANIZATION = "You are not a member of an organization where you may do this."
VENDOR_NOT_FOUND = "Vendor not found."


class ScopedViewSet(viewsets.GenericViewSet):
    """A viewset whose queryset always comes from a caller-scoped selector."""

    model = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.scoped_queryset()


def resolve_organization(*, actor, organization_id, roles) -> Organization:
    """The organization named in the body, or the only one where the actor has the role."""
    if is_vendor(actor):
        require_role(actor=actor, organization=actor.organization, roles=roles)
    visible = selectors.organization_list(actor=actor)
    if organization_id is not None:
        organization = visible.filter(pk=organization_id).first()
        if organization is None:
            raise ValidationError({"organization": [ORGANIZATION_NOT_FOUND]})
        return organization
    candidates = list(visible.filter(memberships__user=actor, memberships__role__in=roles))
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        organization = visible.first()
        if organization is not None:
            require_role(actor=actor, organization=organization, roles=roles)
        raise ValidationError({"organization": [NO_ORGANIZATION]})
    raise ValidationError({"organization": [ORGANIZATION_REQUIRED]})


def resolve_vendor(*, organization: Organization, vendor_id):
    if vendor_id is None:
        return None
    vendor = organization.vendors.filter(pk=vendor_id).first()
    if vendor is None:
        raise ValidationError({"vendor": [VENDOR_NOT_FOUND]})
    return vendor


class OrganizationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The organizations you belong to, and their members."""

    serializer_class = s.OrganizationOutput
    model = Organization
    permission_classes = [IsAuthenticated, NotVendor]

    def scoped_queryset(self):
        return selectors.organization_list(actor=self.request.user).order_by("name")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not is_vendor(self.request.user):
            context["roles"] = dict(
                Membership.objects.filter(user=self.request.user).values_list(
                    "organization_id", "role"
                )
            )
        return context

    @extend_schema(request=s.MembershipCreateInput, responses=s.MembershipOutput(many=True))
    @action(detail=True, methods=["get", "post"])
    def members(self, request, pk=None):
        organization = self.get_object()
        if request.method == "GET":
            require_role(actor=request.user, organization=organization, roles=ANY_MEMBER)
            members = selectors.membership_list(actor=request.user).filter(
                organization=organization
            )
            return Response(s.MembershipOutput(members, many=True).data)
        payload = s.MembershipCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        require_role(actor=request.user, organization=organization, roles=OWNER)
        membership = services.membership_add(
            actor=request.user,
            organization=organization,
            email=data["email"],
            role=data["role"],
            vendor=resolve_vendor(
                organization=organization, vendor_id=data.get("vendor_affiliation")
            ),
        )
        return Response(s.MembershipOutput(membership).data, status=status.HTTP_201_CREATED)


class MembershipViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    """A membership; owners change roles with PATCH {role}."""

    serializer_class = s.MembershipOutput
    model = Membership
    permission_classes = [IsAuthenticated, NotVendor]

    def scoped_queryset(self):
        return selectors.membership_list(actor=self.request.user)

    @extend_schema(request=s.MembershipRoleInput, responses=s.MembershipOutput)
    def partial_update(self, request, pk=None):
        payload = s.MembershipRoleInput(data=request.data)
        payload.is_valid(raise_exception=True)
        membership = services.membership_change_role(
            actor=request.user, membership=self.get_object(), role=payload.validated_data["role"]
        )
        return Response(s.MembershipOutput(membership).data)


class VendorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Model suppliers; owners register them and issue their tokens."""

    serializer_class = s.VendorOutput
    model = Vendor
    permission_classes = [IsAuthenticated, NotVendor]

    def scoped_queryset(self):
        return selectors.vendor_list(actor=self.request.user)

    @extend_schema(request=s.VendorCreateInput, responses={201: s.VendorOutput})
    def create(self, request):
        payload = s.VendorCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        organization = resolve_organization(
            actor=request.user, organization_id=data.get("organization"), roles=OWNER
        )
        vendor = services.vendor_create(
            actor=request.user,
            organization=organization,
            name=data["name"],
            contact_email=data["contact_email"],
        )
        return Response(s.VendorOutput(vendor).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TokenIssueInput, responses={201: s.TokenOutput})
    @action(detail=True, methods=["get", "post"])
    def tokens(self, request, pk=None):
        vendor = self.get_object()
        if request.method == "GET":
            require_role(actor=request.user, organization=vendor.organization, roles=OWNER)
            tokens = selectors.vendor_token_list(vendor=vendor)
            return Response(s.TokenOutput(tokens, many=True).data)
        payload = s.TokenIssueInput(data=request.data)
        payload.is_valid(raise_exception=True)
        issued = services.vendor_token_issue(
            actor=request.user, vendor=vendor, **payload.validated_data
        )
        body = {**s.TokenOutput(issued.token).data, "token": issued.secret}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.TokenOutput)
    @action(detail=True, methods=["post"], url_path=r"tokens/(?P<token_id>[0-9a-f-]+)/revoke")
    def revoke_token(self, request, pk=None, token_id=None):
        vendor = self.get_object()
        token = get_object_or_404(selectors.vendor_token_list(vendor=vendor), pk=token_id)
        token = services.token_revoke(actor=request.user, token=token)
        return Response(s.TokenOutput(token).data)


class PersonalTokenViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Your own personal API tokens."""

    serializer_class = s.TokenOutput
    model = ApiToken
    permission_classes = [IsAuthenticated, NotVendor]

    def scoped_queryset(self):
        return selectors.token_list(actor=self.request.user)

    @extend_schema(request=s.TokenIssueInput, responses={201: s.TokenOutput})
    def create(self, request):
        payload = s.TokenIssueInput(data=request.data)
        payload.is_valid(raise_exception=True)
        issued = services.personal_token_issue(user=request.user, **payload.validated_data)
        body = {**s.TokenOutput(issued.token).data, "token": issued.secret}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.TokenOutput)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = services.token_revoke(actor=request.user, token=self.get_object())
        return Response(s.TokenOutput(token).data)


class SystemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The AI-system inventory with each system's regulatory screening."""

    serializer_class = s.SystemOutput
    model = AISystem
    filterset_class = SystemFilterSet

    def scoped_queryset(self):
        return selectors.system_list(actor=self.request.user)

    @extend_schema(request=s.SystemCreateInput, responses={201: s.SystemOutput})
    def create(self, request):
        payload = s.SystemCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        organization = resolve_organization(
            actor=request.user, organization_id=data.pop("organization", None), roles=OWNER
        )
        data["vendor"] = resolve_vendor(organization=organization, vendor_id=data.get("vendor"))
        system = services.system_create(actor=request.user, organization=organization, **data)
        return Response(s.SystemOutput(system).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.SystemUpdateInput, responses=s.SystemOutput)
    def partial_update(self, request, pk=None):
        system = self.get_object()
        payload = s.SystemUpdateInput(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        unknown = sorted(set(request.data) - set(s.SystemUpdateInput().fields))
        if unknown:
            raise ValidationError({name: ["This field cannot be changed."] for name in unknown})
        changes = dict(payload.validated_data)
        if "vendor" in changes:
            changes["vendor"] = resolve_vendor(
                organization=system.organization, vendor_id=changes["vendor"]
            )
        system = services.system_update(actor=request.user, system=system, **changes)
        return Response(s.SystemOutput(system).data)

    @extend_schema(request=s.SystemTransitionInput, responses=s.SystemOutput)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        payload = s.SystemTransitionInput(data=request.data)
        payload.is_valid(raise_exception=True)
        system = services.system_transition(
            actor=request.user,
            system=self.get_object(),
            to=payload.validated_data["status"],
            reason=payload.validated_data["reason"],
        )
        return Response(s.SystemOutput(system).data)

    @extend_schema(request=s.LegalHoldInput, responses=s.SystemOutput)
    @action(detail=True, methods=["post"], url_path="legal-hold")
    def legal_hold(self, request, pk=None):
        payload = s.LegalHoldInput(data=request.data)
        payload.is_valid(raise_exception=True)
        system = services.system_set_legal_hold(
            actor=request.user,
            system=self.get_object(),
            on=payload.validated_data["legal_hold"],
            reason=payload.validated_data["reason"],
        )
        return Response(s.SystemOutput(system).data)

    @extend_schema(request=s.VersionCreateInput, responses={201: s.VersionOutput})
    @action(detail=True, methods=["get", "post"])
    def versions(self, request, pk=None):
        system = self.get_object()
        if request.method == "GET":
            versions = selectors.version_list(actor=request.user, system=system)
            page = self.paginate_queryset(versions)
            return self.get_paginated_response(s.VersionOutput(page, many=True).data)
        payload = s.VersionCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        version = services.version_register(
            actor=request.user, system=system, **payload.validated_data
        )
        return Response(s.VersionOutput(version).data, status=status.HTTP_201_CREATED)


class VersionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Model versions of the systems you can see."""

    serializer_class = s.VersionOutput
    model = ModelVersion
    filterset_class = VersionFilterSet

    def scoped_queryset(self):
        return selectors.version_list(actor=self.request.user)


class LedgerEventViewSet(mixins.ListModelMixin, ScopedViewSet):
    """The accountability log of your organizations."""

    serializer_class = s.LedgerEventOutput
    model = LedgerEvent
    permission_classes = [IsAuthenticated, NotVendor]
    filterset_class = LedgerEventFilterSet

    def scoped_queryset(self):
        return selectors.ledger_event_list(actor=self.request.user)


class LedgerVerifyView(APIView):
    """Recompute the hash chains of your organizations and name the first broken event."""

    permission_classes = [IsAuthenticated, NotVendor]

    @extend_schema(responses=s.LedgerVerifyOutput)
    def get(self, request):
        org_ids = [
            str(pk)
            for pk in selectors.organization_list(actor=request.user).values_list("pk", flat=True)
        ]
        result = verify_chain(org_ids)
        return Response(s.LedgerVerifyOutput(result.as_dict()).data)
