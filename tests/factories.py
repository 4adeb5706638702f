"""factory_boy factories: minimal valid defaults, unique fields by sequence."""

from datetime import date

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from governance.models import AISystem, Membership, ModelVersion, Organization, Role, Vendor
from governance.screening import SCREENED_FIELDS, screen

SCREENING_DATE = date(2026, 11, 26)
PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.LazyFunction(lambda: make_password(PASSWORD))


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Shop {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.OWNER


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Vendor {n}")
    contact_email = "support@vendor.example"


class AISystemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AISystem

    organization = factory.SubFactory(OrganizationFactory)
    vendor = factory.SubFactory(VendorFactory, organization=factory.SelfAttribute("..organization"))
    name = factory.Sequence(lambda n: f"Ticket emotion classifier {n}")
    purpose = "Route angry support tickets to a senior agent."
    modality = "text"
    subjects = "customers"
    context = "customer_service"
    medical_or_safety_purpose = False
    decides_about_people = False
    screening = factory.LazyAttribute(
        lambda o: screen({f: getattr(o, f) for f in SCREENED_FIELDS}, on=SCREENING_DATE)
    )
    screening_category = factory.LazyAttribute(lambda o: o.screening["category"])


class ModelVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelVersion

    system = factory.SubFactory(AISystemFactory)
    version = factory.Sequence(lambda n: f"1.{n}.0")
    labels = factory.LazyFunction(lambda: ["anger", "joy", "neutral", "sadness"])
    flagged_labels = factory.LazyFunction(lambda: ["anger"])
