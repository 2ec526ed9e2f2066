"""Funded projects (立项后): one Project per funded application or awarded 揭榜挂帅/赛马制 bid, its contract (任务书:
objectives, indicators, the budget by category or, under 包干制, per year only), milestones with their payment tranches, payments, progress
reports, change requests, the acceptance (验收) by an expert panel, the performance evaluation (绩效) and what came of
it. The project's workflow is data (data/workflows/project.json); each step a ProjectEvent.

Who sees a project: the bureau, the applicant organization, its district (read), and the experts of an open
acceptance panel (read). The applicant writes reports, milestone evidence and change requests; the bureau approves,
pays and accepts — the services enforce who does which step (no field of these records is written through a form)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.models import DomainEvent, Role
from heluo.core.permissions import DELETE, NOTHING, VIEW, RestrictedManager, Scope, field_rule

from .applications import Application
from .calls import MONEY


class ProjectStatus(models.TextChoices):
    CONTRACTING = "contracting", _("Contracting")
    RUNNING = "running", _("Running")
    MID_TERM = "mid_term", _("Mid-term check")
    ACCEPTING = "accepting", _("Acceptance")
    ACCEPTED = "accepted", _("Accepted")
    FAILED = "failed", _("Failed acceptance")
    TERMINATED = "terminated", _("Terminated")


@audit.register
class Project(models.Model):
    # where the project comes from: a funded application, or an awarded 揭榜挂帅/赛马制 bid (exactly one of them)
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="project", verbose_name=_("application")
    )
    bid = models.OneToOneField(
        "projects.Bid", null=True, blank=True, on_delete=models.PROTECT, related_name="project", verbose_name=_("bid")
    )
    programme = models.CharField(_("programme type"), max_length=30)  # a code of data/programmes.json
    number = models.CharField(_("project number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    applicant = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("applicant"))
    pi = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("principal investigator"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    funding = models.DecimalField(_("total funding"), **MONEY)
    paid = models.DecimalField(_("paid so far"), default=0, **MONEY)
    lump_sum = models.BooleanField(_("lump-sum funding (包干制)"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.CONTRACTING)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(funding__gt=0), name="projects_project_funding_positive"),
            # the sum of the payments (kept here by the payment service) never above the funding
            models.CheckConstraint(condition=Q(paid__gte=0, paid__lte=F("funding")), name="projects_project_paid_within_funding"),
            models.CheckConstraint(condition=Q(ends_on__gt=F("starts_on")), name="projects_project_period"),
            models.CheckConstraint(
                condition=Q(application__isnull=False, bid__isnull=True) | Q(application__isnull=True, bid__isnull=False),
                name="projects_project_one_source",
            ),
        ]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self):
        return self.title

    @classmethod
    def scope_q(cls, scope: Scope, action):
        if scope.is_bureau:
            return None
        if scope.role == Role.DISTRICT_STAFF:
            return Q(applicant__area_id__in=scope.area_ids) if action == VIEW else NOTHING
        if scope.role == Role.ORG_USER and scope.organization_id:
            return Q(applicant_id=scope.organization_id) if action != DELETE else NOTHING
        if scope.role == Role.EXPERT and scope.person_id and action == VIEW:
            panels = AcceptanceExpert.objects.filter(acceptance__open=True, expert__person_id=scope.person_id)
            return Q(pk__in=panels.values("acceptance__project_id"))
        return NOTHING


@field_rule(Project)
def project_fields(scope: Scope, p: Project):
    """Nobody writes a project's fields through a form: each change is a service's step (a transition, a payment, an
    approved change request) that says who may take it."""
    return frozenset()


def _part_of(path: str = "project", expert_sees: bool = False):
    """A project's part is seen by whoever sees the project (an acceptance expert only the parts it reviews) and
    changed by nobody but through the services, which check who takes each step."""

    def scope_q(cls, scope, action):
        if scope.role == Role.EXPERT and not expert_sees:
            return NOTHING
        q = Project.scope_q(scope, VIEW if action == VIEW else action)
        if q is None or q is NOTHING:
            return q
        return Q(**{f"{path}__in": Project.objects.filter(q)})

    return classmethod(scope_q)


class ProjectContract(models.Model):
    """任务书. Budget: {"lines": [{"year": 2027, "category": "equipment" or null, "amount": "…"}]} — categories are the
    application form's; under 包干制 only totals per year (category null) and no category caps."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="contract")
    objectives = models.TextField(_("objectives"), max_length=10000)
    budget = models.JSONField(_("budget"), default=dict)
    signed_by_applicant_on = models.DateField(_("signed by the applicant on"), null=True, blank=True)
    signed_by_bureau_on = models.DateField(_("signed by the bureau on"), null=True, blank=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()
    scope_q = _part_of()

    @property
    def signed(self) -> bool:
        return bool(self.signed_by_applicant_on and self.signed_by_bureau_on)


class Indicator(models.Model):
    """One of the contract's assessment indicators (考核指标), with its target and what was achieved."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicator"), max_length=200)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    target = models.DecimalField(_("target value"), max_digits=16, decimal_places=2)
    achieved = models.DecimalField(_("achieved value"), max_digits=16, decimal_places=2, null=True, blank=True)

    objects = RestrictedManager()
    scope_q = _part_of(expert_sees=True)

    class Meta:
        ordering = ["project", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="projects_indicator_once")]


class MilestoneStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due on"))
    deliverables = models.TextField(_("deliverables"), max_length=5000)
    tranche = models.DecimalField(_("payment tranche"), default=0, **MONEY)
    status = models.CharField(_("status"), max_length=10, choices=MilestoneStatus.choices, default=MilestoneStatus.PENDING)
    evidence = models.TextField(_("evidence"), max_length=5000, blank=True)
    review_note = models.CharField(_("bureau's note"), max_length=1000, blank=True)

    objects = RestrictedManager()
    scope_q = _part_of(expert_sees=True)

    class Meta:
        ordering = ["project", "due_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(tranche__gte=0), name="projects_milestone_tranche")]


class Payment(models.Model):
    """A payment against an accepted milestone, or the initial tranche (no milestone)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="payments")
    milestone = models.ForeignKey(Milestone, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("reference"), max_length=100)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedManager()
    scope_q = _part_of()

    class Meta:
        ordering = ["project", "paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="projects_payment_positive"),
            models.UniqueConstraint(fields=["project"], condition=Q(milestone__isnull=True), name="projects_payment_initial_once"),
            models.UniqueConstraint(fields=["milestone"], name="projects_payment_milestone_once"),
        ]


class ProgressReport(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    period = models.CharField(_("period"), max_length=40)
    text = models.TextField(_("report"), max_length=20000)
    indicator_progress = models.JSONField(_("indicator progress"), default=dict, blank=True)  # {indicator id: value}
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    objects = RestrictedManager()
    scope_q = _part_of(expert_sees=True)

    class Meta:
        ordering = ["project", "submitted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "period"], name="projects_report_once")]


class ChangeRequest(models.Model):
    class Kind(models.TextChoices):
        PI = "pi", _("Principal investigator")
        BUDGET = "budget", _("Budget")
        SCHEDULE = "schedule", _("Schedule")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    proposed = models.JSONField(_("proposed values"), default=dict)
    before = models.JSONField(_("values before"), default=dict, blank=True)  # kept when an approved change is applied
    reason = models.TextField(_("reason"), max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decision_reason = models.CharField(_("decision reason"), max_length=1000, blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = RestrictedManager()
    scope_q = _part_of()

    class Meta:
        ordering = ["project", "-requested_at", "-id"]


class Acceptance(models.Model):
    """验收: an expert panel (no conflicted expert), each one's opinion and verdict, then the bureau's result."""

    class Result(models.TextChoices):
        PASS = "pass", _("Pass")
        CONDITIONAL = "conditional", _("Pass with conditions")
        FAIL = "fail", _("Fail")

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="acceptance")
    held_on = models.DateField(_("held on"))
    open = models.BooleanField(_("open"), default=True)
    result = models.CharField(_("result"), max_length=12, choices=Result.choices, blank=True)
    conclusion = models.TextField(_("conclusion"), max_length=5000, blank=True)

    objects = RestrictedManager()
    scope_q = _part_of(expert_sees=True)


class AcceptanceExpert(models.Model):
    acceptance = models.ForeignKey(Acceptance, on_delete=models.CASCADE, related_name="panel")
    expert = models.ForeignKey("people.Expert", on_delete=models.PROTECT, related_name="+")
    opinion = models.TextField(_("opinion"), max_length=5000, blank=True)
    verdict = models.CharField(_("verdict"), max_length=12, choices=Acceptance.Result.choices, blank=True)

    objects = RestrictedManager()
    scope_q = _part_of("acceptance__project", expert_sees=True)

    class Meta:
        ordering = ["acceptance", "id"]
        constraints = [models.UniqueConstraint(fields=["acceptance", "expert"], name="projects_acceptance_expert_once")]


class PerformanceEvaluation(models.Model):
    """绩效评价: a score per criterion (data/project-rules.json), their weighted total and the grade it gives."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="evaluation")
    scores = models.JSONField(_("scores"), default=dict)
    total = models.DecimalField(_("total"), max_digits=5, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=20)
    evaluated_on = models.DateField(_("evaluated on"))

    objects = RestrictedManager()
    scope_q = _part_of()


class ProjectResult(models.Model):
    """What came of the project: a patent (text), a technology-market achievement or contract. The market is another
    app (the independence contract): its id and title are copied here, not a foreign key."""

    class Kind(models.TextChoices):
        PATENT = "patent", _("Patent")
        ACHIEVEMENT = "achievement", _("Achievement")
        CONTRACT = "contract", _("Technology contract")
        OTHER = "other", _("Other")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="results")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    market_id = models.PositiveIntegerField(_("technology-market record"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=300)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = RestrictedManager()
    scope_q = _part_of()

    class Meta:
        ordering = ["project", "kind", "id"]


# the steps on a project's records (its workflow's transitions are labelled by the workflow's data)
RECORD_STEPS = {
    "create": _("Project made"),
    "contract_save": _("Contract drafted"),
    "contract_sign": _("Contract signed"),
    "milestone_submit": _("Milestone submitted"),
    "milestone_accept": _("Milestone accepted"),
    "milestone_reject": _("Milestone returned"),
    "pay": _("Payment"),
    "report": _("Progress report"),
    "change_request": _("Change requested"),
    "change_approve": _("Change approved"),
    "change_refuse": _("Change refused"),
    "acceptance_open": _("Acceptance panel set up"),
    "acceptance_close": _("Acceptance concluded"),
    "evaluate": _("Performance evaluated"),
    "result": _("Result recorded"),
}


class ProjectEvent(DomainEvent):
    """Append-only: each step of a project (its workflow's transitions and the records' decisions)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=2000, blank=True)

    objects = RestrictedManager()
    scope_q = _part_of()

    class Meta:
        ordering = ["at", "id"]
