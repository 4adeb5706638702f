"""Web pages: thin views over the same selectors the API uses."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from governance import selectors
from governance.models import Membership


def home(request: HttpRequest) -> HttpResponse:
    """What Attune is, and for a signed-in member their organizations and systems."""
    if not request.user.is_authenticated:
        return render(request, "home_public.html")
    memberships = Membership.objects.filter(user=request.user).select_related("organization")
    systems = selectors.system_list(actor=request.user).order_by("organization__name", "name")
    return render(
        request,
        "governance/home.html",
        {"memberships": memberships, "systems": systems},
    )


@login_required
def system_detail(request: HttpRequest, pk) -> HttpResponse:
    """One system: its screening in plain words with clauses, and its model versions."""
    system = get_object_or_404(selectors.system_list(actor=request.user), pk=pk)
    versions = selectors.version_list(actor=request.user, system=system)
    return render(
        request, "governance/system_detail.html", {"system": system, "versions": versions}
    )
