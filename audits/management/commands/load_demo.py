"""`manage.py load_demo`: a small online shop, its support-ticket emotion model and a real audit.

Plays every part once, exactly as in real use: the owner records the shop's AI system and its
vendor; the vendor scores a generated corpus of customer messages with a real offline model
(VADER-based, `examples/demo_model.py`) and submits the predictions through the HTTP API with a
vendor token (`examples/vendor_submit.py`, against a server started here for the purpose); the
audit runs; the PDF report is written to a path printed on screen with the findings.
"""

import threading
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import (
    ThreadedWSGIServer,
    WSGIRequestHandler,
    get_internal_wsgi_application,
)
from django.db import transaction
from django.test import override_settings

from governance.models import (
    AISystem,
    Membership,
    ModelVersion,
    Organization,
    ProcessingActivity,
    Role,
    Vendor,
)
from governance.services import (
    membership_add,
    organization_create,
    system_create,
    vendor_create,
    vendor_token_issue,
    version_register,
)
from governance.services.assessments import assessment_create, assessment_submit
from governance.services.board import deployment_request_create, signoff_record
from governance.services.records import (
    consent_policy_create,
    consent_policy_publish,
    consent_record_create,
    processing_activity_create,
)

ORGANIZATION = "Thistle & Thread Online Shop"
OWNER_EMAIL = "owner@thistle-thread.example"
MEMBERS = [
    ("reviewer1@thistle-thread.example", Role.REVIEWER),
    ("reviewer2@thistle-thread.example", Role.REVIEWER),
    ("auditor@thistle-thread.example", Role.VIEWER),
]
DEMO_PASSWORD = "attune-demo-2026"
VENDOR = "Feelwise Analytics"
SYSTEM = "Support-ticket emotion triage"


def demo_answers() -> dict:
    """Plausible answers for a customer-facing text system: the lower risks, most mitigations."""
    from governance.questionnaires import default_questionnaire

    chosen = {
        "purpose_main": "assist_staff",
        "people_staff_students": "no",
        "people_others": ["customers"],
    }
    answers = {}
    for position, question in enumerate(default_questionnaire().questions):
        if question.id in chosen:
            answers[question.id] = chosen[question.id]
            continue
        options = [option.value for option in question.options]
        if question.type == "risk":
            value = options[min(1, len(options) - 1)]
        else:
            # Most mitigations in place; every fourth not yet done.
            value = options[0] if position % 4 == 0 else options[-1]
        answers[question.id] = [value] if question.kind == "multi" else value
    return answers


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        return


class Command(BaseCommand):
    help = "Create the demo shop, submit a scored corpus through the API, audit it, write the PDF."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=4000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "var" / "demo"))

    def handle(self, *args, rows: int, seed: int, out: str, **options):
        # The board's e-mails are kept in memory here and counted; the server prints them.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            mail.outbox = []
            self._play(rows=rows, seed=seed, out=out)
            self.stdout.write(f"{len(mail.outbox)} notification e-mail(s) sent to the board.")

    def _play(self, *, rows: int, seed: int, out: str) -> None:
        from examples import demo_corpus, demo_model, vendor_submit

        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        organization, version, vendor = self._records(demo_model)
        owner = Membership.objects.get(organization=organization, role=Role.OWNER).user
        with transaction.atomic():
            token = vendor_token_issue(actor=owner, vendor=vendor, label="demo upload").secret

        corpus = demo_model.score_corpus(demo_corpus.generate(n=rows, seed=seed))
        self._governance_records(organization, owner, version, corpus, demo_model)
        predictions = demo_model.write_predictions(corpus, out_dir / "predictions.csv")
        self.stdout.write(
            f"Scored {len(corpus)} customer messages with {demo_model.MODEL_NAME} "
            f"{demo_model.MODEL_VERSION} -> {predictions}"
        )

        server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=True)
        server.set_app(get_internal_wsgi_application())
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base_url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            result = vendor_submit.submit(
                base_url=base_url,
                token=token,
                version=str(version.pk),
                file=str(predictions),
                sensitive=list(demo_model.SENSITIVE_COLUMNS),
                features=list(demo_model.FEATURE_COLUMNS),
                subject_column=demo_model.SUBJECT_COLUMN,
                explain=True,
                report_out=str(out_dir / "audit-report.pdf"),
                timeout=600,
            )
        except vendor_submit.SubmitError as exc:
            raise CommandError(f"The demo submission failed: {exc}") from exc
        finally:
            server.shutdown()
            server.server_close()
        self.stdout.write(vendor_submit.format_summary(result))
        self._board(organization, owner, version, result)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"PDF audit report: {result['report_path']}"))
        self.stdout.write(
            f"Sign in at http://127.0.0.1:8000/login/ as {OWNER_EMAIL} (owner) or "
            f"{MEMBERS[0][0]} (reviewer), password {DEMO_PASSWORD}"
        )
        self.stdout.write(f"Vendor token for the API (shown once): {token}")

    def _governance_records(self, organization, owner, version, corpus, demo_model) -> None:
        """The owner's side: record of processing relying on explicit consent, the consent
        policy with customers' answers, and a submitted impact assessment."""
        system = version.system
        if not ProcessingActivity.objects.filter(organization=organization).exists():
            with transaction.atomic():
                processing_activity_create(
                    actor=owner,
                    organization=organization,
                    systems=[system],
                    name="Emotion triage of customer support messages",
                    controller_name=ORGANIZATION,
                    controller_contact="privacy@thistle-thread.example",
                    dpo_contact="dpo@thistle-thread.example",
                    purposes=["Answer upset or worried customers first"],
                    legal_basis="consent",
                    special_category_basis="explicit_consent",
                    data_subject_categories=["customers"],
                    personal_data_categories=["support messages", "inferred emotion", "age band"],
                    recipients=["Feelwise Analytics (processor)"],
                    retention="Prediction rows 90 days; audit results (aggregates) 6 years",
                    security_measures="Pseudonymised customer references, TLS, access by role",
                )
                policy = consent_policy_create(
                    actor=owner,
                    organization=organization,
                    name="Emotion analysis of support messages",
                    text=(
                        "We use software to read the tone of your support messages so that "
                        "upset or worried customers are answered first. You can say no, or "
                        "withdraw at any time in your account settings; it changes nothing else."
                    ),
                    effective_from=date(2026, 1, 1),
                    purposes=["support triage"],
                    systems=[system],
                )
                policy = consent_policy_publish(actor=owner, policy=policy)
            customers = sorted({row[demo_model.SUBJECT_COLUMN] for row in corpus})
            with transaction.atomic():
                for index, customer in enumerate(customers):
                    if index % 40 == 7:
                        continue  # never answered: their rows are left out of audits
                    consent_record_create(
                        actor=owner,
                        policy=policy,
                        subject=customer,
                        action="granted",
                        channel="checkout form",
                        evidence="Checkbox ticked at checkout",
                    )
                    if index % 97 == 11:
                        consent_record_create(
                            actor=owner,
                            policy=policy,
                            subject=customer,
                            action="withdrawn",
                            channel="account settings",
                        )
            self.stdout.write(f"Recorded consent answers of {len(customers)} customers.")
        if not system.assessments.filter(status="submitted").exists():
            with transaction.atomic():
                assessment = assessment_create(actor=owner, system=system, answers=demo_answers())
                assessment = assessment_submit(actor=owner, assessment=assessment)
            score = assessment.score
            self.stdout.write(
                f"Impact assessment submitted: level {score['level']} "
                f"(score {score['score']} of {score['max_raw']})."
            )

    def _board(self, organization, owner, version, result) -> None:
        """The owner asks the board to approve the audited version; one reviewer approves,
        leaving the second signature (quorum 2) to be given in the web app."""
        with transaction.atomic():
            request = deployment_request_create(
                actor=owner, model_version=version, audit_run_id=result["audit"]["id"]
            )
        reviewer = Membership.objects.get(organization=organization, user__email=MEMBERS[0][0]).user
        with transaction.atomic():
            signoff_record(
                actor=reviewer,
                request=request,
                decision="approve",
                evidence_sha256=request.evidence_sha256,
                conditions="Re-check the anger flags for texting customers within 3 months.",
            )
        self.stdout.write(
            f"Deployment request {request.pk} is waiting for a second approval: sign in as "
            f"{MEMBERS[1][0]} and open http://127.0.0.1:8000/board/"
        )

    @transaction.atomic
    def _records(self, demo_model) -> tuple[Organization, ModelVersion, Vendor]:
        """The demo shop's records, created on the first run and reused afterwards."""
        organization = Organization.objects.filter(name=ORGANIZATION).first()
        if organization is None:
            organization, _ = organization_create(name=ORGANIZATION, owner_email=OWNER_EMAIL)
        owner = Membership.objects.get(organization=organization, role=Role.OWNER).user
        for email, role in MEMBERS:
            if not Membership.objects.filter(organization=organization, user__email=email).exists():
                membership_add(actor=owner, organization=organization, email=email, role=role)
        users = get_user_model().objects.filter(
            email__in=[OWNER_EMAIL, *(email for email, _ in MEMBERS)]
        )
        for user in users:
            if not user.has_usable_password():
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
        vendor = Vendor.objects.filter(
            organization=organization, name=VENDOR
        ).first() or vendor_create(
            actor=owner,
            organization=organization,
            name=VENDOR,
            contact_email="support@feelwise.example",
        )
        system = AISystem.objects.filter(
            organization=organization, name=SYSTEM
        ).first() or system_create(
            actor=owner,
            organization=organization,
            name=SYSTEM,
            purpose=(
                "Read the emotion in customers' support messages and send angry or worried "
                "customers to a senior agent first."
            ),
            vendor=vendor,
            modality="text",
            subjects="customers",
            context="customer_service",
        )
        version = ModelVersion.objects.filter(
            system=system, version=demo_model.MODEL_VERSION
        ).first()
        if version is None:
            version = version_register(
                actor=owner,
                system=system,
                version=demo_model.MODEL_VERSION,
                labels=list(demo_model.LABELS),
                flagged_labels=list(demo_model.FLAGGED_LABELS),
                description=f"{demo_model.MODEL_NAME}: VADER valence plus cue words, offline.",
            )
        return organization, version, vendor
