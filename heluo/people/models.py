"""Talents, experts and mentors. Personal identifiers are masked and their reads audited."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heluo.core import audit
from heluo.core.codes import mask_id_number
from heluo.core.fields import EncryptedCharField, EncryptedFieldsMixin, LookupHashField
from heluo.core.i18n import LocalizedNameMixin
from heluo.core.models import Role
from heluo.core.permissions import CHANGE, NOTHING, VIEW, RestrictedManager, field_rule, fields_except
from heluo.core.validators import validate_id_number


@audit.register
class Person(EncryptedFieldsMixin, models.Model):
    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    name = models.CharField(_("name"), max_length=60, db_index=True)
    # Encrypted at rest; `filter(id_number=…)` matches through the keyed hash, which also keeps it unique.
    id_number = EncryptedCharField(_("ID number"), max_length=18, null=True, blank=True, validators=[validate_id_number])
    id_number_hash = LookupHashField(_("ID number"), source="id_number", unique=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    employer = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="people", verbose_name=_("employer")
    )
    title = models.CharField(_("title / position"), max_length=100, blank=True)
    degree = models.CharField(_("degree"), max_length=30, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_synthetic = models.BooleanField(_("synthetic (demo)"), default=False)
    updated = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()
    audit_masked_fields = ("id_number",)

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return self.name

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number or "")

    @classmethod
    def scope_q(cls, scope, action):
        if scope.is_bureau:
            return None
        if scope.role == Role.DISTRICT_STAFF:
            return Q(employer__area_id__in=scope.area_ids) if action in (VIEW, CHANGE) else NOTHING
        if scope.role == Role.ORG_USER and scope.organization_id:
            return Q(employer_id=scope.organization_id) if action in (VIEW, CHANGE) else NOTHING
        if scope.role == Role.EXPERT and scope.person_id:
            return Q(pk=scope.person_id) if action in (VIEW, CHANGE) else NOTHING
        return NOTHING


# An expert keeps its own contact details and titles; its name, identity number and employer are the registry's.
PERSON_SELF_SERVICE = frozenset({"gender", "birth_year", "title", "degree", "phone", "email"})


@field_rule(Person)
def person_fields(scope, person):
    return PERSON_SELF_SERVICE if scope.role == Role.EXPERT else None


class PersonScoped:
    @classmethod
    def scope_q(cls, scope, action):
        inner = Person.scope_q(scope, action)
        return None if inner is None else Q(person__in=Person.objects.filter(inner))


class TalentProgramme(LocalizedNameMixin, models.Model):
    """A talent programme (e.g. 河洛英才计划); a city's programmes come from its data file."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150)
    level = models.CharField(_("level"), max_length=20, blank=True)
    issuer = models.CharField(_("issued by"), max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("talent programme")
        verbose_name_plural = _("talent programmes")

    def __str__(self):
        return self.name

    @classmethod
    def scope_q(cls, scope, action):
        return None if action == VIEW or scope.is_bureau else NOTHING


@audit.register
class TalentMembership(PersonScoped, models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="talent_memberships", verbose_name=_("person"))
    programme = models.ForeignKey(TalentProgramme, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("programme"))
    year = models.PositiveSmallIntegerField(_("year selected"))
    category = models.CharField(_("category"), max_length=60, blank=True, help_text=_("e.g. 顶尖人才, 领军人才, 青年拔尖人才, 创新团队"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["person", "programme", "year"], name="talent_membership_unique")]
        verbose_name = _("talent programme membership")
        verbose_name_plural = _("talent programme memberships")

    def __str__(self):
        return f"{self.person} · {self.programme} {self.year}"

    @classmethod
    def scope_q(cls, scope, action):
        # A selection is announced by the programme and recorded by officials (the bureau, district staff for their
        # areas' people), as qualifications are: the person and the employer see it but do not record it.
        if action != VIEW and scope.role in (Role.ORG_USER, Role.EXPERT):
            return NOTHING
        return super().scope_q(scope, action)


@field_rule(TalentMembership)
def membership_fields(scope, membership):
    # a selection stays with the person selected: moving it to another person is the bureau's correction
    if scope.role == Role.DISTRICT_STAFF and membership.pk is not None:
        return fields_except(TalentMembership, "person")
    return None


@audit.register
class Expert(PersonScoped, models.Model):
    """A member of the expert pool. Fields and employer are what conflict-of-interest checks read."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="expert", verbose_name=_("person"))
    hitech_fields = models.ManyToManyField("taxonomy.HitechField", blank=True, verbose_name=_("fields"))
    industries = models.ManyToManyField("taxonomy.Industry", blank=True, verbose_name=_("industries"))
    specialty = models.CharField(_("specialty"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")

    def __str__(self):
        return str(self.person)

    @classmethod
    def scope_q(cls, scope, action):
        # The pool (who is in it, since when, whether active) is the bureau's; an expert keeps its own entry
        # (field rule below); districts and enterprises see their people's entries but do not enrol them.
        if action != VIEW and scope.role in (Role.DISTRICT_STAFF, Role.ORG_USER):
            return NOTHING
        return super().scope_q(scope, action)


# What an expert says about its own expertise; its membership of the pool (person, active, joined on) is the bureau's.
EXPERT_SELF_SERVICE = frozenset({"specialty", "hitech_fields", "industries"})


@field_rule(Expert)
def expert_fields(scope, expert):
    return EXPERT_SELF_SERVICE if scope.role == Role.EXPERT else None


@audit.register
class Mentor(PersonScoped, models.Model):
    """A start-up mentor (创业导师)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="mentor", verbose_name=_("person"))
    specialty = models.CharField(_("specialty"), max_length=200, blank=True)
    carrier = models.ForeignKey(
        "platforms.Platform", null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("incubation carrier")
    )
    active = models.BooleanField(_("active"), default=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("mentor")
        verbose_name_plural = _("mentors")

    def __str__(self):
        return str(self.person)
